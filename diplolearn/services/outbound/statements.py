"""xAPI 2.0 statements of what learners do, with stable ids.

A statement's id is a UUID derived (uuid5) from the platform's public address and the fact
(``fact_id``): the same fact always gets the same id, so a statement sent twice is stored
once by the learning record store, and queued once here (queue.py). Activities are named by
stable IRIs under the platform's address (``activity_id``), by course, module and item keys,
never by database ids or course versions, so records of two runs of a course line up.

The actor is an account on this platform (its home page and an opaque id that a store cannot
turn back into a person), unless the ministry allows the store its staff's email addresses
(``RecordStore.share_email``): then the email (``mbox``) identifies them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from decimal import Decimal

from flask import current_app

XAPI_VERSION = "2.0.0"

VERBS = {
    "registered": ("http://adlnet.gov/expapi/verbs/registered", "registered"),
    "read": ("http://adlnet.gov/expapi/verbs/experienced", "read"),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "answered"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "completed"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "passed"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "failed"),
    "earned": ("http://id.tincanapi.com/verb/earned", "earned"),
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "certificate": "http://id.tincanapi.com/activitytype/badge",
}


def home_page() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def fact_id(*parts) -> str:
    """The stable UUID of a fact, from its parts (``"read", enrolment_id, lesson_key``)."""
    name = "/".join(str(part) for part in (home_page(), "xapi", *parts))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def activity_id(kind: str, course_key: str, *keys: str) -> str:
    path = "/".join([course_key, *keys]) if kind != "course" else course_key
    return f"{home_page()}/xapi/activities/{kind}/{path}"


def activity(kind: str, course_key: str, *keys: str, name: dict | None = None) -> dict:
    definition: dict = {"type": ACTIVITY_TYPES[kind]}
    if name:
        definition["name"] = {lang: text for lang, text in name.items() if text}
    return {
        "objectType": "Activity",
        "id": activity_id(kind, course_key, *keys),
        "definition": definition,
    }


def opaque_name(user_id: int) -> str:
    """The learner's account name in statements: a keyed hash of their id, the same in every
    statement and store, which no store can turn back into a person."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"xapi-actor:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def actor(user, share_email: bool) -> dict:
    if share_email and user.email:
        return {"objectType": "Agent", "name": user.name_latin, "mbox": f"mailto:{user.email}"}
    return {
        "objectType": "Agent",
        "account": {"homePage": home_page(), "name": opaque_name(user.id)},
    }


def registration(enrolment_id: int) -> str:
    """The enrolment as an xAPI registration: every statement of one run of a course."""
    return fact_id("registration", enrolment_id)


def timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def score(raw, maximum) -> dict:
    raw, maximum = Decimal(raw or 0), Decimal(maximum or 0)
    result = {"raw": float(raw), "min": 0.0, "max": float(maximum)}
    if maximum:
        result["scaled"] = float((raw / maximum).quantize(Decimal("0.0001")))
    return result


def build(
    *,
    statement_id: str,
    verb: str,
    actor_: dict,
    object_: dict,
    when: dt.datetime,
    enrolment_id: int,
    course: dict,
    parent: dict | None = None,
    result: dict | None = None,
    language: str | None = None,
) -> dict:
    """One statement. ``course`` is the course activity (the grouping of every statement);
    ``parent`` the module or quiz the object belongs to."""
    verb_iri, display = VERBS[verb]
    context: dict = {"registration": registration(enrolment_id), "platform": "DiploLearn"}
    related: dict = {}
    if object_["id"] != course["id"]:
        related["grouping"] = [course]
    if parent is not None:
        related["parent"] = [parent]
    if related:
        context["contextActivities"] = related
    if language:
        context["language"] = language
    statement = {
        "id": statement_id,
        "actor": actor_,
        "verb": {"id": verb_iri, "display": {"en": display}},
        "object": object_,
        "timestamp": timestamp(when),
        "context": context,
        "version": XAPI_VERSION,
    }
    if result:
        statement["result"] = result
    return statement
