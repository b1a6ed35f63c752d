"""Ministries and cohorts in headless Chromium (issue 6), with axe-core on every page visited:

- a coordinator, in Arabic (right to left), imports a roster file: a bad line is reported by
  line and column, the corrected file is previewed and confirmed, the staff list shows the new
  people; then the ministry's report, its SVG chart and its CSV download;
- an instructor creates a cohort, dates a module, makes a tutor group with a tutor, enrols a
  learner, finds them on the progress grid, grants them an extension and posts an
  announcement, which the learner then reads on their dashboard;
- a person downloads their own data as JSON from /account/data.

The interface's words come from the app's own catalogues (``Translator``), so that a test reads
the page in the language the person sees it in.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from diplolearn.courses.bidi import isolate
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import expect_language, sign_in

pytestmark = pytest.mark.browser

DIRECTION = {"ar": "rtl", "en": "ltr", "fr": "ltr"}
COORDINATOR = ("coordinator.a@diplolearn.test", "coordinator-a-demo-2026")  # Omar, Arabic
INSTRUCTOR = ("instructor@diplolearn.test", "instructor-demo-2026")  # Karim, Arabic
TUTOR_EMAIL = "tutor2@diplolearn.test"
# The instructor's new learner: an account of their own, in no cohort yet.
COHORT_LEARNER = ("cohort.learner@diplolearn.test", "cohort-learner-browser-2026")
ROSTER_DOMAIN = "roster-a.test"

# Every control of a page has an accessible name (axe checks labels too; this also covers
# hidden-by-default controls axe may skip).
UNLABELLED_CONTROLS_JS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(el => !el.closest('[hidden]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby')
                && !(['BUTTON'].includes(el.tagName) && el.innerText.trim())
                && !(['submit', 'button'].includes(el.type) && el.value))
  .map(el => el.outerHTML.slice(0, 120))"""


class Translator:
    """The app's translation of an interface string, as the page shows it in ``lang``."""

    def __init__(self, app, lang: str):
        self.app, self.lang = app, lang

    def __call__(self, msgid: str, **values) -> str:
        from flask_babel import force_locale, gettext

        with self.app.test_request_context("/"), force_locale(self.lang):
            return gettext(msgid, **values)

    def plural(self, singular: str, plural: str, num: int, **values) -> str:
        from flask_babel import force_locale, ngettext

        with self.app.test_request_context("/"), force_locale(self.lang):
            return ngettext(singular, plural, num, **values)


def check_page(page, label: str, lang: str) -> None:
    """Language and direction of the page, a name on every control, and axe-core."""
    expect_language(page, lang, DIRECTION[lang])
    unlabelled = page.evaluate(UNLABELLED_CONTROLS_JS)
    assert not unlabelled, f"controls without a label on {page.url}: {unlabelled}"
    check_accessibility(page, label)


def click_to(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def flash(page):
    return page.get_by_role("status")


@pytest.fixture(scope="module")
def cohort_world(live_app):
    """The instructor's future learner (an account, no enrolment) and the ministry ids."""
    import sqlalchemy as sa

    from diplolearn.extensions import db
    from diplolearn.models import Ministry
    from diplolearn.services.accounts import accounts

    with live_app.app_context():
        if accounts.find_user_by_email(COHORT_LEARNER[0]) is None:
            accounts.create_user(
                COHORT_LEARNER[0],
                name_latin="Nour Haddad",
                name_ar="نور حداد",
                interface_language="en",
                reading_language="en",
                password=COHORT_LEARNER[1],
            )
        ministry = db.session.scalar(sa.select(Ministry).where(Ministry.code == "MFA-A"))
        db.session.commit()
        return {"ministry_id": ministry.id, "ministry_ar": ministry.name["ar"]}


# --- 1. the coordinator's roster file and report, in Arabic -------------------------------------

ROSTER_HEADER = "email,name_ar,name_latin,language,position,posting,staff_id\n"
ROSTER_ROWS = [
    f"salma.nasser@{ROSTER_DOMAIN},سلمى ناصر,Salma Nasser,ar,Attachée,Rabat,A-7001\n",
    f"yacine.ferhat@{ROSTER_DOMAIN},ياسين فرحات,Yacine Ferhat,{{language}},Counsellor,Paris,"
    "A-7002\n",
]


def roster_file(language_of_second: str) -> dict:
    text = ROSTER_HEADER + "".join(ROSTER_ROWS).replace("{language}", language_of_second)
    return {"name": "roster.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_coordinator_imports_a_roster_and_reads_the_report_in_arabic(
    page, live_server, live_app, cohort_world
):
    t = Translator(live_app, "ar")
    ministry_id = cohort_world["ministry_id"]
    sign_in(page, live_server, *COORDINATOR)
    expect_language(page, "ar", "rtl")

    # From the menu to the ministry's staff, then to the roster import.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Main")).get_by_role(
            "link", name=t("My ministries"), exact=True
        ),
    )
    check_page(page, "coordinator-ministries-ar", "ar")
    click_to(page, page.get_by_role("link", name=cohort_world["ministry_ar"], exact=True))
    expect(page).to_have_url(f"{live_server}/ministry/{ministry_id}/people")
    click_to(page, page.get_by_role("link", name=t("Import a roster file"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Import a roster file"))
    # The ministry's links are a row of tabs, without list bullets over the Arabic text.
    tabs = page.get_by_role("navigation", name=t("Ministry")).locator("ul")
    expect(tabs).to_have_css("list-style-type", "none")
    check_page(page, "roster-upload-ar", "ar")

    # A file whose second person has a language the platform does not offer.
    page.get_by_label(t("Roster file (CSV)"), exact=True).set_input_files(roster_file("de"))
    expect(page.get_by_role("radio", name=t("Nothing: add and update only"))).to_be_checked()
    click_to(page, page.get_by_role("button", name=t("Upload and preview"), exact=True))
    expect(page).to_have_url(re.compile(rf"/ministry/{ministry_id}/roster/\d+$"))
    expect(page.get_by_role("alert")).to_have_text(
        t.plural(
            "The file has %(num)d problem. Nothing will be imported until it is corrected: correct "
            "the file and upload it again.",
            "The file has %(num)d problems. Nothing will be "
            "imported until they are corrected: correct the file and upload it again.",
            1,
        )
    )
    problems = page.get_by_role("table", name=t("Problems"))
    rows = problems.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    # Line 3 of the file (the header is line 1), column 4, named as the file names it.
    assert rows == [["3", "4 (language)", t("The language must be ar, en or fr.")]], rows
    expect(page.get_by_role("button", name=t("Confirm the import"))).to_have_count(0)
    check_page(page, "roster-problems-ar", "ar")

    # The corrected file: a preview of two people to add, then confirmed.
    click_to(page, page.get_by_role("link", name=t("Upload a corrected file"), exact=True))
    page.get_by_label(t("Roster file (CSV)"), exact=True).set_input_files(roster_file("fr"))
    click_to(page, page.get_by_role("button", name=t("Upload and preview"), exact=True))
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("table", name=re.compile(r"\(2\)$"))).to_have_count(1)
    expect(page.get_by_text("Yacine Ferhat", exact=True)).to_be_visible()
    check_page(page, "roster-preview-ar", "ar")
    click_to(page, page.get_by_role("button", name=t("Confirm the import"), exact=True))
    expect(page).to_have_url(f"{live_server}/ministry/{ministry_id}/people")
    expect(flash(page)).to_contain_text(
        t(
            "Imported: %(added)s added, %(updated)s updated, %(unchanged)s unchanged, "
            "%(removed)s taken off the staff.",
            added=2,
            updated=0,
            unchanged=0,
            removed=0,
        )
    )

    # The staff list, searched by the file's addresses: the two new people, invited.
    page.get_by_label(t("Search by name or email"), exact=True).fill(ROSTER_DOMAIN)
    page.get_by_label(t("Search by name or email"), exact=True).press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    staff = page.locator("table tbody tr")
    expect(staff).to_have_count(2)
    expect(staff.filter(has_text="salma.nasser@" + ROSTER_DOMAIN)).to_contain_text("سلمى ناصر")
    expect(staff.filter(has_text="yacine.ferhat@" + ROSTER_DOMAIN)).to_contain_text(t("invited"))
    check_page(page, "roster-staff-ar", "ar")

    # The report: the ministry's staff and their courses, the chart, the CSV.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Main")).get_by_role(
            "link", name=t("Reports"), exact=True
        ),
    )
    expect(page).to_have_url(f"{live_server}/ministry/{ministry_id}/reports")
    chart = page.locator("figure.chart svg[role=img]")
    expect(chart).to_have_count(1)
    # The ministry's name isolated (FSI … PDI: a <title> holds no markup), issue 15 item 4.
    title = t("Completions over time") + " · \u2068" + cohort_world["ministry_ar"] + "\u2069"
    expect(chart.locator("title")).to_have_text(title)
    expect(chart).to_have_attribute("aria-labelledby", "staff-chart-title staff-chart-desc")
    expect(chart).to_have_attribute("direction", "rtl")
    assert chart.locator("rect.chart-bar").count() > 0
    check_page(page, "report-staff-ar", "ar")

    download_link = page.get_by_role("link", name=t("Download as CSV"), exact=True)
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert re.fullmatch(r"staff-report-mfa-a\.csv", download.suggested_filename)
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]  # a BOM: spreadsheets read it as UTF-8
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) > 2 and "Layla Al-Amin" in text and "ليلى الأمين" in text
    answer = page.request.get(live_server + download_link.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv"), answer.headers
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.body() == data


# --- 2. the instructor's cohort ----------------------------------------------------------------


def local_input(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def test_instructor_runs_a_cohort_and_the_learner_reads_the_announcement(
    page, live_server, live_app, cohort_world
):
    t = Translator(live_app, "ar")
    sign_in(page, live_server, *INSTRUCTOR)
    expect_language(page, "ar", "rtl")
    click_to(
        page,
        page.get_by_role("navigation", name=t("Main")).get_by_role(
            "link", name=t("Teaching"), exact=True
        ),
    )
    check_page(page, "teach-index-ar", "ar")

    # A new cohort of the course, starting now, in UTC.
    click_to(page, page.get_by_role("link", name=t("New cohort"), exact=True).first)
    check_page(page, "teach-new-cohort-ar", "ar")
    today = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0, tzinfo=None)
    page.get_by_label(t("Name in English"), exact=True).fill("Browser cohort")
    page.get_by_label(t("Name in Arabic"), exact=True).fill("دفعة المتصفح")
    page.get_by_label(t("Reference time zone"), exact=True).select_option("UTC")
    page.get_by_label(t("Starts"), exact=True).fill(local_input(today - dt.timedelta(days=1)))
    page.get_by_label(t("Ends"), exact=True).fill(local_input(today + dt.timedelta(weeks=12)))
    page.get_by_label(t("Capacity (places)"), exact=True).fill("20")
    click_to(page, page.get_by_role("button", name=t("Create the cohort"), exact=True))
    expect(page).to_have_url(re.compile(r"/teach/cohorts/\d+$"))
    cohort_url = page.url
    expect(flash(page)).to_contain_text(
        t("The cohort is created, and you are its lead instructor.")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("دفعة المتصفح")
    check_page(page, "teach-cohort-ar", "ar")

    # The schedule: module 1 released yesterday, due in three days.
    tabs = page.get_by_role("navigation", name=t("Cohort"))
    click_to(page, tabs.get_by_role("link", name=t("Schedule"), exact=True))
    first_row = page.locator("table tbody tr").first
    module_1 = first_row.locator("th").inner_text()
    opens = first_row.get_by_label(t("%(module)s: released", module=module_1), exact=True)
    due = first_row.get_by_label(t("%(module)s: due", module=module_1), exact=True)
    opens.fill(local_input(today - dt.timedelta(days=1)))
    due.fill(local_input(today + dt.timedelta(days=3)))
    check_page(page, "teach-schedule-ar", "ar")
    click_to(page, page.get_by_role("button", name=t("Save the schedule"), exact=True))
    expect(flash(page)).to_contain_text(
        t("The schedule is saved. Learners see each module from its release time.")
    )
    first_row = page.locator("table tbody tr").first
    expect(first_row.get_by_label(t("%(module)s: due", module=module_1), exact=True)).to_have_value(
        local_input(today + dt.timedelta(days=3))
    )
    expect(
        first_row.get_by_label(t("%(module)s: released", module=module_1), exact=True)
    ).to_have_value(local_input(today - dt.timedelta(days=1)))

    # A tutor group, with its tutor.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Cohort")).get_by_role(
            "link", name=t("Tutor groups"), exact=True
        ),
    )
    page.get_by_label(t("Group name"), exact=True).fill("Browser group")
    page.get_by_label(t("Tutor's email (optional)"), exact=True).fill(TUTOR_EMAIL)
    click_to(page, page.get_by_role("button", name=t("Create the group"), exact=True))
    expect(flash(page)).to_contain_text(t("The group is created."))
    group = page.locator("section.module").filter(
        has=page.get_by_role("heading", name="Browser group")
    )
    expect(group).to_contain_text(t("Tutor: %(names)s", names="طارق صالح"))  # in Arabic
    check_page(page, "teach-groups-ar", "ar")

    # The learner, enrolled into that group.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Cohort")).get_by_role(
            "link", name=t("Enrolments"), exact=True
        ),
    )
    page.get_by_label(t("Email of the person's account"), exact=True).fill(COHORT_LEARNER[0])
    # An option's label is isolated (Unicode isolates: it holds no markup).
    page.get_by_label(t("Tutor group"), exact=True).select_option(label=isolate("Browser group"))
    click_to(page, page.get_by_role("button", name=t("Enrol"), exact=True))
    expect(flash(page)).to_contain_text(t("%(name)s is enrolled.", name="Nour Haddad"))
    enrolled = page.get_by_role("table", name=t("Enrolled"))
    expect(enrolled.locator("tbody tr")).to_have_count(1)
    expect(enrolled.locator("tbody tr")).to_contain_text("Browser group")
    check_page(page, "teach-enrolments-ar", "ar")

    # The progress grid shows them, module 1 not started yet.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Cohort")).get_by_role(
            "link", name=t("Progress grid"), exact=True
        ),
    )
    grid_rows = page.locator("table.grid tbody tr")
    expect(grid_rows).to_have_count(1)
    learner_link = grid_rows.get_by_role("link", name="نور حداد", exact=True)
    expect(learner_link).to_be_visible()
    check_page(page, "tracking-grid-ar", "ar")

    # Their record: an extension of module 1 by a week.
    click_to(page, learner_link)
    check_page(page, "tracking-learner-ar", "ar")
    page.get_by_label(t("Module"), exact=True).select_option(index=0)
    extended = today + dt.timedelta(days=10)
    page.get_by_label(t("New due date and time"), exact=True).fill(local_input(extended))
    page.get_by_label(t("Reason"), exact=True).fill("مهمة رسمية في الخارج")
    click_to(page, page.get_by_role("button", name=t("Grant the extension"), exact=True))
    extensions = page.locator("section[aria-labelledby=extensions-heading] ul").first
    expect(extensions).to_contain_text("مهمة رسمية في الخارج")
    expect(page.locator("table tbody tr").first).to_contain_text(t("extended"))
    check_page(page, "tracking-extension-ar", "ar")

    # An announcement to the whole cohort.
    click_to(
        page,
        page.get_by_role("navigation", name=t("Cohort")).get_by_role(
            "link", name=t("Announcements"), exact=True
        ),
    )
    page.get_by_label(t("Title"), exact=True).fill("Welcome to the cohort")
    page.get_by_label(t("Message"), exact=True).fill(
        "The first module is open. Its **due date** is in three days."
    )
    check_page(page, "tracking-announcements-ar", "ar")
    click_to(page, page.get_by_role("button", name=t("Post the announcement"), exact=True))
    expect(page.locator("article.announcement")).to_have_count(1)
    assert page.url.startswith(cohort_url)

    # The learner (English) signs in and reads it on their dashboard.
    page.context.clear_cookies()
    sign_in(page, live_server, *COHORT_LEARNER)
    expect(page).to_have_url(f"{live_server}/")
    expect_language(page, "en", "ltr")
    news = page.get_by_role("region", name="Announcements")
    article = news.get_by_role("article", name="Welcome to the cohort")
    expect(article).to_contain_text("Its due date is in three days.")
    expect(article.locator("strong")).to_have_text("due date")
    expect(article).to_contain_text("Browser cohort")
    check_page(page, "learner-dashboard-announcement-en", "en")

    # On their outline, module 1 is due on the extended date, and says so.
    card = page.locator(".card").filter(has_text="Browser cohort")
    click_to(page, card.locator("h3 a"))
    module_facts = page.locator("ol.modules > li").first
    expect(module_facts).to_contain_text(extended.strftime("%-d %b %Y"))  # one date style
    expect(module_facts).to_contain_text("(extended)")
    check_page(page, "learner-outline-extended-en", "en")


# --- 4. a person's own data ---------------------------------------------------------------------


def test_a_person_downloads_their_data_as_json(page, live_server, live_app):
    t = Translator(live_app, "ar")
    sign_in(page, live_server, "layla@diplolearn.test", "layla-demo-2026")
    click_to(
        page,
        page.get_by_role("navigation", name=t("Main")).get_by_role(
            "link", name=t("My account"), exact=True
        ),
    )
    click_to(
        page,
        page.get_by_role(
            "link", name=t("See and download everything DiploLearn holds about you"), exact=True
        ),
    )
    expect(page).to_have_url(f"{live_server}/account/data")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("My data"))
    check_page(page, "my-data-ar", "ar")

    button = page.get_by_role("button", name=t("Download my data"), exact=True)
    button.focus()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    assert re.fullmatch(r"diplolearn-personal-data-\d+\.json", download.suggested_filename)
    data = json.loads(download.path().read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    assert "layla@diplolearn.test" in text and "ليلى الأمين" in text
    assert data["records"]["enrolment"], "her enrolment is in the file"

    # The same download, as the browser receives it: JSON, an attachment, never cached.
    token = page.locator("form[action$='/account/data/download'] input[name=csrf_token]")
    answer = page.request.post(
        f"{live_server}/account/data/download", form={"csrf_token": token.input_value()}
    )
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    assert answer.headers["content-disposition"].startswith("attachment")
    assert "no-store" in answer.headers["cache-control"]
