"""Text normalisation shared by names, search and (later) short-text answers.

One place for the rules, because sorting, matching and comparing must agree everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda above  -> alef
        "\u0623": "\u0627",  # alef with hamza above  -> alef
        "\u0625": "\u0627",  # alef with hamza below  -> alef
        "\u0671": "\u0627",  # alef wasla             -> alef
        "\u0649": "\u064a",  # alef maqsura           -> yeh
        "\u0629": "\u0647",  # teh marbuta            -> heh
        "\u06a9": "\u0643",  # Persian keheh          -> kaf
        "\u06cc": "\u064a",  # Farsi yeh              -> yeh
    }
)
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold_arabic(text: str) -> str:
    """Remove diacritics and tatweel and unify letter forms that spelling treats as one."""
    text = _ARABIC_DIACRITICS.sub("", text).replace(_TATWEEL, "")
    return text.translate(_ARABIC_FOLD)


def fold_latin(text: str) -> str:
    """Case-fold and drop accents: 'Élodie' and 'elodie' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collapse_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def name_sort_key(name_ar: str | None, name_latin: str | None) -> str:
    """A sort key that orders names identically on SQLite and PostgreSQL.

    Databases collate text differently (PostgreSQL follows the server's locale, SQLite compares
    bytes), so the key is the folded name written as fixed-width hexadecimal code points: a string
    of [0-9a-f] sorts the same under every collation. Arabic names (folded) sort by the Arabic
    alphabet, which Unicode's code point order follows; people without an Arabic name sort after
    them by their Latin name.
    """
    if name_ar and name_ar.strip():
        folded, prefix = collapse_spaces(fold_arabic(nfc(name_ar))), "0"
    else:
        folded, prefix = collapse_spaces(fold_latin(name_latin or "")), "1"
    return prefix + "".join(f"{ord(ch):06x}" for ch in folded)[:1020]


# --- answers typed by learners ---------------------------------------------------------------

# Arabic-Indic (U+0660..) and Extended Arabic-Indic, i.e. Persian/Urdu (U+06F0..), digits.
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_ARABIC_DECIMAL_SEPARATOR = "\u066b"  # ٫
_ARABIC_THOUSANDS_SEPARATOR = "\u066c"  # ٬
_NUMBER = re.compile(r"^[+-]?(\d+([.]\d*)?|[.]\d+)$")


def latin_digits(text: str) -> str:
    """Arabic-Indic and Persian digits written as 0-9."""
    return text.translate(_DIGITS)


def parse_number(text: str) -> str | None:
    """The decimal a learner typed, as canonical text ("3.5"), or None when it is not one.

    Accepts "3.5", "3,5", the Arabic decimal separator "٫" (and the Arabic comma "،"), a
    trailing percent sign ("93%", "٩٣٪"),
    Arabic-Indic and Persian digits, a leading sign (also the Unicode minus), and spaces, no-break
    spaces or the Arabic thousands separator between digit groups. A comma is a decimal separator:
    "1,234" means 1.234, never 1234 (a learner who wants thousands writes "1234" or "1 234")."""
    from decimal import Decimal, InvalidOperation

    cleaned = latin_digits(nfkc(text)).strip()
    for mark in (" ", "\u202f", "\u00a0", _ARABIC_THOUSANDS_SEPARATOR):
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.replace("\u2212", "-")
    if cleaned[-1:] in ("%", "\u066a"):  # "93%", "٩٣٪": the number of a percentage
        cleaned = cleaned[:-1]
    for mark in (",", _ARABIC_DECIMAL_SEPARATOR, "\u060c"):
        cleaned = cleaned.replace(mark, ".")
    if not _NUMBER.match(cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return str(value)


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+([.]\d+)?$")


def number_readings(text: str) -> list[str]:
    """Every reading of a typed number: ``parse_number``'s, and — when commas group the digits
    in threes, as in "123,000" — the reading with them as thousands separators. A grader accepts
    the answer when either reading is right, so "123,000" and "3,5" are both understood."""
    readings = []
    first = parse_number(text)
    if first is not None:
        readings.append(first)
    cleaned = latin_digits(nfkc(text)).strip()
    if _GROUPED.match(cleaned):
        grouped = parse_number(cleaned.replace(",", ""))
        if grouped is not None and grouped not in readings:
            readings.append(grouped)
    return readings


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def normalise_answer(text: str, *, ignore_accents: bool = False) -> str:
    """A typed short answer reduced to what matters when comparing it with accepted answers.

    NFKC; case folded; spaces collapsed; Arabic diacritics and tatweel removed and letter forms
    unified (alef forms, teh marbuta, alef maqsura, Persian keheh and yeh: ``fold_arabic``);
    digits written 0-9; and, when ``ignore_accents``, Latin accents dropped (French "é" = "e").
    With accents required, "e" and "é" stay different but their case does not matter."""
    text = fold_arabic(nfkc(text))
    text = latin_digits(text).casefold()
    if ignore_accents:
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # NFC again so that an accent typed as a combining mark equals the precomposed letter.
    return collapse_spaces(unicodedata.normalize("NFC", text))
