"""The staff pages as a whole (issue 15 items 3, 4 and 5 on /teach/ and /ministry/): the
instructor's grid uses the full width with a sticky first column and a legend, statuses are said
in text (never colour alone); no internal id reaches the screen (a paragraph is named by its
lesson's title and first words, a question by its number and first words); text from data
(names, staff ids, titles) is isolated from the text around it."""

from __future__ import annotations

import re

import pytest

from diplolearn.models import Role
from diplolearn.services import progress
from diplolearn.services.accounts import people
from diplolearn.services.discussion import places, posting
from tests.bidi_check import bidi_problems
from tests.conftest import login
from tests.factories import (
    make_cohort,
    make_learner,
    make_ministry,
    make_published_course,
    make_user,
    make_with_role,
)
from tests.test_discussion import world  # noqa: F401 (a fixture)
from tests.test_quiz_results import cohort_of, course  # noqa: F401 (course is a fixture)


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def visible_text(html: str) -> str:
    """The page's text as read, without tags, attributes, scripts and visually hidden spans
    kept (they are read by screen readers, so ids must not hide there either)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# --- the grid -------------------------------------------------------------------------------


@pytest.fixture()
def graded_cohort(app, db):
    published = make_published_course(modules=3, lessons_per_module=1, paragraphs=1)
    cohort = make_cohort(published.course, key="grid-cohort")
    ministry = make_ministry(code="MFA-G")
    make_learner(cohort, ministry, name_latin="Amal Haddad", name_ar="أمل حداد", email="a@ex.org")
    make_learner(cohort, ministry, name_latin="Ben Carter", email="b@ex.org")
    make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@ex.org", language="ar")
    db.session.commit()
    return cohort


def test_the_grid_is_wide_with_a_sticky_first_column_a_legend_and_statuses_in_words(
    app, db, graded_cohort
):
    client = signed_in(app, "lead@ex.org")
    html = client.get(f"/teach/cohorts/{graded_cohort.id}/grid?lang=en").get_data(as_text=True)
    assert re.search(r'class="page[^"]*\bwide\b', html) or 'class="wide"' in html
    table = html[html.index('<table class="data grid sticky-first') : html.index("</table>")]
    assert 'class="table-scroll tall" role="region"' in html
    # A legend says what each symbol means, in words.
    legend = html[html.index('<ul class="legend') : html.index("</ul>", html.index("legend"))]
    for label in ("Done", "In progress", "Not started", "Overdue"):
        assert label in legend
    # Every cell says its status in text (for screen readers) beside the symbol it shows.
    cells = re.findall(r'<td class="number"><span class="badge [a-z]+">(.*?)</span></span>', table)
    assert len(cells) == 2 * 3, cells
    statuses = {re.search(r'visually-hidden">([^<]+)', c).group(1) for c in cells}
    assert statuses and statuses <= {"Done", "In progress", "Not started", "Overdue"}
    # Module headers are numbered and carry the title for assistive technology.
    assert 'Module 1<span class="visually-hidden">: ' in table


def test_an_arabic_name_in_the_english_grid_is_isolated(app, db, graded_cohort):
    client = signed_in(app, "lead@ex.org")
    english = client.get(f"/teach/cohorts/{graded_cohort.id}/grid?lang=en").get_data(as_text=True)
    arabic = client.get(f"/teach/cohorts/{graded_cohort.id}/grid?lang=ar").get_data(as_text=True)
    assert 'dir="auto">Amal Haddad</a>' in english
    assert 'dir="auto">أمل حداد</a>' in arabic
    assert "<bdi>MFA-G</bdi>" in arabic  # a Latin code inside an Arabic line keeps its order
    assert not [p for p in bidi_problems(arabic, "ar") if "MFA-G" in str(p) or "Ben" in str(p)]


# --- no internal ids on /teach/ pages -----------------------------------------------------------


def _question(world, paragraph="p2", body="Why call it a tool?"):
    standing = progress.course_progress(world.ann)
    return posting.annotate(
        world.ann,
        standing,
        standing.lesson("m1-l1"),
        paragraph,
        kind="question",
        body=body,
        lang="en",
    )


def test_the_inbox_and_thread_name_a_paragraph_by_lesson_title_and_first_words(app, db, world):
    question = _question(world)
    db.session.commit()
    lead = signed_in(app, "lead@example.org")
    base = f"/teach/cohorts/{world.cohort.id}/discussion"
    inbox = visible_text(lead.get(f"{base}?lang=en").get_data(as_text=True))
    thread = visible_text(lead.get(f"{base}/{question.id}?lang=en").get_data(as_text=True))
    for page in (inbox, thread):
        assert "Paragraph 2 of lesson 1.1: digital diplomacy on" in page
        assert "Lesson 1.1" in page
        for key in ("m1-l1", "§", " p2 ", "(m1)"):
            assert key not in page, key
    assert "Discussion of paragraph" not in thread


def test_the_module_discussion_is_named_by_the_modules_title(app, db, world):
    lead = signed_in(app, "lead@example.org")
    html = lead.get(f"/teach/cohorts/{world.cohort.id}/discussion/modules/m1?lang=en")
    text = visible_text(html.get_data(as_text=True))
    assert "Module discussion: Topic" in " ".join(text.split())
    assert "(m1)" not in text


def test_places_of_many_posts_take_two_queries(app, db, world, count_queries):
    posts = [_question(world, paragraph=p, body=f"Question {p}") for p in ("p1", "p2", "p3")]
    db.session.commit()
    db.session.expire_all()
    posts = [db.session.get(type(p), p.id) for p in posts]  # loaded, as a view loads them
    with count_queries() as one:
        places.places(posts[:1])
    with count_queries() as three:
        named = places.places(posts)
    assert one.count == three.count <= 2
    assert {n.paragraph_words["en"].split(":")[0] for n in named.values()} == {
        "Paragraph 1 of lesson 1.1",
        "Paragraph 2 of lesson 1.1",
        "Paragraph 3 of lesson 1.1",
    }
    assert named[posts[0].id].lesson_title["en"] == "Lesson 1.1"


def test_first_words_are_plain_text_and_say_when_there_is_more():
    assert places.first_words("**Bold** start of a [link](https://x.org) text", 4) == (
        "Bold start of a…"
    )
    assert places.first_words("<bdi>@francediplo</bdi> says", 5) == "@francediplo says"
    assert places.first_words("### Why it matters\n\nA statement made at a post") == (
        "Why it matters"
    )


def test_quiz_results_name_questions_by_number_and_first_words(course, app, db):
    cohort_of(course, db, 3, right_first=2)
    html = signed_in(app, "inst@example.org").get(f"{course.base}?lang=en").get_data(as_text=True)
    links = re.findall(r'/questions/\d+">([^<]+)</a>', html)
    assert links[:3] == ["Question 1", "Question 2", "Question 3"]  # not "m1-q1": a file's key


# --- the coordinator's pages: staff ids and names isolated --------------------------------------


def test_a_staff_id_keeps_its_order_in_the_arabic_staff_list(app, db):
    ministry = make_ministry(code="MFA-S")
    person = make_user(email="rania@ex.org", name_latin="Rania Aziz", name_ar="رانيا عزيز")
    people.join_ministry(person, ministry, staff_id="A-2001", position="Attaché")
    make_with_role(Role.COORDINATOR, ministry.id, email="coord@ex.org", language="ar")
    db.session.commit()
    client = signed_in(app, "coord@ex.org")
    html = client.get(f"/ministry/{ministry.id}/people?lang=ar").get_data(as_text=True)
    assert "<bdi>A-2001</bdi>" in html
    assert "<bdi>rania@ex.org</bdi>" in html
    assert 'aria-current="page">' in html  # the ministry's tabs say where we are
    problems = [p for p in bidi_problems(html, "ar") if "A-2001" in str(p) or "Rania" in str(p)]
    assert not problems, problems


def test_the_person_page_names_what_each_role_covers(app, db):
    """The administrator sees "Coordinator · Ministry of Tests", never "ministry:3"."""
    ministry = make_ministry("MFA-SCOPE", name_en="Ministry of Tests")
    coordinator = make_with_role(Role.COORDINATOR, ministry.id, email="scoped@example.org")
    make_with_role(Role.ADMINISTRATOR, email="root@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "root@example.org")
    html = client.get(f"/admin/people/{coordinator.id}").get_data(as_text=True)
    assert "Ministry of Tests" in html
    assert f"ministry:{ministry.id}" not in html
