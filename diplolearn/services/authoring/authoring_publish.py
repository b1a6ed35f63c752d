"""Publishing drafts, moving cohorts between versions, corrections, change history, owners,
co-authors and copies: the second half of authoring, after services/authoring/authoring.py (drafts and
the edits on them). Everything here is re-exported by services/authoring/authoring.py, so callers keep
using ``authoring.publish``, ``authoring.correct``, ... as before.

Functions flush and never commit; views commit once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import _text_problems, check_course
from diplolearn.courses.importer import _Loader, digest, import_course
from diplolearn.courses.spec import ID_PATTERN, CourseSpec, LessonSpec, LessonText
from diplolearn.courses.writer import course_file_bytes, lesson_markdown
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    ContentChange,
    Course,
    CourseOwner,
    CourseVersion,
    CourseVersionState,
    LessonRevision,
    Paragraph,
    ParagraphRevision,
    Role,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.accounts import accounts
from diplolearn.services.authoring.authoring import (
    AuthoringError,
    ContentInvalid,
    NoDraft,
    NothingPublished,
    PublishRefused,
    _clean,
    _delete_revisions,
    _load,
    draft_of,
    find_lesson,
    latest_published,
    locked_spec,
    parse_body,
    record_change,
    spec_of,
)

# --- publishing, cohorts, corrections -------------------------------------------------------


def check_spec(spec: CourseSpec) -> tuple[list, dict[str, bytes]]:
    """Run ``flask courses check`` on the spec's canonical files: (problems, files)."""
    files = course_file_bytes(spec)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / spec.id
        for rel, data in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _checked, problems = check_course(folder)
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
    _delete_revisions(draft)
    _load(draft, spec, loader=_Loader)  # the importer's loader: retires what is gone
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


def correct(lesson_revision: LessonRevision, language: str, body: str, by: User | None) -> int:
    """An audited correction of one language of a published lesson that changes no structure
    (same anchors, same order). Applied to the published version in place and to the open
    draft where it still has the corrected text. Returns the number of paragraphs changed."""
    version = db.session.get(CourseVersion, lesson_revision.course_version_id)
    if version is None or version.state != CourseVersionState.PUBLISHED:
        raise AuthoringError(_l("Only a published version takes corrections."))
    course = version.course
    rows = list(
        db.session.scalars(
            sa.select(ParagraphRevision)
            .join(Paragraph)
            .where(ParagraphRevision.lesson_revision_id == lesson_revision.id)
            .order_by(ParagraphRevision.position)
        )
    )
    keys = {p.paragraph_id: p.paragraph.key for p in rows}
    paragraphs, problems = parse_body(_clean(body), language)
    if [p.anchor for p in paragraphs] != [keys[r.paragraph_id] for r in rows]:
        problems.append(
            str(
                _l(
                    "A correction keeps every paragraph anchor, in the same order; "
                    "for other changes edit the draft and publish a new version."
                )
            )
        )
    spec = locked_spec(version)
    _, lesson_spec = find_lesson(spec, lesson_revision.lesson.key)
    if language not in lesson_spec.texts:
        problems.append(
            str(_l("This lesson has no %(language)s text to correct.", language=language))
        )
    if not problems:
        corrected = LessonSpec(
            id=lesson_spec.id,
            texts={language: LessonText(language, lesson_spec.texts[language].title, paragraphs)},
        )
        for problem in _text_problems(
            "lesson", {"l.md": lesson_markdown(corrected, language).encode()}
        ):
            problems.append(
                str(
                    _l(
                        "%(where)s: HTML here would be removed by the sanitiser "
                        "(allowed: simple inline tags such as bdi, span, abbr).",
                        where=problem.source,
                    )
                )
            )
    if problems:
        raise ContentInvalid(problems)
    before_text = lesson_markdown(lesson_spec, language)
    new_text = {p.anchor: p.text for p in paragraphs}
    old_text = {keys[r.paragraph_id]: r.body.get(language, "") for r in rows}
    changed = [a for a in new_text if new_text[a] != old_text[a]]
    if not changed:
        return 0
    for row in rows:
        anchor = keys[row.paragraph_id]
        if anchor in changed:
            row.body = {**row.body, language: new_text[anchor]}
    draft = draft_of(course)
    if draft is not None:
        for row in db.session.scalars(
            sa.select(ParagraphRevision)
            .join(LessonRevision)
            .where(
                LessonRevision.course_version_id == draft.id,
                LessonRevision.lesson_id == lesson_revision.lesson_id,
            )
        ):
            anchor = row.paragraph.key
            if anchor in changed and row.body.get(language, "") == old_text[anchor]:
                row.body = {**row.body, language: new_text[anchor]}
    version.corrected_at = utcnow()
    db.session.flush()
    after_spec = spec_of(version)
    version.source_digest = digest(course_file_bytes(after_spec))
    _, after_lesson = find_lesson(after_spec, lesson_revision.lesson.key)
    record_change(
        course,
        version,
        "lesson",
        lesson_revision.lesson,
        "correction",
        by,
        language=language,
        before=before_text,
        after=lesson_markdown(after_lesson, language),
    )
    audit.record(
        by,
        "lesson.correct",
        target=lesson_revision.lesson,
        course=course.key,
        version=version.number,
        language=language,
        paragraphs=changed,
    )
    db.session.flush()
    return len(changed)


def history(course: Course, kind: str, key: str) -> list[ContentChange]:
    return list(
        db.session.scalars(
            sa.select(ContentChange)
            .where(
                ContentChange.course_id == course.id,
                ContentChange.item_kind == kind,
                ContentChange.item_key == key,
            )
            .order_by(ContentChange.at.desc(), ContentChange.id.desc())
        )
    )


def content_change(course: Course, change_id: int) -> ContentChange | None:
    """One change of the course's history; None for another course's or an unknown id."""
    return db.session.scalar(
        sa.select(ContentChange).where(
            ContentChange.id == change_id, ContentChange.course_id == course.id
        )
    )


# --- owners and copies ---------------------------------------------------------------------


def owners(course: Course) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(CourseOwner, CourseOwner.user_id == User.id)
            .where(CourseOwner.course_id == course.id)
            .order_by(User.sort_key)
        )
    )


def is_owner(user: User, course: Course) -> bool:
    return (
        db.session.scalar(
            sa.select(CourseOwner.id).where(
                CourseOwner.course_id == course.id, CourseOwner.user_id == user.id
            )
        )
        is not None
    )


def add_owner(course: Course, user: User, by: User | None) -> None:
    if not is_owner(user, course):
        db.session.add(CourseOwner(course_id=course.id, user_id=user.id))
    accounts.grant_role(user, Role.INSTRUCTOR, course.id, granted_by=by)
    db.session.flush()
    audit.record(by, "course.owner_add", subject=user, target=course)


def add_coauthor(course: Course, email: str, by: User | None, *, as_owner: bool = False) -> User:
    """Owners (and administrators) add co-authors — the INSTRUCTOR grant on the course — by
    their account's email, or further owners with ``as_owner`` (a course imported from files
    has none until an administrator names one)."""
    user = db.session.scalar(
        sa.select(User).where(
            sa.func.lower(User.email) == _clean(email).lower(), User.erased_at.is_(None)
        )
    )
    if user is None:
        raise AuthoringError(_l("No account has this email address."))
    if as_owner:
        add_owner(course, user, by)
        return user
    accounts.grant_role(user, Role.INSTRUCTOR, course.id, granted_by=by)
    db.session.flush()
    audit.record(by, "course.coauthor_add", subject=user, target=course)
    return user


def copy_course(course: Course, new_key: str, by: User | None) -> Course:
    """A deep copy of the latest published version as a new course (new ids everywhere, the
    same stable keys inside it), owned by ``by``, crediting where it came from."""
    new_key = _clean(new_key)
    if not ID_PATTERN.match(new_key):
        raise ContentInvalid(
            [str(_l("The id must be lower-case letters, digits and hyphens (at most 63)."))]
        )
    if db.session.scalar(sa.select(Course.id).where(Course.key == new_key)) is not None:
        raise ContentInvalid(
            [str(_l("The id %(key)s is already used by another course.", key=new_key))]
        )
    published = latest_published(course)
    if published is None:
        raise NothingPublished()
    spec = spec_of(published)
    spec.id = new_key
    result = import_course(spec, course_file_bytes(spec), by=by)
    copy = result.course
    copy.optional_languages = list(course.optional_languages)
    copy.copied_from_id = course.id
    copy.attribution = [
        *course.attribution,
        {
            "course": course.key,
            "version": published.number,
            "title": dict(course.title),
            "owners": [u.display_name for u in owners(course)],
        },
    ]
    if by is not None:
        add_owner(copy, by, by)
    audit.record(by, "course.copy", target=copy, source=course.key, version=published.number)
    db.session.flush()
    return copy
