"""``flask api-tokens``: ministry service tokens from the command line.

- ``create --ministry CODE --name NAME [--scope SCOPE ...] [--days N]``: prints a summary,
  then the raw token alone on the last line (for scripts: ``| tail -n 1``). Without
  ``--scope`` the token gets the read scopes.
- ``revoke ID``: revokes a token.
- ``demo``: the development demo's token for the first demo ministry (refused in production).

Audited like the pages' changes (with no person as the actor); committed by the unit of work.
"""

from __future__ import annotations

import click
from flask import current_app

from diplolearn.api import bp
from diplolearn.services.integrations import ALL_SCOPES, tokens
from diplolearn.unit_of_work import unit_of_work


def _refused(work) -> None:
    if work.refused:
        raise click.ClickException(str(work.error.message))


@bp.cli.command("create")
@click.option("--ministry", "code", required=True, help="The ministry's code, such as MFA-A.")
@click.option("--name", required=True, help="What the token is for, such as 'HR system'.")
@click.option(
    "--scope", "scopes", multiple=True, type=click.Choice(ALL_SCOPES), help="Repeat for several."
)
@click.option("--days", default=tokens.DEFAULT_LIFETIME_DAYS, show_default=True, type=int)
def create(code: str, name: str, scopes: tuple, days: int):
    """Create a ministry service token; the raw token is the last line printed."""
    ministry = tokens.ministry_by_code(code)
    if ministry is None:
        raise click.ClickException(f"No ministry has the code {code!r}.")
    with unit_of_work(quiet=True) as work:
        token, raw = tokens.create_token(
            name=name, by=None, ministry=ministry, scopes=list(scopes), lifetime_days=days
        )
        summary = (
            f"Token {token.id} for {ministry.code} ({', '.join(token.scopes)}), "
            f"expires {token.expires_at:%Y-%m-%d}. Shown once:"
        )
    _refused(work)
    click.echo(summary)
    click.echo(raw)


@bp.cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int):
    """Revoke a token by its id (as listed on the ministry's Integrations page)."""
    with unit_of_work(quiet=True) as work:
        found = tokens.by_id(token_id)
        if found is None:
            raise click.ClickException(f"No token has the id {token_id}.")
        tokens.revoke(found, None)
    _refused(work)
    click.echo(f"Token {token_id} is revoked.")


@bp.cli.command("demo")
def demo():
    """The demo ministry's API token (development only): created once, printed every time."""
    from diplolearn.demo.api import seed_demo_token

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("The demo token is for development only; refused in production.")
    with unit_of_work(quiet=True) as work:
        raw = seed_demo_token()
    _refused(work)
    if raw is None:
        click.echo("No demo ministry yet: run `flask demo seed` first.")
        return
    click.echo("Demo API token for MFA-A (development only; see docs/api.md):")
    click.echo(raw)
