"""Command-line groups: ``flask users``, ``flask ministries``, ``flask jobs``, ``flask demo``.
(``flask db`` comes from Flask-Migrate.) Each command commits once, or not at all."""

from __future__ import annotations

import json
import time

import click
from flask import Flask, current_app

from diplolearn.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(ministries)
    app.cli.add_command(jobs)
    app.cli.add_command(demo)


@click.group(help="People and their accounts.")
def users():
    pass


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "name_latin", required=True, help="Name in Latin script.")
@click.option("--name-ar", default="", help="Name in Arabic script.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create_admin(email, name_latin, name_ar, password):
    """Create an administrator who can sign in at once."""
    from diplolearn.models import Role
    from diplolearn.services import accounts, audit
    from diplolearn.services.errors import DomainError

    try:
        user = accounts.create_user(email, name_latin=name_latin, name_ar=name_ar,
                                    password=password)
        accounts.grant_role(user, Role.ADMINISTRATOR)
        audit.record(None, "user.create_admin_cli", subject=user)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.group(help="Ministries (the tenants).")
def ministries():
    pass


@ministries.command("create")
@click.option("--code", required=True, help="Short unique code, e.g. MFA-JO.")
@click.option("--name-en", required=True)
@click.option("--name-ar", required=True)
@click.option("--name-fr", default="")
def create_ministry(code, name_en, name_ar, name_fr):
    from diplolearn.models import Ministry
    from diplolearn.services import audit

    if db.session.scalar(db.select(Ministry).where(Ministry.code == code)):
        raise click.ClickException(f"A ministry with code {code} exists already.")
    names = {"en": name_en, "ar": name_ar, **({"fr": name_fr} if name_fr else {})}
    ministry = Ministry(code=code, name=names)
    db.session.add(ministry)
    db.session.flush()
    audit.record(None, "ministry.create", ministry_id=ministry.id, target=ministry)
    db.session.commit()
    click.echo(f"Ministry {code} created.")


@click.group(help="Timed work: mail, expired attempts, module releases.")
def jobs():
    pass


@jobs.command("run")
@click.option("--loop", is_flag=True, help="Keep running, every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True)
@click.option("--only", multiple=True, help="Run only these jobs (repeatable).")
def run(loop, interval, only):
    """Run every job that is due, once (for cron) or in a loop (for a worker)."""
    from diplolearn.jobs import JOBS, run_jobs

    unknown = set(only) - set(JOBS)
    if unknown:
        raise click.BadParameter(f"unknown job(s): {', '.join(sorted(unknown))}")
    while True:
        results = run_jobs(only=list(only) or None)
        busy = {name: counts for name, counts in results.items() if any(counts.values())}
        if busy or not loop:
            click.echo(json.dumps(results, sort_keys=True))
        db.session.remove()
        if not loop:
            failed = any("error" in counts for counts in results.values())
            raise SystemExit(1 if failed else 0)
        time.sleep(interval)


@click.group(help="Demonstration data for development.")
def demo():
    pass


@demo.command("seed")
def seed():
    """Create the demo ministries and accounts (idempotent; refused in production)."""
    from diplolearn.demo import DEMO_ACCOUNTS, seed_demo

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Demo data is for development only; refused in production.")
    created = seed_demo()
    db.session.commit()
    click.echo(f"Demo data ready ({created} new records).")
    click.echo(accounts_table(DEMO_ACCOUNTS))


def accounts_table(rows) -> str:
    lines = ["| role | email | password |", "| --- | --- | --- |"]
    lines += [f"| {row.role} | {row.email} | `{row.password}` |" for row in rows]
    return "\n".join(lines)
