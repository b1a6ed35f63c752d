"""Importing a checked course into the database: all or nothing, and idempotent.

``import_course`` turns a CourseSpec and its canonical files (courses/check.py ``load_course``)
into a published CourseVersion, writing its rows with ``CourseLoader`` (course_loader.py) and
its images with images.py; ``digest`` names the files' content, so the same files import once;
``ImportResult`` says what happened; ``made_from`` whether a version came from exactly these
files already. Reading, checking and writing the files themselves is courses/ (no database);
writing a version back to files is course_export.py.

- The same canonical files as the latest version: nothing changes.
- Edited files: a new published CourseVersion with fresh revision rows. Logical items are
  matched by their stable ids, so learners' progress, attempts and (later) annotations stay
  attached; items no longer in the files are retired, never deleted; items that come back are
  un-retired. Cohorts keep the version they follow; only cohorts following none (a new
  course's default cohort) start on the new version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from diplolearn.courses import sources
from diplolearn.courses.spec import CourseSpec
from diplolearn.extensions import db
from diplolearn.models import Cohort, Course, CourseVersion, CourseVersionState, User
from diplolearn.services import audit
from diplolearn.services.catalogue import images
from diplolearn.services.catalogue.course_loader import CourseLoader
from diplolearn.services.cohorts import organisations


@dataclass
class ImportResult:
    course: Course
    version: CourseVersion
    created: bool  # False when the files matched the latest version already


def digest(files: dict[str, bytes]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(path.encode() + b"\0" + files[path] + b"\0")
    return hasher.hexdigest()


def import_course(
    spec: CourseSpec, files: dict[str, bytes], by: User | None = None
) -> ImportResult:
    source_digest = digest(files)
    course = db.session.scalar(sa.select(Course).where(Course.key == spec.id))
    if course is None:
        course = organisations.create_course(spec.id, spec.title, spec.languages, by=by)
    # An open draft (services/authoring/drafting.py) is not what the files are compared with; it
    # keeps its number and is renumbered when it is published.
    latest = db.session.scalar(
        sa.select(CourseVersion)
        .where(
            CourseVersion.course_id == course.id, CourseVersion.state != CourseVersionState.DRAFT
        )
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )
    if latest is not None and latest.source_digest == source_digest:
        return ImportResult(course, latest, created=False)
    last_number = (
        db.session.scalar(
            sa.select(sa.func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    )

    course.title, course.languages, course.retired_at = dict(spec.title), list(spec.languages), None
    course.optional_languages = list(spec.optional_languages)
    version = CourseVersion(
        course_id=course.id,
        number=last_number + 1,
        source_digest=source_digest,
        created_by_id=getattr(by, "id", None),
        bibliography=sources.bibliography(spec),
        glossary=[
            {"id": t.id, "term": dict(t.term), "definition": dict(t.definition)}
            for t in spec.glossary
        ],
    )
    db.session.add(version)
    db.session.flush()
    CourseLoader(course, version).load(spec)
    for image in spec.images:
        images.import_image(course, image.data, image.alt)
    version.move_to(CourseVersionState.PUBLISHED)
    db.session.execute(
        sa.update(Cohort)
        .where(Cohort.course_id == course.id, Cohort.course_version_id.is_(None))
        .values(course_version_id=version.id)
    )
    db.session.flush()
    audit.record(by, "course.import", target=version, course=spec.id, version=version.number)
    return ImportResult(course, version, created=True)


def made_from(course: Course, files: dict[str, bytes]) -> bool:
    """Whether a version of the course was made from exactly these files, so that importing
    them would bring nothing new (``flask courses import --skip-conflicts`` says which
    reconciling command fits)."""
    return (
        db.session.scalar(
            sa.select(CourseVersion.id)
            .where(CourseVersion.course_id == course.id)
            .where(CourseVersion.source_digest == digest(files))
            .limit(1)
        )
        is not None
    )
