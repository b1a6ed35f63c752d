"""``flask backup``: create, restore, prune (the folder layout is in ``diplolearn.backup``).

Every refusal is one clear message and exit status 1, with nothing written.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from diplolearn.backup import BackupRefused

# An AppGroup: each command runs inside the application's context, under `flask` and in tests.
backup = AppGroup(
    "backup", help="Backups of the database and STORAGE_ROOT: create, restore, prune."
)


@backup.command("create")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def create(target: Path):
    """Write a consistent backup into TARGET (created if missing; must be empty), while the
    application keeps running. Suggested: one dated folder per backup inside one parent,
    e.g. /var/backups/diplolearn/$(date -u +%Y%m%dT%H%M%SZ), pruned with `backup prune`."""
    from diplolearn.backup.archive import create_backup

    try:
        summary = create_backup(target)
    except BackupRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backup written to {summary.folder}: {summary.tables} tables, {summary.rows} rows, "
        f"{summary.files} stored file(s)."
    )


@backup.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(source: Path):
    """Restore SOURCE into this environment: its database (which must not exist yet or have
    no tables; the schema is created here, no `db upgrade` first) and its STORAGE_ROOT.
    Refused, with nothing written, unless the backup is of this code's schema revision and
    every file's checksum matches."""
    from diplolearn.backup.archive import restore_backup

    try:
        summary = restore_backup(source)
    except BackupRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored from {summary.folder}: {summary.tables} tables, {summary.rows} rows, "
        f"{summary.files} stored file(s)."
    )


@backup.command("prune")
@click.argument("parent", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    required=True,
    help="How many of the newest backups to keep.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def prune(parent: Path, keep: int, dry_run: bool):
    """Keep the KEEP newest backup folders inside PARENT (by the instant in their manifest)
    and remove the others; folders without a manifest are left alone."""
    from diplolearn.backup.archive import prune_backups

    kept, removed = prune_backups(parent, keep, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for folder in removed:
        click.echo(f"{verb} {folder}")
    click.echo(f"{len(kept)} backup(s) kept, {len(removed)} {verb}.")
