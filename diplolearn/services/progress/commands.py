"""``flask progress rebuild``: recompute the stored progress rows (models.ModuleProgress) from
the records, for every enrolment or one cohort's. Run it once after the migration that adds the
table, or whenever the rows are in doubt: the services keep them current otherwise
(services/progress/summary.py). It commits once.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

# An AppGroup: each command runs inside the application's context, under `flask` and in tests.
progress = AppGroup("progress", help="Stored progress: rebuild it from the records.")


@progress.command("rebuild")
@click.option("--cohort", "cohort_id", type=int, default=None, help="Only this cohort (its id).")
def rebuild(cohort_id: int | None):
    """Recompute the stored progress of every enrolment, or of one cohort's enrolments."""
    from diplolearn.extensions import db
    from diplolearn.models import Cohort
    from diplolearn.services.progress import summary
    from diplolearn.unit_of_work import unit_of_work

    if cohort_id is not None and db.session.get(Cohort, cohort_id) is None:
        raise click.ClickException(f"No cohort has the id {cohort_id}.")
    summary.forget_availability()
    if not summary.summaries_available():
        raise click.ClickException(
            "The database has no module_progress table: run `flask db upgrade`."
        )
    with unit_of_work(quiet=True):  # one commit
        count = summary.rebuild(cohort_id)
    click.echo(f"Stored progress rebuilt for {count} enrolment(s).")
