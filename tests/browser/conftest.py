"""Fixtures for the browser tests: the app served on an ephemeral port, headless Chromium, and an
accessibility check (axe-core) that also keeps a screenshot of every page it looks at.

The app's database holds the demo data (seed_demo) and, beside it, the browser tests' own
learners (add_path_learners).

Where Chromium or axe-core is missing the browser tests are skipped, except when
DIPLOLEARN_REQUIRE_BROWSER=1 (CI), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def _missing_tool() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium (Debian package chromium) is not installed; CI installs it"
    if not AXE_SCRIPT.exists():
        return f"axe-core is not installed ({AXE_SCRIPT}): run `make test`, which installs axe-core"
    return None


_reason = _missing_tool()
if _reason:
    if os.environ.get("DIPLOLEARN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DIPLOLEARN_REQUIRE_BROWSER=1 but {_reason}", pytrace=False)
    pytest.skip(_reason, allow_module_level=True)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a seeded SQLite file (the demo data and the browser tests' own learners).
    A test module may add its own records in ``live_app.app_context()`` before its journeys."""
    from diplolearn.demo import seed_demo
    from diplolearn.extensions import db
    from tests.conftest import fresh_database_url, make_app

    with fresh_database_url("sqlite", tmp_path_factory, "browser") as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            seed_demo()
            db.session.commit()
            add_path_learners()
            db.session.commit()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@contextmanager
def serving(app, name: str):
    """``app`` served by Werkzeug in a thread on a free port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_app):
    """``live_app`` served by Werkzeug in a thread; yields its base URL."""
    with serving(live_app, "live-server") as base:
        yield base


class Learner(NamedTuple):
    email: str
    password: str
    language: str


# test_learner_path.py: an English learner in the demo cohort with no progress at all (the demo's
# English learners have passed module 1's quiz already), so that journey starts fresh...
PATH_LEARNER_EN = Learner("path.en@diplolearn.test", "path-en-browser-2026", "en")
# ...and two readers in a cohort without a schedule, advanced past the France module, so that the
# lessons with mixed Arabic and Latin text (modules 6 and 7, locked for every demo learner by the
# demo cohort's weekly schedule) can be opened.
COURSE_READERS = {
    "ar": Learner("reader.ar@diplolearn.test", "reader-ar-browser-2026", "ar"),
    "en": Learner("reader.en@diplolearn.test", "reader-en-browser-2026", "en"),
}
READERS_COHORT_KEY = "browser-open"
READERS_MODULES_DONE = 6  # introduction ... france: opens european-union


def add_path_learners() -> None:
    """The browser tests' own learners, beside the demo data (see PATH_LEARNER_EN)."""
    import datetime as dt

    import sqlalchemy as sa

    from diplolearn.demo import DEMO_COHORT_KEY, DEMO_COURSE_KEY, advance
    from diplolearn.extensions import db
    from diplolearn.models import Cohort, Course, Enrolment, EnrolmentState, Module, User, utcnow
    from diplolearn.services.accounts import accounts
    from diplolearn.services.cohorts import organisations, tracking

    course = db.session.scalar(sa.select(Course).where(Course.key == DEMO_COURSE_KEY))
    demo_cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_COHORT_KEY)
    )

    def learner(row: Learner, name_latin: str, name_ar: str, cohort: Cohort):
        user = accounts.create_user(
            row.email,
            name_latin=name_latin,
            name_ar=name_ar,
            interface_language=row.language,
            reading_language=row.language,
            password=row.password,
        )
        enrolment = organisations.enrol(user, cohort, sponsor=None)
        enrolment.move_to(EnrolmentState.ACTIVE, when=cohort.starts_at)
        return enrolment

    grace = learner(PATH_LEARNER_EN, "Grace Mensah", "غريس منساه", demo_cohort)

    # Module 1's written assignment closed a week after its due date, weeks ago in the demo
    # cohort's schedule: the two learners of test_learner_path.py (Grace, who joined late, and
    # Youssef, who fell behind) were given two more weeks for module 1 by their instructor.
    instructor = accounts.find_user_by_email("instructor@diplolearn.test")
    youssef = db.session.scalar(
        sa.select(Enrolment)
        .join(User)
        .where(Enrolment.cohort_id == demo_cohort.id, User.email == "youssef@diplolearn.test")
    )
    module_1 = db.session.scalar(
        sa.select(Module).where(Module.course_id == course.id, Module.key == "introduction")
    )
    for enrolment in (grace, youssef):
        tracking.grant_extension(
            enrolment, module_1.id, utcnow() + dt.timedelta(days=14), "Joined late", by=instructor
        )

    start = utcnow() - dt.timedelta(weeks=12)
    open_cohort = organisations.create_cohort(
        course,
        READERS_COHORT_KEY,
        {"ar": "دفعة مفتوحة", "en": "Open cohort"},
        timezone="UTC",
        starts_at=start,
        ends_at=start + dt.timedelta(weeks=52),
    )
    for row, latin, arabic in (
        (COURSE_READERS["ar"], "Rania Saleh", "رانيا صالح"),
        (COURSE_READERS["en"], "Peter Lang", "بيتر لانغ"),
    ):
        enrolment = learner(row, latin, arabic, open_cohort)
        advance(enrolment, modules_done=READERS_MODULES_DONE, lessons_more=0, failures=0)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser):
    # bypass_csp lets the test inject axe-core; the app's own Content-Security-Policy stays strict.
    context = browser.new_context(bypass_csp=True, locale="en-US")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _describe(violation: dict) -> str:
    targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])]
    shown = ", ".join(targets[:3]) + (f" (+{len(targets) - 3} more)" if len(targets) > 3 else "")
    return (
        f"- {violation['id']} [{violation.get('impact')}]: {violation.get('help')}\n"
        f"    on: {shown}\n    see: {violation.get('helpUrl', '')}"
    )


def check_accessibility(page, label: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations.

    A full-page screenshot is saved to tests/artifacts/<label>.png first, so that it is there to
    look at whether the check passes or not.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe found {len(blocking)} serious/critical accessibility violation(s) on {label} "
        f"({page.url}):\n" + "\n".join(_describe(v) for v in blocking)
    )
