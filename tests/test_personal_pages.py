"""A learner's pages kept rendered (diplolearn/page_cache.py ``personal_page``) under the page
versions of what they show (services/page_versions.py): a kept page is what a fresh rendering
would show after any change, it costs one query (who is signed in, with the versions), and the writes of a learner's day move only
their own version."""

from __future__ import annotations

import datetime as dt
import difflib
import re

import pytest
import sqlalchemy as sa

from diplolearn import page_cache
from diplolearn.models import DeviceSession, PageVersion, Role, utcnow
from diplolearn.services import notifications, page_versions, progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.cohorts import schedule, tracking
from diplolearn.services.cohorts import times as cohort_times
from diplolearn.services.discussion import posting
from diplolearn.services.signin import devices
from tests.conftest import CSRF_RE, login, post_form
from tests.factories import (
    make_learner,
    make_published_course,
    make_with_role,
    quiz_answers,
)


@pytest.fixture()
def world(app, db):
    published = make_published_course(modules=3, lessons_per_module=2)
    viewer, mine = make_learner(published.cohort, email="viewer@example.org")
    peer, theirs = make_learner(published.cohort, email="peer@example.org")
    elsewhere_course = make_published_course(modules=1)
    stranger, far = make_learner(elsewhere_course.cohort, email="stranger@example.org")
    lead = make_with_role(Role.INSTRUCTOR, published.course.id, email="lead@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, viewer.email)
    pages = ["/", f"/learn/{mine.id}", f"/learn/{mine.id}/lessons/m1-l1"]
    return {
        "published": published,
        "viewer": viewer,
        "mine": mine,
        "peer": peer,
        "theirs": theirs,
        "stranger": stranger,
        "far": far,
        "lead": lead,
        "client": client,
        "pages": pages,
    }


def _normal(page: str) -> str:
    """A page without what differs between two renderings of the same state: the CSRF token
    (signed with the second it was made), in forms and for the lesson's heartbeat."""
    page = CSRF_RE.sub('name="csrf_token" value=""', page)
    return re.sub(r'data-csrf="[^"]*"', 'data-csrf=""', page)


def _fresh(app, client, path: str) -> str:
    seconds = app.config["PAGE_CACHE_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        response = client.get(path)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = seconds
    assert response.status_code == 200, path
    return _normal(response.get_data(as_text=True))


def _served(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return _normal(response.get_data(as_text=True))


def _difference(served: str, fresh: str) -> str:
    lines = difflib.unified_diff(served.splitlines(), fresh.splitlines(), "kept", "fresh", n=1)
    return "\n".join(lines)


def _versions(db, user) -> tuple:
    return page_versions.current(db.session, user.id)


def _identity_versions(db, user) -> tuple:
    """The versions as the identity query of a page reads them, on the person's latest device."""
    device_id = db.session.scalar(
        sa.select(sa.func.max(DeviceSession.id)).where(DeviceSession.user_id == user.id)
    )
    db.session.expire_all()
    return devices.open_device(user.id, device_id, for_page=True).user.page_versions


def _post_beside_paragraph(w, db):
    standing = progress.course_progress(w["theirs"])
    posting.annotate(
        w["theirs"],
        standing,
        standing.lesson("m1-l1"),
        "p1",
        kind="question",
        body="Is a tweet a note verbale?",
        lang="en",
    )


def _announce(w, db):
    tracking.post_announcement(w["published"].cohort, w["lead"], "Week 2", "Read chapter 2.")


def _notify(w, db):
    notifications.notify(
        w["viewer"],
        notifications.Kind.ANNOUNCEMENT,
        link="https://example.org/x",
        announcement=tracking.post_announcement(w["published"].cohort, w["lead"], "t", "b")[0],
        author=w["lead"],
        course_title="Course",
        cohort_name="Cohort",
        url="https://example.org/x",
    )


def _own_lesson_done(w, db):
    standing = progress.course_progress(w["mine"])
    progress.mark_lesson_done(w["mine"], standing, standing.lesson("m1-l1"))


def _schedule_module_two(w, db):
    """Module 2 opens in three days (the cohort started yesterday)."""
    cohort = w["published"].cohort
    cohort.starts_at = utcnow() - dt.timedelta(days=1)
    local_now = cohort_times.to_local(utcnow(), cohort.timezone)
    schedule.set_schedule(
        cohort,
        {
            w["published"].module_revision("m2").module_id: (
                local_now + dt.timedelta(days=3),
                local_now + dt.timedelta(days=10),
            )
        },
        by=w["lead"],
    )


def _rename_peer(w, db):
    w["peer"].name_latin = "Peer Renamed"


def _rename_viewer(w, db):
    w["viewer"].name_latin = "Viewer Renamed"


CHANGES = [
    _post_beside_paragraph,
    _announce,
    _notify,
    _own_lesson_done,
    _schedule_module_two,
    _rename_peer,
    _rename_viewer,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_a_kept_page_is_what_a_fresh_rendering_shows_after_a_change(app, db, world, change):
    w = world
    for path in w["pages"]:
        _served(w["client"], path)  # kept
    before = _versions(db, w["viewer"])
    change(w, db)
    db.session.commit()
    assert _versions(db, w["viewer"]) != before, "the change moved none of the viewer's versions"
    for path in w["pages"]:
        served, fresh = _served(w["client"], path), _fresh(app, w["client"], path)
        assert served == fresh, (path, _difference(served, fresh))


def test_other_peoples_work_elsewhere_keeps_the_page(app, db, world, count_queries):
    w = world
    # Signed in too: the identity query once read the cohorts of everyone with a device session.
    login(app.test_client(), w["stranger"].email)
    for path in w["pages"]:
        _served(w["client"], path)
    before = _versions(db, w["viewer"])
    # Someone in another cohort studies, answers a quiz and is told something.
    standing = progress.course_progress(w["far"])
    progress.mark_lesson_done(w["far"], standing, standing.lesson("m1-l1"))
    attempt = quizzes.start_attempt(w["far"], standing.quiz("m1-quiz"), "en")
    quizzes.submit(attempt, quiz_answers(attempt))
    db.session.commit()
    assert _versions(db, w["viewer"]) == before
    assert _identity_versions(db, w["viewer"]) == before
    for path in w["pages"]:
        with count_queries() as counter:
            _served(w["client"], path)
        assert counter.count == 1, (path, counter.statements)


def test_each_visitor_gets_their_own_token_on_a_kept_page(app, db, world):
    w = world
    other = app.test_client()
    login(other, w["peer"].email)
    path = f"/learn/{w['mine'].id}/lessons/m1-l1"
    first = w["client"].get(path).get_data(as_text=True)
    second = w["client"].get(path).get_data(as_text=True)
    assert page_cache.PLACEHOLDER not in first + second
    # The peer cannot see the viewer's lesson page, kept or not.
    assert other.get(path).status_code == 404
    token = CSRF_RE.search(second).group(1)
    # The kept page's token is the viewer's own: the lesson's "done" form accepts it.
    done = w["client"].post(f"{path}/done", data={"csrf_token": token})
    assert done.status_code == 302


def test_a_staff_members_dashboard_is_never_kept(app, db, world, count_queries):
    w = world
    lead_client = app.test_client()
    login(lead_client, w["lead"].email)
    lead_client.get("/")
    with count_queries() as counter:
        assert lead_client.get("/").status_code == 200
    assert counter.count > 1


def test_a_page_with_a_message_to_show_is_rendered_and_not_kept(app, db, world):
    w = world
    path = f"/learn/{w['mine'].id}/lessons/m1-l1"
    response = post_form(w["client"], f"{path}/done", {}, form_page=path)
    assert response.status_code == 302
    outline = w["client"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Lesson marked as done." in outline
    again = w["client"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Lesson marked as done." not in again


def test_a_page_is_kept_no_longer_than_until_a_module_opens(app, db, world):
    w = world
    _schedule_module_two(w, db)
    db.session.commit()
    path = f"/learn/{w['mine'].id}"
    w["client"].get(path)
    kept = app.extensions["diplolearn.page_cache.personal"].pages
    ((_key, entry),) = [(k, v) for k, v in kept.items() if k[2].rstrip("?") == path]
    import time

    # Three days away: kept for the configured time, not beyond.
    assert entry.until - time.monotonic() <= app.config["PAGE_CACHE_SECONDS"]
    page_cache.clear()
    w["published"].cohort.starts_at = utcnow() - dt.timedelta(days=1)
    from diplolearn.models import ModuleSchedule

    row = db.session.scalars(sa.select(ModuleSchedule)).first()
    row.opens_at = utcnow() + dt.timedelta(seconds=5)
    db.session.commit()
    w["client"].get(path)
    kept = app.extensions["diplolearn.page_cache.personal"].pages
    ((_key, entry),) = [(k, v) for k, v in kept.items() if k[2].rstrip("?") == path]
    assert entry.until - time.monotonic() <= 5


def _scopes_moved(db, action) -> set:
    before = {
        (row.scope, row.key): row.version for row in db.session.scalars(sa.select(PageVersion))
    }
    action()
    after = {
        (row.scope, row.key): row.version for row in db.session.scalars(sa.select(PageVersion))
    }
    return {scope for scope, version in after.items() if before.get(scope) != version}


def test_a_learners_day_moves_only_their_own_version(app, db, world):
    """Lesson heartbeats, marking done, starting and saving a quiz: none of it may move the
    site's version (every learner's pages would be rendered again) or their cohort's."""
    w = world
    client, mine = w["client"], w["mine"]
    lesson = f"/learn/{mine.id}/lessons/m1-l1"
    me = {("user", w["viewer"].id)}
    assert (
        _scopes_moved(db, lambda: post_form(client, f"{lesson}/activity", {}, form_page=lesson))
        == me
    )
    assert (
        _scopes_moved(db, lambda: post_form(client, f"{lesson}/done", {}, form_page=lesson)) == me
    )
    quiz = f"/learn/{mine.id}/quizzes/m1-quiz"
    started = []
    moved = _scopes_moved(
        db, lambda: started.append(post_form(client, f"{quiz}/attempts", {}, form_page=quiz))
    )
    assert moved == me
    attempt_path = started[0].headers["Location"]
    attempt_id = int(re.search(r"/attempts/(\d+)", attempt_path).group(1))
    from diplolearn.models import QuizAttempt

    attempt = db.session.get(QuizAttempt, attempt_id)
    answers = quiz_answers(attempt)
    page = client.get(attempt_path).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    moved = _scopes_moved(
        db,
        lambda: client.post(
            f"{attempt_path}/save",
            data={"csrf_token": token, **answers},
            headers={"Accept": "application/json"},
        ),
    )
    assert moved == me


def test_cached_pages_read_none_of_the_rows_that_move_no_version(app, db, world, count_queries):
    """services/page_versions.py UNSEEN: a write to these tables moves no version, so no kept
    page may show them."""
    w = world
    _own_lesson_done(w, db)
    _announce(w, db)
    db.session.commit()
    unseen = {model.__table__.name for model in page_versions.UNSEEN} - {"page_version"}
    app.config["PAGE_CACHE_SECONDS"], seconds = 0, app.config["PAGE_CACHE_SECONDS"]
    try:
        with count_queries() as counter:
            for path in w["pages"]:
                assert w["client"].get(path).status_code == 200
    finally:
        app.config["PAGE_CACHE_SECONDS"] = seconds
    read = {
        name
        for statement in counter.statements
        for name in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', statement, flags=re.IGNORECASE)
    }
    assert read, counter.statements
    assert not read & unseen


def test_every_model_says_whose_pages_it_is_on_or_moves_the_sites_version(app, db):
    """A model missing from page_versions._REFERENCES moves the site's version on every write:
    safe, but a hot table there would re-render every learner's pages. The hot ones are listed."""
    for model in (
        page_versions.LessonProgress,
        page_versions.QuizAttempt,
        page_versions.AttemptQuestion,
        page_versions.Response,
        page_versions.Notification,
        page_versions.DeviceSession,
        page_versions.Annotation,
        page_versions.Message,
        page_versions.ModuleProgress,
    ):
        assert model in page_versions._REFERENCES


def test_a_kept_attempt_page_shows_the_answers_saved_since(app, db, world, count_queries):
    w = world
    standing = progress.course_progress(w["mine"])
    attempt = quizzes.start_attempt(w["mine"], standing.quiz("m1-quiz"), "en")
    db.session.commit()
    path = f"/learn/{w['mine'].id}/attempts/{attempt.id}"
    _served(w["client"], path)
    with count_queries() as counter:
        _served(w["client"], path)
    assert counter.count == 1, counter.statements
    quizzes.save_answers(attempt, quiz_answers(attempt), utcnow())
    db.session.commit()
    assert _served(w["client"], path) == _fresh(app, w["client"], path)
    kept = app.extensions["diplolearn.page_cache.personal"].pages
    assert any(key[2].startswith(path) for key in kept)
