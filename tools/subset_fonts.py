"""Make the self-hosted fonts: Noto Sans (Latin) and Noto Naskh Arabic, subset to the characters
DiploLearn's three languages need, as WOFF2 for the web and as smaller TTFs for the certificate
PDFs (fpdf2 embeds TrueType, not WOFF2).

The sources are the upstream Noto fonts (SIL Open Font Licence 1.1, diplolearn/static/fonts/OFL.txt):

    https://github.com/notofonts/latin-greek-cyrillic/releases  NotoSans-Regular.ttf, NotoSans-Bold.ttf
    https://github.com/notofonts/arabic/releases                NotoNaskhArabic-Regular.ttf, -Bold.ttf

(the hinted TTFs, version 2.004 here). Run from the repository root, with fontTools and brotli
installed (a build tool only: `pip install fonttools brotli`; the app never imports them):

    python tools/subset_fonts.py /path/to/folder/with/the/four/ttfs

It writes diplolearn/static/fonts/{dl-latin,dl-arabic}-{400,700}.woff2 and the subset TTFs under
their upstream names (which certificate_pdf.py loads). The output is committed, so `make run`
needs neither npm nor this script. Every OpenType layout feature is kept (GSUB/GPOS): Arabic
joining, ligatures, mark positioning and kerning all still work. The unicode-range in style.css's
@font-face rules must match LATIN and ARABIC below.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).resolve().parent.parent / "diplolearn" / "static" / "fonts"
STYLESHEET = OUT.parent / "style.css"

# Basic Latin, Latin-1 (French accents, « », NBSP), Latin Extended-A (names: Œ œ Ł ş ğ ...),
# typographic punctuation (’ “ ” – — … ‹ › • and the bidi marks/isolates), € and the minus sign.
LATIN = "U+0000-00FF,U+0131,U+0152-0153,U+0100-017F,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,U+2190-2193,U+2212"
# The Arabic block (letters, Arabic-Indic digits, ، ؛ ؟ and marks), Arabic Supplement, and the
# joiners and bidi controls shaping needs. Presentation forms are not needed: browsers shape with
# GSUB from the base letters; the PDF subset keeps them for text pasted in those forms. On the web
# the spaces and digits between Arabic words come from the Latin face (unicode-range).
ARABIC = "U+0600-06FF,U+0750-077F,U+200C-200F,U+2010-2011,U+204F,U+2066-2069,U+25CC,U+FD3E-FD3F"
# The PDF sets whole Arabic paragraphs (spaces, digits, punctuation too) in Naskh.
ARABIC_PDF = ARABIC + ",U+0000-00FF,U+2000-206F,U+FB50-FDFF,U+FE70-FEFF"
LATIN_PDF = LATIN + ",U+0180-024F"

SOURCES = {
    # (web name, source file, unicodes for the web, unicodes for the PDF TTF)
    ("dl-latin-400", "NotoSans-Regular.ttf", LATIN, LATIN_PDF),
    ("dl-latin-700", "NotoSans-Bold.ttf", LATIN, LATIN_PDF),
    ("dl-arabic-400", "NotoNaskhArabic-Regular.ttf", ARABIC, ARABIC_PDF),
    ("dl-arabic-700", "NotoNaskhArabic-Bold.ttf", ARABIC, ARABIC_PDF),
}


def _unicodes(ranges: str) -> list[int]:
    return subset.parse_unicodes(ranges)


def _subset(source: Path, unicodes: list[int], flavor: str | None) -> TTFont:
    options = subset.Options()
    options.layout_features = ["*"]  # keep init/medi/fina/rlig/liga/mark/mkmk/kern/...
    options.name_IDs = ["*"]  # keep the copyright and licence names (OFL asks for them)
    options.name_languages = ["*"]
    options.notdef_outline = True
    # fpdf2 maps shaped glyphs back to text by their names (copy and search in the PDF).
    options.glyph_names = flavor is None
    options.hinting = flavor is None  # hints help the PDF rasterisers little; drop them on the web
    options.flavor = flavor
    font = TTFont(source, recalcTimestamp=False)  # reproducible bytes, stable hashes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    return font


def main(source_dir: str) -> None:
    folder = Path(source_dir).resolve()
    if folder == OUT:
        sys.exit("Give the folder of the upstream TTFs, not the output folder (it is overwritten).")
    for web_name, file_name, web_ranges, pdf_ranges in sorted(SOURCES):
        source = folder / file_name
        web = _subset(source, _unicodes(web_ranges), "woff2")
        web.flavor = "woff2"
        web.save(OUT / f"{web_name}.woff2")
        pdf = _subset(source, _unicodes(pdf_ranges), None)
        pdf.save(OUT / file_name)
        for path in (OUT / f"{web_name}.woff2", OUT / file_name):
            print(f"{path.relative_to(OUT.parent.parent.parent)}  {path.stat().st_size:>8,} bytes")
    stamp_stylesheet()


def font_version(path: Path) -> str:
    """The same short content hash as diplolearn/static_files.py gives static_url()."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def stamp_stylesheet() -> None:
    """Point style.css's @font-face URLs at the new files' hashes (fonts cached for a year)."""
    css = STYLESHEET.read_text(encoding="utf-8")

    def stamp(match: re.Match) -> str:
        return f"fonts/{match[1]}.woff2?v={font_version(OUT / (match[1] + '.woff2'))}"

    STYLESHEET.write_text(re.sub(r"fonts/([\w-]+)\.woff2\?v=\w+", stamp, css), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
