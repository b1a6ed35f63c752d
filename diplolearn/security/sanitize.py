"""The one HTML sanitiser and the one Markdown renderer.

Every piece of authored or user-written HTML goes through ``sanitize_html`` (bleach, as the
product design asks; it is in security-fix-only maintenance, so keeping every call here means a
move to nh3 touches this module alone). ``render_markdown`` renders and then sanitises, so text
is cleaned on the way out whatever was stored.
"""

from __future__ import annotations

import threading

import bleach
import markdown as md
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "cite", "code", "dd", "del", "dfn", "div",
    "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
})
_GLOBAL = ["dir", "lang", "title", "id"]
ALLOWED_ATTRIBUTES = {
    "*": _GLOBAL,
    "a": [*_GLOBAL, "href", "hreflang", "rel"],
    "abbr": _GLOBAL,
    "td": [*_GLOBAL, "colspan", "rowspan"],
    "th": [*_GLOBAL, "colspan", "rowspan", "scope"],
    "ol": [*_GLOBAL, "start", "reversed"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[lambda source: bleach.linkifier.LinkifyFilter(
        source, callbacks=[bleach.callbacks.nofollow], skip_tags={"pre", "code"}, parse_email=False
    )],
)


# The same rules without linkification, to tell whether cleaning would remove anything.
_bare_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                               protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True)
# Building a Markdown converter costs more than converting a paragraph, and converters are not
# thread-safe: keep one per thread and reset it between texts.
_local = threading.local()


def sanitize_html(html: str) -> Markup:
    return Markup(_cleaner.clean(html or ""))


def would_change(html: str) -> bool:
    """True when sanitising would remove something: authored files must be clean already."""
    return _bare_cleaner.clean(html or "") != (html or "")


def markdown_to_html(text: str) -> str:
    """Markdown to (unsanitised) HTML. Use render_markdown for anything shown to people."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(extensions=["extra", "sane_lists"],
                                                   output_format="html")
    return converter.reset().convert(text or "")


def render_markdown(text: str) -> Markup:
    return sanitize_html(markdown_to_html(text))
