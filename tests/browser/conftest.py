"""Fixtures for the browser tests: the app served on an ephemeral port, headless Chromium, and an
accessibility check (axe-core) that also keeps a screenshot of every page it looks at.

Where Chromium or axe-core is missing the browser tests are skipped, except when
DIPLOLEARN_REQUIRE_BROWSER=1 (CI), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

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
def live_server(tmp_path_factory):
    """The app on a seeded SQLite file, served by Werkzeug in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    from diplolearn.demo import seed_demo
    from diplolearn.extensions import db
    from tests.conftest import fresh_database_url, make_app

    with fresh_database_url("sqlite", tmp_path_factory, "browser") as url:
        app = make_app(url)
        with app.app_context():
            db.create_all()
            seed_demo()
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


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
    return (f"- {violation['id']} [{violation.get('impact')}]: {violation.get('help')}\n"
            f"    on: {shown}\n    see: {violation.get('helpUrl', '')}")


def check_accessibility(page, label: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations.

    A full-page screenshot is saved to tests/artifacts/<label>.png first, so that it is there to
    look at whether the check passes or not.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe found {len(blocking)} serious/critical accessibility violation(s) on {label} "
        f"({page.url}):\n" + "\n".join(_describe(v) for v in blocking)
    )
