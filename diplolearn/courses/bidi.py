"""Runs of the other script isolated, once, where text is written (issue 15 item 4).

A Latin run inside Arabic text ("@francediplo", "Tom Fletcher", "https://…", "A-2001",
"12 km") is laid out by the Unicode bidirectional algorithm together with the Arabic around
it: its leading or trailing neutral characters (the @ of a handle, a hyphen, a unit) take the
paragraph's direction and land on the wrong side. Wrapping the run in ``<bdi>`` isolates it.
The same holds for Arabic runs inside English or French text.

- ``isolate_runs(markdown_text, language)``: lesson Markdown (with its ``{#anchor}`` lines)
  with every run of the other script wrapped in ``<bdi>``. Idempotent; code, link targets,
  images, HTML tags, entities, anchors and runs already isolated (``<bdi>``, an element with
  ``dir``, Unicode isolates) are left as they are. Digits alone are not wrapped: they take the
  paragraph's direction correctly, and minimal runs keep the file readable.
- ``isolate_plain_runs(text, language)``: the same for plain text (mail, PDF), with the
  Unicode isolates FSI U+2068 … PDI U+2069.
- ``isolate(value)``: one data value (a name, a title, a post) between FSI and PDI, for text
  mails and PDFs, where no markup can isolate it.

``flask courses format`` and saving a lesson in the editor call ``isolate_runs``; importing
never rewrites text, so import then export stays byte-identical.
"""

from __future__ import annotations

import re

FSI = "\u2068"  # FIRST STRONG ISOLATE: the run takes the direction of its first letter
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_ISOLATE_OPENERS = "\u2066\u2067\u2068"

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})

# --- scripts ----------------------------------------------------------------------------------

_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_ARABIC_LETTER = (
    "\u0620-\u064a\u066e-\u066f\u0671-\u06d3\u06d5\u06ee-\u06ef\u06fa-\u06ff"
    "\u0750-\u077f\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc"
)
_ARABIC_MARK = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
_ARABIC_DIGIT = "\u0660-\u0669\u06f0-\u06f9"

_LATIN_CHAR = re.compile(f"[{_LATIN}]")
_ARABIC_CHAR = re.compile(f"[{_ARABIC_LETTER}]")

# A Latin word: a handle, hashtag, URL, e-mail address, staff id, name or term. Inner
# punctuation belongs to the word; a trailing full stop or comma does not.
_LATIN_BODY = f"{_LATIN}0-9_'\u2019.\\-/:%+&=?~@#"
_LATIN_WORD = f"(?:[@#]?[{_LATIN}0-9](?:[{_LATIN_BODY}]*[{_LATIN}0-9/])?)"
_LATIN_GAP = r"(?:[ \u00a0\u202f]*[,;:&\-\u2013\u2014/][ \u00a0\u202f]*|[ \u00a0\u202f]+)"
# A number before a unit belongs to the run: "12 km", "3.5 GB".
_UNITS = (
    "km|m|cm|mm|kg|g|mg|t|l|ml|h|min|s|ms|km/h|km²|m²|ha|GB|MB|KB|kB|TB|Mbps|Gbps|kW|MW|GW|kWh"
    "|USD|EUR|GBP|CHF|px|pt|bn|k"
)
_LATIN_RUN = re.compile(
    rf"(?:\d+(?:[.,]\d+)?[ \u00a0\u202f](?=(?:{_UNITS})(?![{_LATIN_BODY}])))?"
    rf"{_LATIN_WORD}(?:{_LATIN_GAP}{_LATIN_WORD})*"
)

_ARABIC_BODY = f"{_ARABIC_LETTER}{_ARABIC_MARK}{_ARABIC_DIGIT}_\\-"
_ARABIC_WORD = (
    f"(?:#?[{_ARABIC_LETTER}](?:[{_ARABIC_BODY}]*[{_ARABIC_LETTER}{_ARABIC_MARK}{_ARABIC_DIGIT}])?"
    "[\u061f\u061b\u06d4]?)"
)
_ARABIC_GAP = r"(?:[ \u00a0\u202f]*[\u060c\u061b,\-\u2013\u2014][ \u00a0\u202f]*|[ \u00a0\u202f]+)"
_ARABIC_RUN = re.compile(
    rf"{_ARABIC_WORD}(?:{_ARABIC_GAP}(?:[0-9{_ARABIC_DIGIT}]+{_ARABIC_GAP})*{_ARABIC_WORD})*"
)

# --- what is never touched in Markdown ------------------------------------------------------

_ISOLATING_TAGS = "bdi|bdo|code|pre|kbd|samp|script|style|textarea"
_PROTECTED = re.compile(
    "|".join(
        [
            r"^[ \t]*(?P<fence>`{3,}|~{3,}).*?(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",  # fenced code
            r"(?:(?<=\A)|(?<=\n\n))(?:(?: {4}|\t)[^\n]*(?:\n|\Z))+",  # indented code
            r"^\{[#:.][^}\n]*\}[ \t]*$",  # {#anchor} lines and attribute lists
            r"\{[#:.][^}\n]*\}",  # inline attribute lists
            r"^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[^\n]*$",  # link reference definitions
            r"^\*\[[^\]\n]+\]:[^\n]*$",  # abbreviation definitions
            r"(?P<ticks>`+)(?:(?!\n\n).)+?(?P=ticks)",  # code spans (not across paragraphs)
            r"<!--.*?-->",  # comments
            rf"<(?P<itag>{_ISOLATING_TAGS})\b[^>]*>.*?</(?P=itag)\s*>",  # isolated already
            r"<(?P<dtag>[A-Za-z][A-Za-z0-9]*)\b[^>]*\sdir\s*=[^>]*>.*?</(?P=dtag)\s*>",
            r"<[^>\n]*>",  # any other tag, autolinks
            r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);",  # entities
            rf"[{_ISOLATE_OPENERS}][^\u2069]*\u2069",  # Unicode isolates
            r"!\[[^\]\n]*\]\([^)\n]*\)",  # images
            r"!\[[^\]\n]*\]\[[^\]\n]*\]",
            r"\]\([^)\n]*\)",  # link targets (the link text stays free)
            r"\]\[[^\]\n]*\]",  # reference link labels
            r"\[\^[^\]\n]*\]",  # footnote references
            r"\\.",  # backslash escapes
            r"^[ \t]*#{1,6}(?=[^ #\n])",  # "#Tag" at the start of a line is a heading mark
            r"https?://[^\s<>()]*[^\s<>().,;:!?'\"]|www\.[^\s<>()]*[^\s<>().,;:!?'\"]",
        ]
    ),
    re.DOTALL | re.MULTILINE,
)
_URL = re.compile(r"https?://|www\.")


def _protected_parts(text: str):
    return _PROTECTED.finditer(text)


_FRONT_MATTER = re.compile(r"\A---\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)


def is_rtl(language: str | None) -> bool:
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES


def _run_pattern(language: str) -> re.Pattern:
    return _LATIN_RUN if is_rtl(language) else _ARABIC_RUN


def _open_tag(language: str) -> str:
    # Arabic runs in an English or French course are Arabic; a Latin run in an Arabic text
    # may be English or French, so it carries no lang (authors may add one) and <bdi> takes
    # its direction from its first letter.
    return "<bdi>" if is_rtl(language) else '<bdi lang="ar">'


def _wrap_free(text: str, language: str) -> str:
    pattern = _run_pattern(language)
    opener = _open_tag(language)
    letter = _LATIN_CHAR if is_rtl(language) else _ARABIC_CHAR

    def wrap(match: re.Match) -> str:
        run = match.group(0)
        return f"{opener}{run}</bdi>" if letter.search(run) else run

    return pattern.sub(wrap, text)


def isolate_runs(markdown_text: str, language: str) -> str:
    """Lesson Markdown with every run of the other script (Latin in Arabic text, Arabic in
    English or French text) wrapped in ``<bdi>``; running it twice changes nothing."""
    if not markdown_text:
        return markdown_text
    front = _FRONT_MATTER.match(markdown_text)  # a whole lesson file: its front matter stays
    if front:
        return front.group(0) + _isolate(markdown_text[front.end() :], language)
    return _isolate(markdown_text, language)


def _isolate(text: str, language: str) -> str:
    out: list[str] = []
    position = 0
    for match in _protected_parts(text):
        out.append(_wrap_free(text[position : match.start()], language))
        protected = match.group(0)
        if is_rtl(language) and _URL.match(protected):
            protected = f"<bdi>{protected}</bdi>"  # a bare URL in Arabic text is a Latin run
        out.append(protected)
        position = match.end()
    out.append(_wrap_free(text[position:], language))
    return "".join(out)


# --- plain text: Unicode isolates -------------------------------------------------------------

_PLAIN_PROTECTED = re.compile(rf"[{_ISOLATE_OPENERS}][^\u2069]*\u2069")


def plain_runs(text: str, language: str) -> list[tuple[str, bool]]:
    """Plain text cut into (segment, is_run) pairs: the runs of the other script (outside
    Unicode isolates) and what lies between them, in order."""
    pattern = _run_pattern(language)
    letter = _LATIN_CHAR if is_rtl(language) else _ARABIC_CHAR
    parts: list[tuple[str, bool]] = []

    def cut(segment: str) -> None:
        position = 0
        for match in pattern.finditer(segment):
            if letter.search(match.group(0)):
                parts.append((segment[position : match.start()], False))
                parts.append((match.group(0), True))
                position = match.end()
        parts.append((segment[position:], False))

    position = 0
    for match in _PLAIN_PROTECTED.finditer(text or ""):
        cut(text[position : match.start()])
        parts.append((match.group(0), False))
        position = match.end()
    cut((text or "")[position:])
    return [(segment, run) for segment, run in parts if segment]


def isolate_plain_runs(text: str, language: str) -> str:
    """Plain text (no markup) with every run of the other script between FSI and PDI."""
    if not text:
        return text
    return "".join(f"{FSI}{s}{PDI}" if run else s for s, run in plain_runs(text, language))


def isolate(value) -> str:
    """One data value (a name, a title, a post) isolated for plain text: FSI value PDI, line
    by line (an isolate ends with its line). Empty values and lines stay empty; a line already
    isolated as a whole is left as it is."""
    if value is None:
        return ""
    return "\n".join(_isolate_line(line) for line in str(value).split("\n"))


def _isolate_line(line: str) -> str:
    if not line.strip() or (line[0] in _ISOLATE_OPENERS and line.endswith(PDI)):
        return line
    return f"{FSI}{line}{PDI}"


def unisolated_run_warnings(course) -> list:
    """A warning (a Problem, for ``flask courses check`` to print without failing) for each
    lesson paragraph with a run of the other script not isolated yet."""
    from diplolearn.courses.spec import Problem, Source

    warnings = []
    for lesson in course.lessons():
        for language, text in lesson.texts.items():
            for paragraph in text.paragraphs:
                if isolate_runs(paragraph.text, language) != paragraph.text:
                    source = paragraph.source or text.source or Source(lesson.id)
                    warnings.append(
                        Problem(
                            source,
                            f"paragraph {paragraph.anchor!r} has a run of the other script "
                            "not isolated in <bdi>; `flask courses format` isolates it",
                        )
                    )
    return warnings


def isolate_course_lessons(course) -> int:
    """Isolate the runs of every lesson paragraph of a CourseSpec in place (``flask courses
    format``); returns how many paragraphs changed."""
    changed = 0
    for module in course.modules:
        for lesson in module.lessons:
            for language, text in lesson.texts.items():
                for paragraph in text.paragraphs:
                    isolated = isolate_runs(paragraph.text, language)
                    if isolated != paragraph.text:
                        paragraph.text = isolated
                        changed += 1
    return changed


# --- people's text: each block in the direction of its first letter ---------------------------

_BLOCK_START = re.compile(r"^[ \t]{0,3}(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|\|)")
_STRONG = re.compile(f"(?P<latin>[{_LATIN}])|(?P<arabic>[{_ARABIC_LETTER}])")


def first_strong_language(text: str) -> str | None:
    """The language ("ar" or "en") of text's first Arabic or Latin letter (markup, code and
    link targets skipped), as a browser's dir="auto" decides; None without either."""
    position = 0
    visible = []
    for match in _protected_parts(text):
        visible.append(text[position : match.start()])
        position = match.end()
    visible.append(text[position:])
    found = _STRONG.search(" ".join(visible))
    if found is None:
        return None
    return "en" if found.group("latin") else "ar"


def _blocks(text: str) -> list[str]:
    """Blank-line blocks, each list item, heading and table row on its own: the units that
    render_post gives dir="auto"."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or _BLOCK_START.match(line):
            if current:
                blocks.append("\n".join(current))
            current = []
            if not line.strip():
                blocks.append(line)
                continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def isolate_people_text(markdown_text: str) -> str:
    """Markdown a person wrote (a post, a message), whose language nobody declared: each block
    takes the direction of its first letter (what dir="auto" shows), and the runs of the other
    script in it are isolated, so "@francediplo" in an Arabic post keeps its @ in front."""
    if not markdown_text:
        return markdown_text
    if _FENCE.search(markdown_text):
        language = first_strong_language(markdown_text)
        return _isolate(markdown_text, language) if language else markdown_text
    out = []
    for block in _blocks(markdown_text):
        language = first_strong_language(block) if block.strip() else None
        out.append(_isolate(block, language) if language else block)
    return "\n".join(out)


_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.MULTILINE)
