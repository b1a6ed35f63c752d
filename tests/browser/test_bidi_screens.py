"""Mixed Arabic and Latin text as Chromium lays it out (issue 15 item 4): the corpus of
tests/test_bidi.py posted in a discussion and a private message, shown in Arabic and English,
screenshotted into tests/artifacts/bidi-*.png, and the visual order checked where it can be:

- in an Arabic post, the "@" of "@francediplo" is drawn to the left of its "f" (not
  "francediplo@"), and "A-2001" reads A, hyphen, 2001 from left to right;
- in an English post, the Arabic question "ما هي الدبلوماسية الرقمية؟" is laid out right to
  left inside the English line: its question mark is drawn left of its first word;
- each post's block takes its own direction (dir="auto"): the Arabic post is rtl on the English
  page and the English post ltr on the Arabic page.

Positions come from DOM Ranges over single characters (getClientRects), so the checks do not
depend on fonts or widths.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, serving
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

ARABIC_POST = (
    "تابعوا حساب @francediplo ووسم #دبلوماسية_رقمية، والموظف A-2001 على بعد 12 km (UNESCO)"
)
ENGLISH_POST = "Question from the class: ما هي الدبلوماسية الرقمية؟ See @francediplo."
PASSWORD = "bidi-screens-browser-2026"

# The x position of the n-th occurrence of a character sequence inside an element's text:
# a Range over that one character, its first client rect.
_CHAR_X = """([selector, needle, offset]) => {
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(needle);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at + offset);
      range.setEnd(node, at + offset + 1);
      const rect = range.getClientRects()[0];
      return rect ? rect.left + rect.width / 2 : null;
    }
  }
  return null;
}"""
_DIRECTION = """([selector, needle]) => {
  for (const el of document.querySelectorAll(selector)) {
    if (el.textContent.includes(needle)) return getComputedStyle(el).direction;
  }
  return null;
}"""


@pytest.fixture(scope="module")
def bidi_app(tmp_path_factory):
    """An app of this module's own, on its own SQLite file: the corpus's course, cohort and
    people never show in the other browser tests' lists (live_app, the demo data)."""
    from diplolearn.extensions import db
    from tests.conftest import fresh_database_url, make_app

    with fresh_database_url("sqlite", tmp_path_factory, "bidi") as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def bidi_server(bidi_app):
    with serving(bidi_app, "bidi-server") as base:
        yield base


@pytest.fixture(scope="module")
def corpus(bidi_app):
    """A course, a cohort and a tutor group; a learner posts the two corpus texts on a
    paragraph (through the app's own form) and writes both to her tutor."""
    from diplolearn.extensions import db
    from diplolearn.models import EnrolmentState, Role
    from diplolearn.services.accounts import accounts, people
    from diplolearn.services.cohorts import organisations
    from diplolearn.services.messages import posting as messages
    from tests.conftest import login, post_form
    from tests.factories import make_ministry, make_published_course

    with bidi_app.app_context():
        published = make_published_course(
            modules=1, lessons_per_module=1, paragraphs=2, with_quiz=False, key="bidi-screens"
        )
        cohort = organisations.create_cohort(
            published.course, "bidi", {"ar": "دفعة خريف 2026"}, timezone="UTC"
        )
        group = organisations.add_tutor_group(cohort, "geneva", "مجموعة Genève 1")
        amal = accounts.create_user(
            "amal.bidi@diplolearn.test",
            name_ar="أمل الحسن",
            interface_language="en",
            reading_language="en",
            password=PASSWORD,
        )
        tutor = accounts.create_user(
            "tutor.bidi@diplolearn.test",
            name_latin="Karim Haddad",
            name_ar="كريم حداد",
            interface_language="ar",
            reading_language="ar",
            password=PASSWORD,
        )
        accounts.grant_role(tutor, Role.TUTOR, group.id)
        accounts.grant_role(tutor, Role.LEAD_INSTRUCTOR, cohort.id)
        ministry = make_ministry(name_en="Département fédéral des affaires étrangères")
        people.join_ministry(amal, ministry, staff_id="A-2001", position="Attaché @ Geneva")
        coordinator = accounts.create_user(
            "coord.bidi@diplolearn.test",
            name_latin="Nadia Rahman",
            name_ar="نادية رحمن",
            interface_language="ar",
            reading_language="ar",
            password=PASSWORD,
        )
        accounts.grant_role(coordinator, Role.COORDINATOR, ministry.id)
        enrolment = organisations.enrol(amal, cohort, sponsor=ministry, tutor_group=group)
        enrolment.move_to(EnrolmentState.ACTIVE)
        db.session.commit()
        message = messages.write(amal, enrolment, tutor, ARABIC_POST + "\n\n" + ENGLISH_POST)
        db.session.commit()
        ids = {
            "enrolment": enrolment.id,
            "cohort": cohort.id,
            "lesson": published.lesson_keys[0][0],
            "thread": message.thread_id,
            "ministry": ministry.id,
        }
    client = bidi_app.test_client()
    login(client, "amal.bidi@diplolearn.test", PASSWORD)
    paragraph = f"/learn/{ids['enrolment']}/lessons/{ids['lesson']}/paragraphs/p1"
    for body in (ARABIC_POST, ENGLISH_POST):
        response = post_form(client, paragraph, {"kind": "question", "body": body, "lang": "en"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return {**ids, "paragraph": paragraph}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"bidi-{name}.png"), full_page=True)


def _x(page, selector: str, needle: str, offset: int) -> float:
    x = page.evaluate(_CHAR_X, [selector, needle, offset])
    assert x is not None, f"{needle!r} not found in {selector}"
    return x


@pytest.mark.parametrize("language", ["ar", "en"])
def test_discussion_posts_keep_their_order(page, bidi_server, corpus, language):
    sign_in(page, bidi_server, "amal.bidi@diplolearn.test", PASSWORD)
    page.goto(f"{bidi_server}{corpus['paragraph']}?lang={language}")
    _shot(page, f"discussion-{language}")
    posts = ".thread p"
    # Each post's block in its own direction, whatever the page's.
    assert page.evaluate(_DIRECTION, [posts, "تابعوا"]) == "rtl"
    assert page.evaluate(_DIRECTION, [posts, "Question from the class"]) == "ltr"
    # "@francediplo" in the Arabic post: the @ left of the f.
    assert _x(page, posts, "@francediplo", 0) < _x(page, posts, "@francediplo", 1)
    # "A-2001": A, then the hyphen, then 2001, left to right.
    assert (
        _x(page, posts, "A-2001", 0) < _x(page, posts, "A-2001", 1) < _x(page, posts, "A-2001", 2)
    )
    # "12 km": the number left of its unit.
    assert _x(page, posts, "12 km", 0) < _x(page, posts, "12 km", 3)
    # The Arabic question inside the English post: right to left, its ؟ at the left end.
    question = "ما هي الدبلوماسية الرقمية؟"
    assert _x(page, posts, question, len(question) - 1) < _x(page, posts, question, 0)
    # ...and the English sentence around it still left to right.
    assert _x(page, posts, "Question from", 0) < _x(page, posts, "See @francediplo", 0)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_tutor_screens_of_the_corpus(page, bidi_server, corpus, language):
    """The tutor's inbox and the private message, screenshotted; the message's Arabic paragraph
    keeps its handle's @ in front."""
    sign_in(page, bidi_server, "tutor.bidi@diplolearn.test", PASSWORD)
    page.goto(f"{bidi_server}/teach/cohorts/{corpus['cohort']}/discussion?lang={language}")
    _shot(page, f"tutor-inbox-{language}")
    page.goto(f"{bidi_server}/messages/{corpus['thread']}?lang={language}")
    _shot(page, f"message-{language}")
    text = ".post-text p"
    assert page.evaluate(_DIRECTION, [text, "تابعوا"]) == "rtl"
    assert _x(page, text, "@francediplo", 0) < _x(page, text, "@francediplo", 1)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_staff_screens_of_the_corpus(page, bidi_server, corpus, language):
    """The coordinator's staff list, the instructor's grid and the learner's dashboard,
    screenshotted; the staff id "A-2001" reads A, hyphen, 2001 from left to right."""
    sign_in(page, bidi_server, "coord.bidi@diplolearn.test", PASSWORD)
    page.goto(f"{bidi_server}/ministry/{corpus['ministry']}/people?lang={language}")
    _shot(page, f"staff-list-{language}")
    cells = "main td, main dd, main li"
    assert (
        _x(page, cells, "A-2001", 0) < _x(page, cells, "A-2001", 1) < _x(page, cells, "A-2001", 2)
    )
    page.context.clear_cookies()
    sign_in(page, bidi_server, "tutor.bidi@diplolearn.test", PASSWORD)
    page.goto(f"{bidi_server}/teach/cohorts/{corpus['cohort']}/grid?lang={language}")
    _shot(page, f"grid-{language}")
    page.context.clear_cookies()
    sign_in(page, bidi_server, "amal.bidi@diplolearn.test", PASSWORD)
    page.goto(f"{bidi_server}/?lang={language}")
    _shot(page, f"dashboard-{language}")
