"""Links from lesson text to the course's reference list and glossary.

Authors write ordinary Markdown links with a ``ref:`` or ``glossary:`` target
(``[Nye 2004](ref:nye-2004)``, ``[soft power](glossary:soft-power)``); ``flask courses check``
verifies the ids, and the learner's pages turn them into links to the course's reference and
glossary pages. The links are relative (``../references#ref-nye-2004``) so that a lesson
rendered once per course version serves every enrolment's pages.
"""

from __future__ import annotations

import re

COURSE_LINK = re.compile(r"\]\((ref|glossary):([^)\s]*)\)")
_TARGETS = {"ref": "../references#ref-", "glossary": "../glossary#term-"}


def resolve_course_links(markdown_text: str) -> str:
    return COURSE_LINK.sub(lambda m: f"]({_TARGETS[m.group(1)]}{m.group(2)})", markdown_text)
