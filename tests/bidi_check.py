"""A checker for issue 15 item 4: on an English or French page, no Arabic run is left outside
an element close around it that isolates it; on an Arabic page, the same for Latin runs.

``bidi_problems(html, language)`` parses a page (the standard library's HTMLParser, building a
small tree) and returns one ``BidiProblem`` per text node holding a run of the other script
that nothing close isolates.

- The script a text is judged against is its *base language*: the nearest ``lang`` (lesson
  text in ``<div lang="en" dir="ltr">`` is English on an Arabic page), or, nearer, an element
  with ``dir="auto"``, whose first strong letter decides (as the browser does); else the page's.
- A run of the other script must sit in ``<bdi>``/``<bdo>``, or in an element with a ``dir``
  that fits it (``auto`` whose first strong letter is of the run's script, or the run's own
  direction), found on the text's parent or on an ancestor reached through inline elements
  only, up to and including the first block that holds the text. A ``dir`` on the page's main
  region, its body or html never counts. A run between the Unicode isolates (U+2066/7/8 …
  U+2069) is isolated too: that is how a ``<title>`` or an ``<option>`` can do it. A
  ``<textarea>`` (text being edited, no markup) needs only its own ``dir`` (or ``lang``).

Ignored: ``<script>``, ``<style>``, ``<template>``, ``<head>`` (a title cannot hold markup;
``head_problems`` reports it apart), attribute values (hrefs included), and Latin words of our
own interface that the Arabic catalogue keeps in Latin letters (``INTERFACE_WORDS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Our own interface words the Arabic catalogue keeps in Latin letters: brand and technical
# names. They are our text, not data, and short; everything else Latin on an Arabic page is a
# run to isolate. Keep this list short and explicit.
INTERFACE_WORDS = frozenset(
    {
        "DiploLearn",
        "PDF",
        "CSV",
        "ICS",
        "API",
        "URL",
        "SSO",
        "TOTP",
        "OK",
        "xAPI",
        "LRS",
        "ZIP",
        "zip",
        "UTC",
        "Markdown",
        "SAML",
        "OIDC",
        "OpenID",
        "Connect",
        "HTML",
        "JSON",
        "Nu",
    }
)

LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
ARABIC_LETTERS = (
    "\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc"
)
_LATIN_WORD = re.compile(f"[{LATIN_LETTERS}][{LATIN_LETTERS}0-9]*")
_ARABIC_WORD = re.compile(f"[{ARABIC_LETTERS}]+")
_UNICODE_ISOLATED = re.compile("[\u2066\u2067\u2068][^\u2069]*\u2069")

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
IGNORED = frozenset({"script", "style", "template", "head", "svg"})
INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "label"}
    | {"mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
    | {"del", "ins"}
)
# Never count as "close around" the text, even when they carry dir or lang.
PAGE_REGIONS = frozenset({"html", "body", "main"})
ISOLATING = frozenset({"bdi", "bdo"})


@dataclass
class Node:
    tag: str
    attrs: dict
    parent: Node | None
    children: list = field(default_factory=list)
    line: int = 0

    def isolates(self) -> bool:
        return self.tag in ISOLATING or "dir" in self.attrs or "lang" in self.attrs

    def describe(self) -> str:
        shown = " ".join(
            f'{k}="{v}"' for k, v in self.attrs.items() if k in ("class", "id", "dir", "lang")
        )
        return f"<{self.tag}{' ' + shown if shown else ''}>"


@dataclass
class Text:
    text: str
    parent: Node
    line: int


@dataclass
class BidiProblem:
    run: str
    text: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"line {self.line}: {self.run!r} in {self.text.strip()[:80]!r} at {self.path}"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.texts: list[Text] = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.current, line=self.getpos()[0])
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(
            Node(tag, {k: (v or "") for k, v in attrs}, self.current, line=self.getpos()[0])
        )

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        if data.strip():
            text = Text(data, self.current, self.getpos()[0])
            self.current.children.append(text)
            self.texts.append(text)


def parse(html: str) -> list[Text]:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.texts


def _ancestors(node: Node):
    while node is not None and node.tag != "#document":
        yield node
        node = node.parent


def _ignored(node: Node) -> bool:
    return any(a.tag in IGNORED for a in _ancestors(node))


def other_script_runs(text: str, language: str, vocabulary=frozenset()) -> list[str]:
    """The runs of the other script in text, outside Unicode isolates. On an Arabic page our
    own Latin interface words do not count, nor, when ``vocabulary`` (the words of the
    interface's English msgids) is given, a text whose Latin words all belong to it: that is
    an interface string the Arabic catalogue does not translate yet, not data."""
    text = _UNICODE_ISOLATED.sub(" ", text)
    if _script_of(language) == "arabic":
        words = [w for w in _LATIN_WORD.findall(text) if w not in INTERFACE_WORDS]
        if vocabulary and all(w in vocabulary for w in words):
            return []
        return words
    return _ARABIC_WORD.findall(text)


def _script_of(language: str) -> str:
    return "arabic" if language.split("-")[0] in ("ar", "fa", "ur") else "latin"


def _first_strong(node: Node) -> str | None:
    """The script of an element's first strong letter, skipping what dir="auto" skips
    (bdi, script, style, textarea and elements with their own dir)."""
    for child in node.children:
        if isinstance(child, Text):
            text = _UNICODE_ISOLATED.sub(" ", child.text)
            latin, arabic = _LATIN_WORD.search(text), _ARABIC_WORD.search(text)
            if latin or arabic:
                if latin and (not arabic or latin.start() < arabic.start()):
                    return "latin"
                return "arabic"
        elif child.tag not in ("bdi", "script", "style", "textarea") and "dir" not in child.attrs:
            found = _first_strong(child)
            if found:
                return found
    return None


def base_language(node: Node, page_language: str) -> str:
    """The language a text is judged against: the nearest lang, or, nearer, an element with
    dir="auto" (whose first strong letter decides), else the page's."""
    for element in _ancestors(node):
        auto = element.attrs.get("dir", "").lower() == "auto" and element.tag not in PAGE_REGIONS
        if auto and not element.attrs.get("lang"):
            script = _first_strong(element)
            if script:
                return "ar" if script == "arabic" else "en"
        if element.attrs.get("lang"):
            return element.attrs["lang"]
    return page_language


def _isolates(node: Node, script: str) -> bool:
    if node.tag in ISOLATING:
        return True
    direction = node.attrs.get("dir", "").lower()
    if direction == "auto":
        return _first_strong(node) in (script, None)
    if direction:
        return direction == ("rtl" if script == "arabic" else "ltr")
    return False


def _isolated(text: Text, script: str) -> bool:
    if text.parent.tag == "textarea":
        # Text being edited holds no markup (nor should Unicode isolates be added to what a
        # person typed): the textarea taking its direction from the text is all there is.
        return "dir" in text.parent.attrs or bool(text.parent.attrs.get("lang"))
    for node in _ancestors(text.parent):
        if node.tag in PAGE_REGIONS:
            return False
        if _isolates(node, script):
            return True
        if node.tag not in INLINE:
            return False  # the first block around the text did not isolate it
    return False


def _path(node: Node) -> str:
    return " > ".join(reversed([n.describe() for n in _ancestors(node)][:4]))


def bidi_problems(html: str, language: str, vocabulary=frozenset()) -> list[BidiProblem]:
    problems = []
    for text in parse(html):
        if _ignored(text.parent):
            continue
        base = base_language(text.parent, language)
        runs = other_script_runs(text.text, base, vocabulary)
        other = "latin" if _script_of(base) == "arabic" else "arabic"
        if runs and not _isolated(text, other):
            problems.append(BidiProblem(runs[0], text.text, _path(text.parent), text.line))
    return problems


def head_problems(html: str, language: str) -> list[BidiProblem]:
    """Runs of the other script in the page's <title> not between Unicode isolates (a title
    holds no markup, so FSI … PDI is the only way there)."""
    problems = []
    for text in parse(html):
        if text.parent.tag == "title":
            runs = other_script_runs(text.text, language)
            if runs:
                problems.append(BidiProblem(runs[0], text.text, "<title>", text.line))
    return problems
