"""diplolearn/courses/ is the course file format only: no database, no services, no app; the
limits its image check applies are handed to it (services pass the settings')."""

from __future__ import annotations

import ast
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

import diplolearn.courses
from diplolearn.courses.check import check_course
from diplolearn.courses.image_files import ImageLimits
from diplolearn.services.catalogue import images

COURSES_PACKAGE = Path(diplolearn.courses.__file__).parent
FORBIDDEN = ("diplolearn.services", "diplolearn.models", "diplolearn.extensions", "sqlalchemy")
FORBIDDEN_EXACT = ("flask", "flask_sqlalchemy")
SAMPLE = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"
LESSON = "foundations/what-is-digital-diplomacy.en.md"


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # ``from diplolearn import services`` imports diplolearn.services too.
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN) or any(
        name == f or name.startswith(f + ".") for f in FORBIDDEN_EXACT
    )


def test_the_courses_package_imports_no_database_services_or_app():
    modules = sorted(COURSES_PACKAGE.rglob("*.py"))
    assert modules
    found = {
        f"{path.relative_to(COURSES_PACKAGE)}: {name}"
        for path in modules
        for name in _imported_modules(path)
        if _forbidden(name)
    }
    assert found == set()


def test_importing_every_courses_module_loads_no_database_or_services():
    """Transitively too: a fresh interpreter importing all of courses/ loads no database and
    no services (Flask itself comes in with the question types' forms and translations)."""
    names = sorted(
        "diplolearn.courses." + path.stem
        for path in COURSES_PACKAGE.glob("*.py")
        if path.stem != "__init__"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [name for name in loaded if name.startswith(FORBIDDEN)] == []


def test_the_image_limits_in_force_are_the_settings(app, monkeypatch):
    assert images.limits() == ImageLimits()
    monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", 10_000)
    monkeypatch.setitem(app.config, "IMAGE_MAX_SIDE", 500)
    with app.app_context():
        assert images.limits() == ImageLimits(max_bytes=10_000, max_side=500)


def test_the_course_check_applies_the_image_limits_it_is_given(tmp_path):
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    (folder / "images").mkdir()
    (folder / "images" / f"{sha}.png").write_bytes(data)
    (folder / "images.yaml").write_text(
        f"images:\n  - file: {sha}.png\n    alt:\n      ar: خريطة\n      en: A map\n"
    )
    lesson = folder / LESSON
    lesson.write_text(
        lesson.read_text().replace("{#dd-audience}\n", f"{{#dd-audience}}\n![](image:{sha})\n", 1)
    )
    assert [str(p) for p in check_course(folder)[1]] == []
    _, problems = check_course(folder, ImageLimits(max_bytes=len(data) - 1))
    assert [p.message for p in problems] == [
        f"images/{sha}.png is larger than an image may be ({(len(data) - 1) / 2**20:g} MB)"
    ]
    _, problems = check_course(folder, ImageLimits(max_side=39))
    assert [p.message for p in problems] == [
        f"images/{sha}.png has more pixels than an image may have (24 million, 39 on a side)"
    ]
