"""Every page is valid HTML: the Nu HTML Checker (vnu-jar from npm, run with Java) reads the
pages that the access matrix reaches with 200 for each role, and any error fails the test.

The pages are rendered here, from the matrix's own world and clients (so the check does not
depend on the order in which pytest-xdist runs the matrix), written one file per role and
path, and checked by one vnu run over them all. Warnings are shown in pytest's warnings
summary but do not fail. Without Java (or without ``npm ci``) the test skips, except in CI
(``CI`` set or ``DIPLOLEARN_REQUIRE_BROWSER=1``), where that is a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from warnings import warn

import pytest

from tests.test_access_matrix import (  # noqa: F401 (shared_world and world are fixtures)
    MATRIX,
    ROLES,
    client_for,
    fill_path,
    shared_world,
    world,
)

VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"


def _required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("DIPLOLEARN_REQUIRE_BROWSER") == "1"


def _java_or_skip() -> str:
    java = shutil.which("java")
    reason = None
    if java is None:
        reason = "no Java runtime (`java`) on PATH: install one (e.g. default-jre-headless)"
    elif not VNU_JAR.is_file():
        reason = f"{VNU_JAR} is missing: run `npm ci` (or `make test`)"
    if reason:
        if _required():
            pytest.fail(f"the HTML validity check is required here but {reason}", pytrace=False)
        pytest.skip(reason)
    return java


def _file_name(role: str, path: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    return f"{role}--{slug[:80]}--{digest}.html"


def _save_pages(app, world, folder: Path) -> dict[str, str]:
    """Every 200 text/html GET answer of the matrix, one file per role and path; identical
    pages are written once. Returns file name -> "role path"."""
    saved: dict[str, str] = {}
    seen: set[bytes] = set()
    for path, statuses in MATRIX.items():
        for i, role in enumerate(ROLES):
            if statuses[i] != 200:
                continue
            url = fill_path(path, world, role)
            response = client_for(app, world, role).get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            digest = hashlib.sha256(response.data).digest()
            if digest in seen:
                continue
            seen.add(digest)
            name = _file_name(role, path)
            (folder / name).write_bytes(response.data)
            saved[name] = f"{role} {url}"
    return saved


def test_every_page_is_valid_html(app, world, tmp_path):
    java = _java_or_skip()
    folder = tmp_path / "html"
    folder.mkdir()
    saved = _save_pages(app, world, folder)
    assert saved, "no HTML page was rendered"
    result = subprocess.run(
        [java, "-Xss16m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
        + [str(folder / name) for name in sorted(saved)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu did not answer in JSON:\n{result.stdout}\n{result.stderr}")

    def line(message):
        name = Path(message.get("url", "")).name
        where = f"{name} ({saved.get(name, '?')}):{message.get('lastLine', '?')}"
        extract = " ".join(message.get("extract", "").split())
        return f"{where}: {message.get('message', '')} [{extract}]"

    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    warnings = [m for m in messages if m.get("subType") == "warning"]
    summary = f"vnu checked {len(saved)} pages: {len(errors)} errors, {len(warnings)} warnings"
    print(summary)
    if warnings:  # shown in pytest's warnings summary, without failing the test
        warn(UserWarning("\n".join([summary] + [line(m) for m in warnings])), stacklevel=1)
    assert not errors, "\n".join(["invalid HTML:"] + [line(m) for m in errors])
