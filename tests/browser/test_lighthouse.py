"""Lighthouse (npm, run against Debian's Chromium) on the learner's dashboard and a lesson,
signed in, in English, and the lesson in Arabic too (issue 15): at least 95 for accessibility and best practices
and at least 90 for performance, with Lighthouse's default mobile emulation (a mid-range phone
on a slow 4G link, throttling simulated; a first run under 90 is judged by the median of three,
since the CPU slowdown is relative to a host whose speed moves). The first visit to a lesson, fonts, stylesheet and
scripts included, weighs under 150 KB compressed; a later lesson (the static files cached,
since their URLs carry their content's hash) under 30 KB.

Each report is kept as tests/artifacts/lighthouse-<page>-<language>.json. Where Lighthouse is
not installed (``npm ci`` installs it from package.json) the test skips, except in CI.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM, PROJECT_ROOT

LIGHTHOUSE = PROJECT_ROOT / "node_modules" / ".bin" / "lighthouse"
LEARNERS = {
    "ar": ("layla@diplolearn.test", "layla-demo-2026"),
    "en": ("james@diplolearn.test", "james-demo-2026"),
}
FIRST_VISIT_BUDGET = 150 * 1024
LATER_LESSON_BUDGET = 30 * 1024
LOADED = {"Document", "Stylesheet", "Script", "Font", "Image"}  # not the scripts' own posts
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript", "image/svg")

if not LIGHTHOUSE.exists():
    reason = "Lighthouse is not installed: run `npm ci` (package.json lists it)"
    if os.environ.get("DIPLOLEARN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DIPLOLEARN_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def _signed_in(base: str, email: str, password: str):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(base + "/login", data=data.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie


def _lighthouse(url: str, cookie: str, name: str, attempts: int = 3) -> dict:
    """Lighthouse's report of one page. A run that fails to record its trace ("Please run
    Lighthouse again", NO_NAVSTART: a known flake of headless Chromium on a busy machine) is
    run again, up to ``attempts`` times; any other failure fails at once."""
    runs = 0
    while True:
        runs += 1
        done, report = _run_lighthouse(url, cookie, name)
        flake = done.returncode != 0 and "run Lighthouse again" in done.stderr
        if not flake or runs == attempts:
            break
    assert done.returncode == 0, f"after {runs} run(s): {done.stderr[-3000:]}"
    return json.loads(report.read_text())


def _run_lighthouse(url: str, cookie: str, name: str):
    report = ARTIFACTS / f"lighthouse-{name}.json"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=performance,accessibility,best-practices",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--max-wait-for-load=30000",
        ],
        env=dict(os.environ, CHROME_PATH=str(CHROMIUM)),
        capture_output=True,
        text=True,
        timeout=240,
    )
    return done, report


def _compressed_size(opener, url: str, mime: str) -> int:
    body = opener.open(url).read()
    if mime.startswith(COMPRESSIBLE):
        return len(gzip.compress(body, 6))  # as nginx serves them (deploy/nginx)
    return len(body)  # woff2 and images are compressed already


def _weights(opener, result: dict, base: str) -> tuple[int, int]:
    """(the whole first visit, the document alone) in compressed bytes, from the requests
    Lighthouse saw the page make."""
    items = result["audits"]["network-requests"]["details"]["items"]
    first, document = 0, 0
    for item in items:
        if not item["url"].startswith(base) or item.get("resourceType") not in LOADED:
            continue
        size = _compressed_size(opener, item["url"], item.get("mimeType", ""))
        first += size
        if item.get("resourceType") == "Document":
            document += size
    return first, document


def _scores(result: dict) -> dict[str, int]:
    return {key: round(100 * (cat["score"] or 0)) for key, cat in result["categories"].items()}


def _failing_audits(result: dict, category: str) -> list[str]:
    refs = result["categories"][category]["auditRefs"]
    audits = result["audits"]
    return [
        f"{ref['id']}: {audits[ref['id']]['title']}"
        for ref in refs
        if ref.get("weight") and (audits[ref["id"]].get("score") or 0) < 0.9
    ]


PERFORMANCE_FLOOR = 90
PERFORMANCE_RUNS = 3


def _performance(url: str, cookie: str, name: str, first: dict) -> tuple[dict, str]:
    """The run that judges performance, and every run's score with the host's benchmarkIndex.

    Performance is the one category that moves with the host: its 4x CPU slowdown is relative
    to the machine's own speed, and this 2-core VM's benchmarkIndex moved from 1,100 to 1,800
    within minutes (the Total Blocking Time of the Arabic lesson with it). A first run under
    the floor is judged by the median of three runs, as Lighthouse's documentation on
    variability advises; each report is kept."""
    runs = [first]
    if _scores(first)["performance"] < PERFORMANCE_FLOOR:
        runs += [_lighthouse(url, cookie, f"{name}-run{n}") for n in range(2, PERFORMANCE_RUNS + 1)]
    ordered = sorted(runs, key=lambda run: _scores(run)["performance"])
    told = ", ".join(
        f"{_scores(run)['performance']} at benchmarkIndex "
        f"{run.get('environment', {}).get('benchmarkIndex', '?')}"
        for run in runs
    )
    return ordered[len(ordered) // 2], told


def test_the_dashboard_and_a_lesson_score_and_weigh_within_budget(live_server):
    """One test, the pages in turn: two Lighthouse runs at once (two test workers) would
    measure each other."""
    problems = []
    for language, pages in (("en", ("dashboard", "lesson")), ("ar", ("lesson",))):
        problems += _check_pages(live_server, language, pages)
    assert not problems, "\n".join(problems)


def _check_pages(live_server: str, language: str, pages: tuple[str, ...]) -> list[str]:
    opener, cookie = _signed_in(live_server, *LEARNERS[language])
    dashboard = opener.open(live_server + "/").read().decode()
    outline = re.search(r'href="(/learn/\d+)"', dashboard).group(1)
    outline_page = opener.open(live_server + outline).read().decode()
    lesson = re.search(r'href="(/learn/\d+/lessons/[^"#]+)"', outline_page).group(1)
    problems = []
    for name, path in (("dashboard", "/"), ("lesson", lesson)):
        if name not in pages:
            continue
        result = _lighthouse(live_server + path, cookie, f"{name}-{language}")
        scores = _scores(result)
        for category, floor in (("accessibility", 95), ("best-practices", 95)):
            if scores[category] < floor:
                problems.append(
                    f"{name} ({language}) {category} {scores[category]} < {floor}: "
                    + "; ".join(_failing_audits(result, category))
                )
        judged, runs = _performance(live_server + path, cookie, f"{name}-{language}", result)
        if _scores(judged)["performance"] < PERFORMANCE_FLOOR:
            problems.append(
                f"{name} ({language}) performance {_scores(judged)['performance']} < "
                f"{PERFORMANCE_FLOOR} (runs: {runs}): "
                + "; ".join(_failing_audits(judged, "performance"))
            )
        if name == "lesson":
            first, document = _weights(opener, result, live_server)
            if first >= FIRST_VISIT_BUDGET:
                problems.append(f"first lesson visit ({language}) weighs {first} bytes")
            if document >= LATER_LESSON_BUDGET:
                problems.append(f"a later lesson ({language}) weighs {document} bytes")
    return problems
