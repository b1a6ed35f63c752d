"""Refresh docs/gallery/ (the README's screenshots) from the browser tests' screenshots.

    make gallery        # runs tests/browser/test_gallery.py, then this script

Takes a selection of tests/artifacts/gallery/*.png (each role's main page, Arabic and English,
desktop and phone), scales each down (desktop to 720 px wide, phone to 300) and keeps the top
of the page, in 64 colours, so the folder stays small enough to commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "artifacts" / "gallery"
TARGET = ROOT / "docs" / "gallery"
CHOSEN = [
    "learner-dashboard-en-desktop",
    "learner-lesson-ar-desktop",
    "learner-outline-en-phone",
    "learner-lesson-ar-phone",
    "instructor-grid-en-desktop",
    "coordinator-reports-ar-desktop",
    "administrator-people-en-desktop",
]
WIDTH = {"desktop": 720, "phone": 300}
MAX_HEIGHT = {"desktop": 520, "phone": 620}


def shrink(name: str) -> Path:
    kind = name.rsplit("-", 1)[1]
    image = Image.open(SOURCE / f"{name}.png").convert("RGB")
    width = WIDTH[kind]
    height = round(image.height * width / image.width)
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    image = image.crop((0, 0, width, min(height, MAX_HEIGHT[kind])))
    out = TARGET / f"{name}.png"
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    return out


def main() -> int:
    missing = [n for n in CHOSEN if not (SOURCE / f"{n}.png").exists()]
    if missing:
        print("missing screenshots (run tests/browser/test_gallery.py): " + ", ".join(missing))
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in CHOSEN:
        out = shrink(name)
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
