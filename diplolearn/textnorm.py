"""Text normalisation shared by names, search and (later) short-text answers.

One place for the rules, because sorting, matching and comparing must agree everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ARABIC_FOLD = str.maketrans({
    "\u0622": "\u0627",  # alef with madda above  -> alef
    "\u0623": "\u0627",  # alef with hamza above  -> alef
    "\u0625": "\u0627",  # alef with hamza below  -> alef
    "\u0671": "\u0627",  # alef wasla             -> alef
    "\u0649": "\u064a",  # alef maqsura           -> yeh
    "\u0629": "\u0647",  # teh marbuta            -> heh
    "\u06a9": "\u0643",  # Persian keheh          -> kaf
    "\u06cc": "\u064a",  # Farsi yeh              -> yeh
})
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
