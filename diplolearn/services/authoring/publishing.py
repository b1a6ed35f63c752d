"""Publishing a course's draft and reading the course's versions.

``publish`` runs the full course check (``check_spec``: ``flask courses check`` on the draft's
canonical files), then loads the files once more with the importer's loader (which retires the
items the draft no longer has, never deleting them) and publishes. The published version
therefore exports byte for byte as the files it was checked as. Cohorts on no version yet
take the new one; ``move_cohort`` moves a cohort to another published version by hand (progress, attempts and submissions point at logical items, so they carry
across by the stable ids).

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import check_course
from diplolearn.courses.spec import CourseSpec
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    CourseVersion,
    CourseVersionState,
    Lesson,
    LessonRevision,
    User,
)
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, NoDraft, PublishRefused
from diplolearn.services.authoring.drafting import delete_revisions, load_version, locked_spec
from diplolearn.services.catalogue import images
from diplolearn.services.catalogue.course_import import digest
from diplolearn.services.catalogue.course_loader import CourseLoader

# --- the course's versions -------------------------------------------------------------------


def released_versions(course: Course) -> list[CourseVersion]:
    """The course's versions other than its draft, newest first."""
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .where(
                CourseVersion.course_id == course.id,
                CourseVersion.state != CourseVersionState.DRAFT,
            )
            .order_by(CourseVersion.number.desc())
        ).all()
    )


def published_version(course: Course, number: int) -> CourseVersion | None:
    """The course's published version with this number; None for any other number."""
    return db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.number == number,
            CourseVersion.state == CourseVersionState.PUBLISHED,
        )
    )


def version_by_id(version_id: int) -> CourseVersion | None:
    """A course version by id (from the session's identity map when already loaded)."""
    return db.session.get(CourseVersion, version_id)


def lesson_revision(version: CourseVersion, key: str) -> LessonRevision | None:
    """The revision of the lesson with this key in the version; None when it has none."""
    return db.session.scalar(
        sa.select(LessonRevision)
        .join(Lesson)
        .where(LessonRevision.course_version_id == version.id, Lesson.key == key)
    )


# --- publishing ------------------------------------------------------------------------------


def check_spec(spec: CourseSpec) -> tuple[list, dict[str, bytes]]:
    """Run ``flask courses check`` on the spec's canonical files: (problems, files)."""
    files = course_file_bytes(spec)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / spec.id
        for rel, data in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _checked, problems = check_course(folder, images.limits())
    prefix = f"{folder}/"
    return [str(p).replace(prefix, "") for p in problems], files


def publish(draft: CourseVersion, by: User | None) -> CourseVersion:
    """Publish the draft as the course's newest version, after the full course check."""
    if draft.state != CourseVersionState.DRAFT:
        raise NoDraft()
    course = draft.course
    spec = locked_spec(draft)
    problems, files = check_spec(spec)
    if problems:
        raise PublishRefused(problems)
    delete_revisions(draft)
    load_version(draft, spec, loader=CourseLoader)  # the importer's loader: retires what is gone
    top = (
        db.session.scalar(
            sa.select(sa.func.max(CourseVersion.number)).where(
                CourseVersion.course_id == course.id, CourseVersion.id != draft.id
            )
        )
        or 0
    )
    if draft.number <= top:  # an import published meanwhile: come after it
        draft.number = top + 1
    draft.source_digest = digest(files)
    draft.move_to(CourseVersionState.PUBLISHED)
    db.session.execute(
        sa.update(Cohort)
        .where(Cohort.course_id == course.id, Cohort.course_version_id.is_(None))
        .values(course_version_id=draft.id)
    )
    db.session.flush()
    audit.record(by, "course.publish", target=draft, course=course.key, version=draft.number)
    return draft


def move_cohort(cohort: Cohort, version: CourseVersion, by: User | None) -> None:
    """Move a cohort to another published version of its course. Progress, attempts and
    submissions point at logical items, so they carry across by the stable ids."""
    if version.course_id != cohort.course_id or version.state != CourseVersionState.PUBLISHED:
        raise AuthoringError(_l("A cohort can only move to a published version of its course."))
    if cohort.course_version_id == version.id:
        return
    before = cohort.course_version_id
    cohort.course_version_id = version.id
    db.session.flush()
    audit.record(
        by,
        "cohort.move_version",
        target=cohort,
        from_version=before,
        to_version=version.id,
        number=version.number,
    )
