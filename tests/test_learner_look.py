"""The learner's pages designed as a whole (issue 15 items 2, 3 and 5): the course beside a
lesson, quiz or written assignment, with each module's and item's status in words; the outline's
modules as collapsible sections with the current one open; no internal id on any learner page,
not even in text only screen readers hear; course texts isolated in their own language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.models import LessonRevision, ModuleRevision
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from tests.bidi_check import bidi_problems
from tests.conftest import login, post_form
from tests.factories import make_learner, make_published_course, quiz_answers

# The ids of the factory's course (tests/factories.py): modules m1.., lessons m1-l1..,
# quizzes m1-quiz, paragraphs p1.. . None may reach the text of a learner's page. (The
# factory writes its question keys, m1-q1.., into the feedback's own text: that is text.)
COURSE_ID = re.compile(r"\b(m\d+(-l\d+|-quiz)?|p\d+)\b(?!-q\d)")


class _Text(HTMLParser):
    """Every text of a page that a person can see or hear (visually hidden text included),
    without markup, scripts, styles or the icon sprite."""

    SKIPPED = {"script", "style", "svg", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def course_nav(html: str) -> str:
    found = re.search(r'<nav class="course-nav".*?</nav>', html, re.S)
    assert found, "no course navigation on the page"
    return found.group(0)


@pytest.fixture()
def course(db):
    published = make_published_course()
    published.module_revision("m2").prerequisites = ["m1"]
    return published


@pytest.fixture()
def reader(app, db, course):
    user, enrolment = make_learner(course.cohort, email="looker@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, user.email)
    base = f"/learn/{enrolment.id}"
    return SimpleNamespace(user=user, enrolment=enrolment, client=client, base=base)


def get(reader, path: str) -> str:
    response = reader.client.get(reader.base + path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def mark_done(reader, lesson_key: str) -> None:
    response = post_form(
        reader.client, f"{reader.base}/lessons/{lesson_key}/done", {}, form_page="/"
    )
    assert response.status_code == 302


# --- the course beside the lesson ------------------------------------------------------------


def test_the_lesson_has_its_course_beside_it_with_each_status_in_words(reader):
    mark_done(reader, "m1-l1")
    nav = course_nav(get(reader, "/lessons/m1-l2"))
    assert 'aria-label="Course contents"' in nav
    # A menu on a narrow screen: closed in the HTML, opened by the reader (or shown beside the
    # page by the stylesheet on a wide one); the current module open inside it.
    assert '<details class="course-nav-menu">' in nav
    assert nav.count("<details open>") == 1
    current = re.search(r"<details open>.*?</details>", nav, re.S).group(0)
    assert "Topic 1" in current  # module 1, the lesson's own
    # The current lesson is marked for everyone, the one done says so in words.
    assert re.search(rf'href="{reader.base}/lessons/m1-l2" aria-current="page"', current)
    done = re.search(rf'href="{reader.base}/lessons/m1-l1".*?</li>', current, re.S).group(0)
    assert "Done" in done and "aria-current" not in done
    # The module's quiz is in it too, named as a quiz.
    assert f'href="{reader.base}/quizzes/m1-quiz"' in current and "(quiz)" in current
    # Module 2 waits for module 1: it says so, and offers no way into its lessons.
    assert "Complete Module 1 first." in nav and "Locked" in nav
    assert f"{reader.base}/lessons/m2-l1" not in nav
    # Module 3 is open: listed, collapsed.
    assert f'href="{reader.base}/lessons/m3-l1"' in nav


def test_the_quiz_page_carries_the_course_too_with_its_quiz_current(reader):
    nav = course_nav(get(reader, "/quizzes/m1-quiz"))
    assert re.search(rf'href="{reader.base}/quizzes/m1-quiz" aria-current="page"', nav)
    assert nav.count('aria-current="page"') == 1


def test_a_quiz_in_progress_and_a_quiz_not_passed_say_so(db, reader):
    standing = progress.course_progress(reader.enrolment)
    attempt = quizzes.start_attempt(reader.enrolment, standing.quiz("m1-quiz"), "en")
    quizzes.submit(attempt, quiz_answers(attempt, right=False))
    db.session.commit()
    nav = course_nav(get(reader, "/lessons/m1-l1"))
    quiz = re.search(rf'href="{reader.base}/quizzes/m1-quiz".*?</li>', nav, re.S).group(0)
    assert "Not passed yet" in quiz


# --- the outline -----------------------------------------------------------------------------


def test_the_outline_opens_the_module_the_learner_works_in_and_collapses_the_others(reader):
    for key in ("m1-l1", "m1-l2"):
        mark_done(reader, key)
    html = get(reader, "")
    bodies = re.findall(r'<details class="module-body"( open)?>', html)
    assert len(bodies) == 3 and bodies.count(" open") == 1
    first = re.search(r'id="module-m1".*?</details>', html, re.S).group(0)
    assert '<details class="module-body" open>' in first  # its quiz is still to pass
    assert first.count("Done") >= 2 and "In progress" in first
    # The next step is a primary action at the head of the page.
    assert re.search(rf'<a class="button" href="{reader.base}/quizzes/m1-quiz">', html)


# --- no internal ids, anywhere a learner looks -----------------------------------------------


def test_no_learner_page_shows_an_internal_id(db, reader):
    standing = progress.course_progress(reader.enrolment)
    graded = quizzes.start_attempt(reader.enrolment, standing.quiz("m1-quiz"), "en")
    quizzes.submit(graded, quiz_answers(graded, right=False))
    db.session.commit()
    standing = progress.course_progress(reader.enrolment)
    open_attempt = quizzes.start_attempt(reader.enrolment, standing.quiz("m1-quiz"), "en")
    db.session.commit()
    pages = [
        "",
        "/lessons/m1-l1",
        "/lessons/m1-l1/paragraphs/p1",
        "/quizzes/m1-quiz",
        f"/attempts/{graded.id}/result",
        f"/attempts/{open_attempt.id}",
        f"/attempts/{open_attempt.id}/review",
        "/grades",
        "/more-time",
    ]
    for path in pages:
        found = COURSE_ID.findall(text_of(get(reader, path)))
        assert not found, (path, found)
    dashboard = reader.client.get("/").get_data(as_text=True)
    assert not COURSE_ID.findall(text_of(dashboard))


def test_a_paragraph_is_named_by_its_lesson_and_first_words(reader):
    lesson = get(reader, "/lessons/m1-l1")
    hidden = re.findall(r'data-discuss="p1">.*?<span class="visually-hidden">(.*?)</a>', lesson)
    assert hidden and "Paragraph 1 of lesson 1.1" in hidden[0]
    page = get(reader, "/lessons/m1-l1/paragraphs/p1")
    title = text_of(re.search(r"<h1 .*?</h1>", page, re.S).group(0))
    assert "Paragraph 1 of lesson 1.1" in title and "Lesson 1.1" in title


def test_the_review_names_questions_by_number_and_first_words(db, reader):
    standing = progress.course_progress(reader.enrolment)
    attempt = quizzes.start_attempt(reader.enrolment, standing.quiz("m1-quiz"), "en")
    db.session.commit()
    page = get(reader, f"/attempts/{attempt.id}/review")
    unanswered = re.search(r'<ul class="unanswered">(.*?)</ul>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", unanswered, re.S)
    assert len(items) == 3
    for number, item in enumerate(items, 1):
        assert f"Question {number} of 3" in text_of(item)
        assert re.search(r'<span lang="en" dir="ltr">Question \d', item)  # the prompt's words


# --- course texts in their language ----------------------------------------------------------


def test_course_titles_keep_their_latin_runs_isolated_on_arabic_pages(app, db, course):
    db.session.execute(
        sa.update(ModuleRevision)
        .where(ModuleRevision.course_version_id == course.version.id)
        .values(title={"ar": "تويتر (X) وسفارات Twitter", "en": "Twitter (X)"})
    )
    db.session.execute(
        sa.update(LessonRevision)
        .where(LessonRevision.course_version_id == course.version.id)
        .values(title={"ar": "حساب @francediplo على Twitter", "en": "@francediplo"})
    )
    user, enrolment = make_learner(course.cohort, email="qari@example.org", language="ar")
    db.session.commit()
    client = app.test_client()
    login(client, user.email)
    base = f"/learn/{enrolment.id}"
    for path in (base, f"{base}/lessons/m1-l1", f"{base}/quizzes/m1-quiz", "/"):
        html = client.get(path).get_data(as_text=True)
        ours = [
            p for p in bidi_problems(html, "ar") if "Twitter" in p.text or "francediplo" in p.text
        ]
        assert not ours, (path, [str(p) for p in ours])


def test_the_dashboard_card_gives_the_courses_dates(db, reader, course):
    import datetime as dt

    course.cohort.starts_at = dt.datetime(2026, 11, 9, 8, tzinfo=dt.UTC)
    course.cohort.ends_at = dt.datetime(2027, 1, 18, 8, tzinfo=dt.UTC)
    db.session.commit()
    html = reader.client.get("/").get_data(as_text=True)
    card = re.search(r'<li class="card">.*?</li>\s*</ul>', html, re.S).group(0)
    assert "Starts" in card and "Ends" in card
    assert '<time datetime="2026-11-09T08:00:00+00:00">' in card
