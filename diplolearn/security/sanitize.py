"""The one HTML sanitiser and the one Markdown renderer.

Every piece of authored or user-written HTML goes through ``sanitize_html`` (bleach, as the
product design asks; it is in security-fix-only maintenance, so keeping every call here means a
move to nh3 touches this module alone). ``render_markdown`` renders and then sanitises, so text
is cleaned on the way out whatever was stored.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import bleach
import markdown as md
from markupsafe import Markup, escape

from diplolearn.courses.bidi import first_strong_language, isolate_people_text, plain_runs

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "cite",
        "code",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "img",
    }
)
# No id (nor name) from anyone's text: a post of <div id="main"> or <p id="csrf_token"> would
# put a second element with that id in the page, moving the skip link's target and what the
# page's scripts look up. Anchors the pages need are set by the templates, never by the text.
# Direction and language stay (issue 15 item 4: runs of the other script are isolated with
# <bdi> or an element's dir), but only with values a browser understands: dir is ltr, rtl or
# auto, lang a language tag.
DIRECTIONS = frozenset({"ltr", "rtl", "auto"})
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _global_attribute(name: str, value: str) -> bool:
    if name == "dir":
        return value.lower() in DIRECTIONS
    if name == "lang":
        return value == "" or bool(_LANGUAGE_TAG.fullmatch(value))
    return name == "title"


def _attributes(*extra: str):
    def allowed(tag: str, name: str, value: str) -> bool:
        return name in extra or _global_attribute(name, value)

    return allowed


ALLOWED_ATTRIBUTES = {
    "*": _attributes(),
    "a": _attributes("href", "hreflang", "rel"),
    "td": _attributes("colspan", "rowspan"),
    "th": _attributes("colspan", "rowspan", "scope"),
    "ol": _attributes("start", "reversed"),
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from our own content-addressed storage (services/catalogue/images.py), and only with a
# non-empty alt text (_ImageFilter drops any other img).
_IMAGE_URL = re.compile(r"/media/images/[0-9a-f]{64}\.(?:png|jpg|webp)")
_IMAGE_SOURCE = re.compile(_IMAGE_URL.pattern + r" \d{1,5}w")


def _image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return bool(_IMAGE_URL.fullmatch(value))
    if name == "srcset":
        return all(_IMAGE_SOURCE.fullmatch(part.strip()) for part in value.split(","))
    if name in ("width", "height"):
        return value.isdigit()
    if name == "loading":
        return value in ("lazy", "eager")
    if name == "decoding":
        return value == "async"
    return name in ("alt", "sizes") or _global_attribute(name, value)


ALLOWED_ATTRIBUTES["img"] = _image_attribute


class _ImageFilter(bleach.html5lib_shim.Filter):
    """Remove every img that lacks our own src or a non-empty alt text."""

    def __iter__(self):
        for token in super().__iter__():
            if token.get("name") == "img" and token["type"] in ("StartTag", "EmptyTag"):
                attributes = token.get("data") or {}
                if (
                    not attributes.get((None, "src"))
                    or not (attributes.get((None, "alt")) or "").strip()
                ):
                    continue
            yield token


def _linkify(source):
    return bleach.linkifier.LinkifyFilter(
        source, callbacks=[bleach.callbacks.nofollow], skip_tags={"pre", "code"}, parse_email=False
    )


def _make_cleaner(*filters) -> bleach.Cleaner:
    """The one set of rules (tags, attributes, protocols; images need a source and alt text),
    with ``filters`` after the image filter."""
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_ImageFilter, *filters],
    )


_cleaner = _make_cleaner(_linkify)
# The same rules without linkification, to tell whether cleaning would remove anything.
_bare_cleaner = _make_cleaner()
# Building a Markdown converter costs more than converting a paragraph, and converters are not
# thread-safe: keep one per thread and reset it between texts.
_local = threading.local()


# The blocks of a person's text (a post, a message): each takes its direction from its own
# first letter, so an Arabic paragraph in an English post reads right to left and the other way.
_AUTO_DIRECTION_BLOCKS = frozenset(
    {"p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "ul", "ol"}
)


class _AutoDirectionFilter(bleach.html5lib_shim.Filter):
    """Give every block of a person's text dir="auto" unless it states its own direction."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token.get("name") in _AUTO_DIRECTION_BLOCKS:
                attributes = dict(token.get("data") or {})
                attributes.setdefault((None, "dir"), "auto")
                token = {**token, "data": attributes}
            yield token


_post_cleaner = _make_cleaner(_linkify, _AutoDirectionFilter)


def sanitize_html(html: str) -> Markup:
    return Markup(_cleaner.clean(html or ""))


def would_change(html: str) -> bool:
    """True when sanitising would remove something: authored files must be clean already."""
    return _bare_cleaner.clean(html or "") != (html or "")


def markdown_to_html(text: str) -> str:
    """Markdown to (unsanitised) HTML. Use render_markdown for anything shown to people."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(
            extensions=["extra", "sane_lists"], output_format="html"
        )
    return converter.reset().convert(text or "")


def render_markdown(text: str) -> Markup:
    """Authored text whose language is known (a lesson, a prompt): the element around it
    carries that language's lang and dir."""
    return sanitize_html(markdown_to_html(text))


def render_post(text: str) -> Markup:
    """Text a person wrote (a post, a message, an answer, a comment), whose language nobody
    declared: like ``render_markdown``, with dir="auto" on each block and the runs of the other
    script in each block isolated in <bdi> (issue 15 item 4: "@francediplo" in an Arabic post
    keeps its @ in front). Nothing is stored: the person's text stays as they wrote it."""
    return Markup(_post_cleaner.clean(markdown_to_html(isolate_people_text(text or ""))))


def authored_text_problem(text: str, max_chars: int) -> str | None:
    """What is wrong with Markdown a person wrote (already stripped), if anything: ``"empty"``,
    ``"too long"`` or ``"html"`` (markup the sanitiser would remove). Each form that takes such
    text says it in its own words; the rule is this one."""
    if not text:
        return "empty"
    if len(text) > max_chars:
        return "too long"
    if would_change(markdown_to_html(text)):
        return "html"
    return None


def bidi_text(value) -> Markup:
    """A person's plain text (an excerpt of a post, a name with a handle): escaped, with the
    runs of the other script than its first letter's in <bdi>. Put it in an element with
    dir="auto" (or use it inside one): "تابعوا @francediplo" keeps its @ in front."""
    return _bidi_text("" if value is None else str(value))


@lru_cache(maxsize=8192)
def _bidi_text(text: str) -> Markup:
    """Kept per text: a page names the same course titles and people many times (the course
    beside a lesson calls this for every module and item), and the answer never changes."""
    language = first_strong_language(text)
    if language is None:
        return escape(text)
    return Markup("").join(
        Markup("<bdi>%s</bdi>") % segment if run else escape(segment)
        for segment, run in plain_runs(text, language)
    )
