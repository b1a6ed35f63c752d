"""A private message exchange (issue 20), in headless Chromium, in Arabic (right to left) and in
English, with axe-core and a label check on every page visited:

the learner opens Messages, follows "Write to" their tutor and sends a question; the tutor
finds it unread on their home page, opens the thread, marks nothing (replying is reading) and
answers; the learner sees the unread answer on their home page and in the inbox, reads it in
the thread (the text isolated in its own direction) and marks it read.

The records are the test's own (a cohort of the demo course, a tutor group per language),
added beside the demo data. The interface's words come from the app's catalogues
(``Translator``).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.test_cohort_journeys import Translator, check_page, click_to
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "messages-browser-2026"


@pytest.fixture(scope="module")
def scenario(live_app):
    """Per language, a learner and a tutor (speaking it) in a tutor group of a cohort."""
    from diplolearn.extensions import db
    from diplolearn.models import Role
    from diplolearn.services.accounts import accounts
    from diplolearn.services.cohorts import organisations
    from tests.factories import make_published_course

    people = {}
    with live_app.app_context():
        published = make_published_course(
            modules=1, lessons_per_module=1, with_quiz=False, key="messages-course"
        )
        cohort = organisations.create_cohort(
            published.course,
            "messages",
            {"ar": "دفعة الرسائل", "en": "Messages cohort"},
            timezone="UTC",
        )
        for lang, (learner_name, tutor_name) in {
            "ar": (("Hala Khoury", "هالة خوري"), ("Karim Aziz", "كريم عزيز")),
            "en": (("Ann Lee", "آن لي"), ("Ben Cole", "بن كول")),
        }.items():
            group = organisations.add_tutor_group(cohort, f"g-{lang}", f"Group {lang}")
            tutor = accounts.create_user(
                f"messages.tutor.{lang}@diplolearn.test",
                name_latin=tutor_name[0],
                name_ar=tutor_name[1],
                interface_language=lang,
                reading_language=lang,
                password=PASSWORD,
            )
            accounts.grant_role(tutor, Role.TUTOR, group.id)
            learner = accounts.create_user(
                f"messages.learner.{lang}@diplolearn.test",
                name_latin=learner_name[0],
                name_ar=learner_name[1],
                interface_language=lang,
                reading_language=lang,
                password=PASSWORD,
            )
            organisations.enrol(learner, cohort, sponsor=None, tutor_group=group)
            pick = 1 if lang == "ar" else 0
            people[lang] = SimpleNamespace(
                learner=learner.email,
                tutor=tutor.email,
                learner_name=learner_name[pick],
                tutor_name=tutor_name[pick],
            )
        db.session.commit()
    return people


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_learner_writes_to_the_tutor_who_answers(page, live_app, live_server, scenario, lang):
    t = Translator(live_app, lang)
    who = scenario[lang]
    question = "متى موعد تسليم المقال؟" if lang == "ar" else "When is the essay due?"
    answer = "Friday, as the outline says." if lang == "ar" else "يوم الجمعة، كما في المخطط."

    # The learner writes to their tutor from the inbox.
    sign_in(page, live_server, who.learner, PASSWORD)
    page.goto(f"{live_server}/messages/")
    check_page(page, f"messages-inbox-{lang}", lang)
    click_to(page, page.get_by_role("link", name=t("Write to %(name)s", name=who.tutor_name)))
    check_page(page, f"messages-compose-{lang}", lang)
    page.get_by_label(t("Your message")).fill(question)
    click_to(page, page.get_by_role("button", name=t("Send")))
    expect(page.get_by_text(t("Your message is sent."))).to_be_visible()
    # A message reads in the direction of its own letters, whatever the page's (names.written_in).
    question_dir, answer_dir = ("rtl", "ltr") if lang == "ar" else ("ltr", "rtl")
    expect(page.locator(".post-text", has_text=question)).to_have_attribute("dir", question_dir)
    check_page(page, f"messages-thread-sent-{lang}", lang)
    page.context.clear_cookies()

    # The tutor finds it unread on the home page and answers (in the other script).
    sign_in(page, live_server, who.tutor, PASSWORD)
    page.goto(f"{live_server}/")
    section = page.locator("section[aria-labelledby=todo-tutor-messages]")
    expect(section).to_contain_text(t("Unread messages"))
    click_to(page, section.get_by_role("link", name=t("From %(name)s", name=who.learner_name)))
    expect(page.get_by_text(question)).to_be_visible()
    check_page(page, f"messages-thread-unread-{lang}", lang)
    page.get_by_label(t("Your message")).fill(answer)
    click_to(page, page.get_by_role("button", name=t("Send")))
    expect(page.locator(".post-text", has_text=answer)).to_be_visible()
    page.context.clear_cookies()

    # The learner sees the answer waiting, reads it and marks the thread read.
    sign_in(page, live_server, who.learner, PASSWORD)
    page.goto(f"{live_server}/")
    expect(page.locator("section[aria-labelledby=todo-messages]")).to_be_visible()
    page.goto(f"{live_server}/messages/")
    expect(page.locator("li.unread")).to_have_count(1)
    check_page(page, f"messages-inbox-unread-{lang}", lang)
    click_to(page, page.locator("li.unread a").first)
    expect(page.locator(".post-text", has_text=answer)).to_have_attribute("dir", answer_dir)
    check_page(page, f"messages-thread-answered-{lang}", lang)
    click_to(page, page.get_by_role("button", name=t("Mark as read")))
    expect(page.locator("li.unread")).to_have_count(0)
    page.goto(f"{live_server}/")
    expect(page.locator("section[aria-labelledby=todo-messages]")).to_have_count(0)
