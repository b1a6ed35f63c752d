"""Weekly live text sessions: a tutor opens one for their group (a lead instructor for the
whole cohort) at a set time and length; during its hour and the week after, its posts form an
ordinary thread, then it is archived: readable, closed to new posts."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.models import Annotation, Cohort, DiscussionSession, TutorGroup, User, utcnow
from diplolearn.services import audit
from diplolearn.services.discussion import DiscussionRefused
from diplolearn.services.discussion.posting import note_author_activity
from diplolearn.services.discussion.validation import clean_language, clean_text

SESSION_DURATIONS = (30, 45, 60, 90, 120)
# After its live hour a session stays an ordinary thread until the next week's, then archives.
SESSION_OPEN_AFTER = dt.timedelta(days=6)


def open_session(
    cohort: Cohort,
    group: TutorGroup | None,
    *,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    by: User,
    may_open_cohort: bool,
    now: dt.datetime | None = None,
):
    """A weekly live text session of a tutor group (``group`` loaded through the viewer's
    scope), or of the whole cohort (``group`` None: only for those who manage it)."""
    now = now or utcnow()
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise DiscussionRefused(
            _("Give the session a title of at most 200 characters. Nothing was saved.")
        )
    if group is None and not may_open_cohort:
        raise DiscussionRefused(
            _(
                "Only the cohort's lead instructors can open a session for "
                "the whole cohort. Nothing was saved."
            )
        )
    if group is not None and group.cohort_id != cohort.id:
        raise DiscussionRefused(_("This group is not part of the cohort. Nothing was saved."))
    if duration_minutes not in SESSION_DURATIONS:
        raise DiscussionRefused(_("Choose one of the offered durations. Nothing was saved."))
    if starts_at is None or starts_at <= now:
        raise DiscussionRefused(_("A session starts in the future. Nothing was saved."))
    if cohort.course_version_id is None:
        raise DiscussionRefused(
            _("The cohort follows no published version of the course yet. Nothing was saved.")
        )
    session = DiscussionSession(
        cohort_id=cohort.id,
        tutor_group_id=group.id if group else None,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        created_by_id=by.id,
        archives_at=starts_at + dt.timedelta(minutes=duration_minutes) + SESSION_OPEN_AFTER,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        by,
        "discussion.session",
        target=session,
        cohort_id=cohort.id,
        tutor_group_id=session.tutor_group_id,
        starts_at=starts_at.isoformat(),
    )
    return session


def post_in_session(
    author: User, session, cohort: Cohort, *, body: str, lang: str, now: dt.datetime | None = None
) -> Annotation:
    """A post in a weekly session (loaded through the author's session scope), live or not;
    refused once the session is archived."""
    now = now or utcnow()
    if session.phase(now) == "archived":
        raise DiscussionRefused(
            _("This session is archived: it can be read, not added to. Nothing was saved.")
        )
    text = clean_text(body)
    language = clean_language(cohort, lang)
    post = Annotation(
        cohort_id=session.cohort_id,
        tutor_group_id=session.tutor_group_id,
        audience="cohort" if session.tutor_group_id is None else "group",
        module_id=None,
        course_version_id=cohort.course_version_id,
        session_id=session.id,
        author_id=author.id,
        kind="session",
        body=text,
        lang=language,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    note_author_activity(post)
    return post
