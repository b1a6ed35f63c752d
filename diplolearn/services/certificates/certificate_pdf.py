"""The certificate as a one-page PDF, in English and Arabic side by side.

Why fpdf2: it is pure Python (no system libraries such as Pango or Cairo, which WeasyPrint
needs), it embeds and subsets TrueType fonts, and with ``set_text_shaping`` it shapes text
through HarfBuzz (the ``uharfbuzz`` package) and applies the Unicode bidirectional algorithm,
so Arabic letters take their joined contextual forms, lam-alef ligatures form, and lines run
right to left. The fonts are vendored (static/fonts, SIL OFL, licence beside them): Noto Naskh
Arabic for Arabic, Noto Sans for Latin script, each the other's fallback for mixed text.

The wording comes from the message catalogues: the English column is rendered with the
English locale and the Arabic column with the Arabic one, whatever the reader's interface
language, so the certificate reads the same for everybody. The QR code (segno) is drawn as
vector squares and links to the public verification page, as does the printed URL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import segno
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode

from diplolearn.i18n import format_date
from diplolearn.models import Certificate
from diplolearn.services.certificates.certificates import verification_url
from diplolearn.services.certificates.pdf_fonts import DocumentFont, shared_font

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
ACCENT = (11, 92, 173)
INK = (27, 31, 36)
MUTED = (77, 86, 96)
PAGE_W, PAGE_H = 297.0, 210.0
COLUMN_W = 112.0
LEFT_X, RIGHT_X = 22.0, PAGE_W - 22.0 - COLUMN_W
QR_SIZE = 34.0


class CertificatePDF(FPDF):
    """FPDF whose fonts come from the process's shared copies (issue 16: under 100 ms).

    ``add_font`` would parse each font file again for every certificate; ``add_shared_font``
    gives the document its own font object, subset and all, built from what was read from
    the file once (see pdf_fonts)."""

    def add_shared_font(self, family: str, style: str, path: Path) -> None:
        style = "".join(sorted(style.upper()))
        fontkey = f"{family.lower()}{style}"
        self.fonts[fontkey] = shared_font(path).font_for(self, fontkey, style)

    def output(self, *args, **kwargs):
        for font in self.fonts.values():
            if isinstance(font, DocumentFont):
                font.own_font()
        return super().output(*args, **kwargs)


def wording(certificate: Certificate, language: str) -> dict[str, str]:
    """The certificate's sentences in one language."""
    hours = certificate.workload_hours
    version = certificate.course_version.number if certificate.course_version else None
    with force_locale(language):
        return {
            "title": _("Certificate of completion"),
            "certify": _("This is to certify that"),
            "completed": _("has completed all the requirements of the course"),
            "date": _("Completed on %(date)s", date=format_date(certificate.completed_on, "long")),
            "workload": ngettext(
                "Workload: %(num)d hour of study", "Workload: %(num)d hours of study", hours
            )
            if hours
            else "",
            "version": _("Course version %(number)s", number=version) if version else "",
            "verify": _("Check that this certificate is genuine at:"),
            "code": _("Verification code:"),
        }


def _title(certificate: Certificate, language: str) -> str:
    titles = certificate.course_title
    other = "en" if language == "ar" else "ar"
    return titles.get(language) or titles.get(other) or next(iter(titles.values()), "")


def _new_document(certificate: Certificate) -> CertificatePDF:
    pdf = CertificatePDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_shared_font("naskh", "", FONTS / "NotoNaskhArabic-Regular.ttf")
    pdf.add_shared_font("naskh", "B", FONTS / "NotoNaskhArabic-Bold.ttf")
    pdf.add_shared_font("sans", "", FONTS / "NotoSans-Regular.ttf")
    pdf.add_shared_font("sans", "B", FONTS / "NotoSans-Bold.ttf")
    pdf.set_title(f"{wording(certificate, 'en')['title']} — {_title(certificate, 'en')}")
    pdf.set_author("DiploLearn")
    pdf.set_creator("DiploLearn")
    pdf.set_lang("en")
    pdf.set_creation_date(certificate.issued_at.astimezone(dt.UTC))
    pdf.add_page()
    return pdf


def _script(pdf: FPDF, language: str) -> tuple[str, str]:
    """Switch the paragraph direction and fonts to a column's language; (font, alignment).

    The script is left for HarfBuzz to find run by run: forcing "arab" on a paragraph breaks
    Latin ligatures inside it (a name like Griffith), and forcing "latn" leaves an Arabic
    name in an English paragraph unjoined."""
    if language == "ar":
        pdf.set_text_shaping(True, direction="rtl")
        pdf.set_fallback_fonts(["sans"])
        return "naskh", "R"
    pdf.set_text_shaping(True, direction="ltr")
    pdf.set_fallback_fonts(["naskh"])
    return "sans", "L"


def _put(
    pdf: FPDF,
    language: str,
    x: float,
    y: float,
    text: str,
    size: float,
    bold: bool = False,
    colour=INK,
    **options,
) -> float:
    """Write a paragraph in a column, in its script's font and direction; returns the next y."""
    family, align = _script(pdf, language)
    pdf.set_font(family, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    pdf.set_xy(x, y)
    pdf.multi_cell(COLUMN_W, size * 0.5, text, align=options.pop("align", align), **options)
    return pdf.get_y()


def _lines(pdf: FPDF, x: float, y: float, language: str, rows) -> float:
    """Write (text, size, bold, colour, gap after) rows down a column; returns the next y."""
    for text, size, bold, colour, gap in rows:
        if text:
            y = _put(pdf, language, x, y, text, size, bold, colour) + gap
    return y


def _column(pdf: FPDF, certificate: Certificate, language: str, x: float) -> None:
    words = wording(certificate, language)
    if language == "ar":
        name = certificate.holder_name_ar or certificate.holder_name_latin
    else:
        name = certificate.holder_name_latin or certificate.holder_name_ar
    _lines(
        pdf,
        x,
        36,
        language,
        [
            (words["title"], 22, True, ACCENT, 8),
            (words["certify"], 13, False, INK, 3),
            (name, 20, True, INK, 3),
            (words["completed"], 13, False, INK, 3),
            (_title(certificate, language), 16, True, INK, 6),
            (words["date"], 12, False, INK, 1),
            (words["workload"], 12, False, INK, 1),
            (words["version"], 10, False, MUTED, 0),
        ],
    )


def _verification(pdf: FPDF, certificate: Certificate, language: str, x: float, y: float):
    """Where and how to check the certificate. The URL and the code are Latin script in both
    columns, so they are laid out left to right (aligned to the column's side)."""
    words, url = wording(certificate, language), verification_url(certificate)
    side = "R" if language == "ar" else "L"
    y = _put(pdf, language, x, y, words["verify"], 9, colour=MUTED)
    y = _put(pdf, "en", x, y + 0.5, url, 8, align=side, wrapmode=WrapMode.CHAR, link=url)
    y = _put(pdf, language, x, y + 3, words["code"], 9, colour=MUTED)
    _put(pdf, "en", x, y + 0.5, certificate.code, 10, bold=True, align=side)


def _qr(pdf: FPDF, url: str, x: float, y: float) -> None:
    """The QR code as filled squares, one rectangle per run of dark modules in a row."""
    code = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    module = QR_SIZE / len(rows)
    pdf.set_fill_color(*INK)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x + start * module, y + r * module, (c - start) * module, module, style="F"
                )
            else:
                c += 1
    pdf.link(x, y, QR_SIZE, QR_SIZE, url)


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate's one-page PDF. The names, title and dates are those it was issued
    with; only the verification address follows the configured PUBLIC_URL."""
    pdf = _new_document(certificate)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.9)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_line_width(0.25)
    pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)
    pdf.line(PAGE_W / 2, 36, PAGE_W / 2, 140)
    _script(pdf, "en")
    pdf.set_font("sans", "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.set_xy(0, 18)
    pdf.cell(PAGE_W, 8, "DiploLearn", align="C")
    _column(pdf, certificate, "en", LEFT_X)
    _column(pdf, certificate, "ar", RIGHT_X)
    pdf.set_draw_color(*MUTED)
    pdf.line(LEFT_X, 150, PAGE_W - LEFT_X, 150)
    _qr(pdf, verification_url(certificate), (PAGE_W - QR_SIZE) / 2, 156)
    _verification(pdf, certificate, "en", LEFT_X, 160)
    _verification(pdf, certificate, "ar", RIGHT_X, 160)
    return bytes(pdf.output())
