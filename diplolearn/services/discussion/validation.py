"""What a post may say: ``clean_text`` (Markdown the sanitiser would keep as written, at most
``MAX_BODY`` characters), ``clean_url`` (one http(s) address), ``clean_language`` (one of the
course's) and ``clean_reason`` (a moderator's reason, at most ``MAX_REASON`` characters).
Each refuses with ``DiscussionRefused`` rather than silently changing what the author wrote."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _

from diplolearn.models import Cohort
from diplolearn.security.sanitize import authored_text_problem
from diplolearn.services.discussion import DiscussionRefused

MAX_BODY = 5000
MAX_REASON = 500


def clean_text(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    problem = authored_text_problem(text, MAX_BODY)
    if problem == "empty":
        raise DiscussionRefused(_("Write something first: the text is empty. Nothing was saved."))
    if problem == "too long":
        raise DiscussionRefused(
            _(
                "The text is too long: at most %(max)d characters "
                "(yours has %(count)d). Nothing was saved.",
                max=MAX_BODY,
                count=len(text),
            )
        )
    if problem == "html":
        raise DiscussionRefused(
            _(
                "The text contains HTML that is not allowed here (such as "
                "a script or a link that runs code). Write plain text or "
                "Markdown. Nothing was saved."
            )
        )
    return text


def clean_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(url) > 2000
        or any(c.isspace() for c in url)
    ):
        raise DiscussionRefused(
            _(
                "The reference's address must be a web address starting "
                "with http:// or https://. Nothing was saved."
            )
        )
    return url


def clean_language(cohort: Cohort, lang: str | None) -> str:
    course = cohort.course
    known = [*(course.languages or []), *(course.optional_languages or [])]
    if lang not in known:
        raise DiscussionRefused(
            _(
                "The language of the text you read is not one of this "
                "course's languages. Nothing was saved."
            )
        )
    return lang


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DiscussionRefused(
            _("Give a reason: the author and the audit log will see it. Nothing was changed.")
        )
    if len(reason) > MAX_REASON:
        raise DiscussionRefused(
            _(
                "The reason is too long: at most %(max)d characters. Nothing was changed.",
                max=MAX_REASON,
            )
        )
    return reason
