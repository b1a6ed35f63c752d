"""The certificate's fonts, read once per process and shared by every PDF (issue 16).

fpdf2 parses each TrueType file again for every document and has fontTools decompile the
whole font to cut each subset: for the four vendored fonts that was over half of a
certificate's time. Here each file is read once: what fpdf2 derives from it (character map,
widths, descriptor, glyph names, HarfBuzz face) is kept and only read afterwards. Each
document still gets its own font objects and its own subset: before the PDF is written,
HarfBuzz's subsetter (C, a fraction of a millisecond) cuts from the shared face the glyphs
that this document used, and fpdf2's fontTools subsetting then runs on that small font and
gives the same bytes as from the whole one.

The subsets are written the way fontTools' own subsetter writes them by default
(``recalc_bounds`` off): the glyphs are copied as they are, not decompiled and compiled
again to recompute bounding boxes, so the head, hhea and maxp bounds are those of the whole
font, which hold for any subset of it (the PDF's font descriptor had them already).

Line breaking asks HarfBuzz for the width of each character and of the line so far, again
and again; those widths depend only on the font, the text, the size and the shaping
options, so they are kept in a bounded table shared by all documents.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont

from diplolearn.services.catalogue.outline import RenderedCache

# fpdf2 drops these from the embedded subsets; HarfBuzz shapes from the complete file.
LAYOUT_TABLES = ("GDEF", "GPOS", "GSUB")
# Shaped widths kept: the certificate's wording in both languages needs a few thousand.
WIDTHS_KEPT = 20_000


class SharedFont:
    """What fpdf2 reads from one font file, made once and only read afterwards."""

    def __init__(self, path: Path):
        parsed = TTFFont(FPDF(), path, "shared", "")
        if parsed.color_font is not None or parsed.is_cff or parsed.is_symbol:
            raise ValueError(f"{path.name}: only plain TrueType outline fonts are shared")
        self.path = path
        self.scale, self.name = parsed.scale, parsed.name
        self.up, self.ut, self.sp, self.ss = parsed.up, parsed.ut, parsed.sp, parsed.ss
        self.desc = parsed.desc
        self.cmap, self.glyph_ids = parsed.cmap, parsed.glyph_ids
        self.widths, self.missing_width = dict(parsed.cw), parsed.cw.default_factory
        # Read while shaping (glyph names and advances); loaded now, never changed.
        self.layout = parsed.ttfont
        self.layout["hmtx"]  # loaded here (TTFFont did already), not lazily once shared
        self.glyph_order = tuple(self.layout.getGlyphOrder())
        self.gids = {name: gid for gid, name in enumerate(self.glyph_order)}
        self.unicodes: dict[str, list[int]] = {}
        for unicode, name in self.cmap.items():
            self.unicodes.setdefault(name, []).append(unicode)
        self.face = hb.Face(hb.Blob(path.read_bytes()))

    def font_for(self, pdf: FPDF, fontkey: str, style: str) -> DocumentFont:
        """The TTFFont that ``FPDF.add_font`` would have made, with this document's own
        subset, widths table and descriptor."""
        font = DocumentFont.__new__(DocumentFont)
        font.shared = self
        font.i = len(pdf.fonts) + 1
        font.type = "TTF"
        font.ttffile = self.path
        font.fontkey = fontkey
        font.emphasis = TextEmphasis.coerce(style)
        font.is_compressed = font.is_cff = font.is_cid_keyed = font.is_symbol = False
        font.cff_ros = None
        font.collection_font_number = 0
        font.biggest_size_pt = 0
        font.scale, font.name = self.scale, self.name
        font.up, font.ut, font.sp, font.ss = self.up, self.ut, self.sp, self.ss
        font.desc = copy.copy(self.desc)  # output() names and numbers it
        font.cmap, font.glyph_ids = self.cmap, self.glyph_ids
        font.cw = defaultdict(self.missing_width, self.widths)
        font.missing_glyphs = []
        font.ttfont = self.layout  # replaced by the document's own before output()
        font._hbfont = HarfBuzzFont(self.face)  # its size is set per call: one per document
        font.palette_index = 0
        font.color_font = None
        font.subset = SubsetMap(font)
        return font

    def cut(self, names: list[str]) -> TTFont:
        """A font of the named glyphs (and the first four, which fontTools adds), with the
        characters that map to them, for fontTools to subset: same glyphs, same names."""
        wanted = hb.SubsetInput()
        wanted.glyph_set.update({0, 1, 2, 3, *(self.gids[name] for name in names)})
        wanted.unicode_set.update(u for name in names for u in self.unicodes.get(name, ()))
        for tag in LAYOUT_TABLES:
            wanted.drop_table_tag_set.add(int.from_bytes(tag.encode(), "big"))
        wanted.name_id_set.add_range(0, 0x7FFF)  # fontTools keeps them all (the licence)
        wanted.name_lang_id_set.add_range(0, 0xFFFF)
        wanted.flags = hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.NO_LAYOUT_CLOSURE
        plan = hb.SubsetPlan(self.face, wanted)
        old = plan.new_to_old_glyph_mapping
        font = TTFont(
            BytesIO(plan.execute().blob.data), lazy=True, recalcTimestamp=False, recalcBBoxes=False
        )
        font.setGlyphOrder([self.glyph_order[old[gid]] for gid in range(len(old))])
        return font


class DocumentFont(TTFFont):
    """A TTFFont made from a SharedFont, whose shaped widths come from the shared table."""

    __slots__ = ("shared",)

    def own_font(self) -> None:
        """Give the document its own fontTools font of the glyphs it used, for fpdf2 to
        subset, write and close, leaving the shared one untouched."""
        self.ttfont = self.shared.cut(self.subset.get_all_glyph_names())

    def shaped_text_width(self, text, font_size_pt, text_shaping_params):
        params = text_shaping_params or {}
        key = (
            self.shared.path,
            text,
            font_size_pt,
            params.get("fragment_direction"),
            params.get("script"),
            params.get("language"),
            tuple(sorted((params.get("features") or {}).items())),
        )
        return _WIDTHS.get_or_compute(
            key,
            lambda: super(DocumentFont, self).shaped_text_width(
                text, font_size_pt, text_shaping_params
            ),
        )


# The catalogue's bounded, thread-safe cache, which counts a number as 32 bytes.
_WIDTHS = RenderedCache(budget=WIDTHS_KEPT * 32)
_FONTS: dict[Path, SharedFont] = {}
_FONTS_LOCK = threading.Lock()


def shared_font(path: Path) -> SharedFont:
    """The process's SharedFont for a font file, read on first use."""
    font = _FONTS.get(path)
    if font is None:
        with _FONTS_LOCK:
            font = _FONTS.get(path)
            if font is None:
                font = _FONTS[path] = SharedFont(path)
    return font
