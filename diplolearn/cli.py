"""Command-line groups: ``flask users``, ``flask ministries``, ``flask jobs``, ``flask demo``.
(``flask db`` comes from Flask-Migrate.) Each command commits once, or not at all."""

from __future__ import annotations

import json
import time

import click
import sqlalchemy as sa
from flask import Flask, current_app

from diplolearn.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(courses)
    app.cli.add_command(users)
    app.cli.add_command(ministries)
    app.cli.add_command(jobs)
    app.cli.add_command(demo)
    from diplolearn.backup.commands import backup

    app.cli.add_command(backup)
    app.cli.add_command(
        __import__("diplolearn.services.progress.commands", fromlist=["_"]).progress
    )


@click.group(help="Courses as files: check, import, export.")
def courses():
    pass


def _folders(paths):
    from pathlib import Path

    from diplolearn.courses.check import course_folders

    folders = []
    for raw in paths:
        found = course_folders(Path(raw))
        if not found:
            raise click.ClickException(f"{raw}: no course.yaml here or in its sub-folders")
        folders += found
    return folders


@courses.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def check(paths):
    """Validate course folders; list every problem with file and line; change nothing."""
    from diplolearn.courses.check import check_course
    from diplolearn.courses.reading_time import reading_time_warnings
    from diplolearn.services.catalogue import images

    total = 0
    for folder in _folders(paths):
        course, problems = check_course(folder, images.limits())
        for problem in problems:
            click.echo(str(problem), err=True)
        for warning in reading_time_warnings(course) if course else []:
            click.echo(f"warning: {warning}", err=True)
        total += len(problems)
        click.echo(f"{folder.name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    if total:
        raise SystemExit(1)


@courses.command("format")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def format_(paths):
    """Rewrite course folders into the canonical form (an explicit author's tool: check never
    rewrites), with every run of the other script in a lesson isolated in <bdi> (Latin in
    Arabic text, Arabic in English or French). Refuses a folder with any other problem."""
    from diplolearn.courses.bidi import isolate_course_lessons
    from diplolearn.courses.check import check_course
    from diplolearn.courses.writer import course_files
    from diplolearn.services.catalogue import images

    failed = False
    for folder in _folders(paths):
        course, problems = check_course(folder, images.limits())
        blocking = [p for p in problems if "not in canonical form" not in p.message]
        if course is None or blocking:
            for problem in blocking:
                click.echo(str(problem), err=True)
            click.echo(f"{folder.name}: not formatted, {len(blocking)} problem(s) first")
            failed = True
            continue
        isolate_course_lessons(course)
        changed = 0
        for rel, text in course_files(course).items():
            path = folder / rel
            if not path.is_file() or path.read_bytes() != text.encode():
                path.write_bytes(text.encode())
                changed += 1
        click.echo(f"{folder.name}: {changed} file(s) rewritten")
    if failed:
        raise SystemExit(1)


@courses.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Replace changes made in the browser (a version not "
    "produced from files, or changed since) with these files.",
)
@click.option(
    "--skip-conflicts",
    is_flag=True,
    help="For start-up (make run): import what is new or changed, leave a course with changes "
    "made in the browser as it is (one line says so), and succeed.",
)
def import_(paths, force, skip_conflicts):
    """Import course folders, all or nothing: any problem in any folder imports none, and a
    course edited in the browser is refused (listing what differs) unless --force; with
    --skip-conflicts, such a course is left as it is and the others are imported."""
    from diplolearn.courses.check import CourseInvalid, load_course
    from diplolearn.models import Course
    from diplolearn.services.catalogue import images
    from diplolearn.services.catalogue.course_import import import_course
    from diplolearn.services.catalogue.coursefiles import conflicts

    if force and skip_conflicts:
        raise click.UsageError("--force and --skip-conflicts exclude each other.")
    loaded, problems = [], []
    for folder in _folders(paths):
        try:
            loaded.append((folder, *load_course(folder, images.limits())))
        except CourseInvalid as error:
            problems += error.problems
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s); nothing was imported.")
    refused, wanted = 0, []
    for folder, spec, files in loaded:
        course = db.session.scalar(sa.select(Course).where(Course.key == spec.id))
        found = conflicts(course, files) if course is not None else []
        if found and skip_conflicts:
            click.echo(_left_as_it_is(course, folder, files, found))
            continue
        for conflict in found:
            refused += 1
            _report_conflict(spec.id, conflict)
        wanted.append((spec, files))
    if refused and not force:
        raise click.ClickException(
            "nothing was imported: export the course (flask courses export) and merge the "
            "browser's changes into the files, or import with --force to replace them."
        )
    results = [import_course(spec, files) for spec, files in wanted]
    db.session.commit()
    for result in results:
        state = (
            f"version {result.version.number} published"
            if result.created
            else f"unchanged (version {result.version.number})"
        )
        click.echo(f"{result.course.key}: {state}")


def _report_conflict(key: str, conflict) -> None:
    click.echo(
        f"{key}: version {conflict.version.number} ({conflict.version.state}) "
        "has changes made in the browser that these files would replace:",
        err=True,
    )
    for label, paths in (
        ("changed", conflict.changed),
        ("only in the files", conflict.added),
        ("only in the course", conflict.removed),
    ):
        for path in paths:
            click.echo(f"  {key}/{path}: {label}", err=True)


def _left_as_it_is(course, folder, files, found) -> str:
    """The one line --skip-conflicts prints for a course it leaves alone, with the command
    that reconciles the browser's changes and the files."""
    from diplolearn.services.catalogue.course_import import made_from

    versions = " and ".join(f"version {c.version.number} ({c.version.state})" for c in found)
    replace = f"flask courses import --force {folder}"
    if made_from(course, files):  # the files bring nothing new: exporting loses nothing
        return (
            f"{course.key}: left as it is: {versions} has changes made in the browser that "
            f"are not in {folder}; to keep them, export them into the files "
            f"(flask courses export {course.key} {folder.parent}), or to drop them: {replace}"
        )
    return (
        f"{course.key}: left as it is, {folder} not imported: {versions} has changes made in "
        "the browser that these files would replace; export the course "
        f"(flask courses export {course.key} DIR) and merge the browser's changes into the "
        f"files, or replace them: {replace}"
    )


@courses.command("export")
@click.argument("course_id")
@click.argument("target", type=click.Path(file_okay=False))
@click.option("--version", "number", type=int, help="A version number (default: the latest).")
def export(course_id, target, number):
    """Write a course version back to files, in the canonical form, under TARGET/COURSE_ID."""
    from pathlib import Path

    from diplolearn.services.catalogue import UnknownCourse
    from diplolearn.services.catalogue.course_export import export_course

    try:
        written = export_course(course_id, Path(target), number)
    except UnknownCourse as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(written)} files written under {Path(target) / course_id}")


@click.group(help="People and their accounts.")
def users():
    pass


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "name_latin", required=True, help="Name in Latin script.")
@click.option("--name-ar", default="", help="Name in Arabic script.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)
def create_admin(email, name_latin, name_ar, password):
    """Create an administrator who can sign in at once."""
    from diplolearn.models import Role
    from diplolearn.services import audit
    from diplolearn.services.accounts import accounts
    from diplolearn.services.errors import DomainError

    try:
        user = accounts.create_user(
            email, name_latin=name_latin, name_ar=name_ar, password=password
        )
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
    from diplolearn.services.ministries import MinistryCodeTaken
    from diplolearn.services.ministries.ministries import create_ministry as create

    try:
        ministry = create(code=code, name_en=name_en, name_ar=name_ar, name_fr=name_fr)
    except MinistryCodeTaken as error:
        db.session.rollback()
        raise click.ClickException(f"A ministry with code {code} exists already.") from error
    db.session.commit()
    click.echo(f"Ministry {ministry.code} created.")


@click.group(help="Timed work: mail, expired attempts, module releases, certificates.")
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
