"""The OpenAPI 3.1 document of ``/api/v1``, built as a plain dict (served as JSON at
``/api/v1/openapi.json`` and rendered as the reference page). Paths are written in full.

Kept beside the views it describes: a route added without its path here fails
tests/test_api.py (every rule of the blueprint must be documented).
"""

from __future__ import annotations

from diplolearn.services.integrations import ALL_SCOPES, PERSONAL_SCOPES, READ_SCOPES

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "next": {
                "type": ["string", "null"],
                "description": "Pass as ?cursor= for the next page; null on the last page.",
            },
        },
    }


def _errors(*statuses: int) -> dict:
    return {str(status): PROBLEM for status in (401, 403, 429, *statuses)}


def _param(name: str, where: str, schema: dict, description: str, required=None) -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path" if required is None else required,
        "schema": schema,
        "description": description,
    }


IDEMPOTENCY = _param(
    "Idempotency-Key",
    "header",
    {"type": "string", "maxLength": 255},
    "Optional. A replay with the same body gets the first answer (with Idempotent-Replayed: "
    "true); the same key with another body gets 422.",
    required=False,
)
IF_NONE_MATCH = _param(
    "If-None-Match",
    "header",
    {"type": "string"},
    "An ETag from an earlier answer: 304 when nothing changed.",
    required=False,
)
CURSOR = [
    _param("cursor", "query", {"type": "string"}, "The `next` of the previous page."),
    _param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": 500},
        "Page size (100 by default).",
    ),
]
STAFF_ID = _param(
    "staff_id",
    "path",
    {"type": "string", "maxLength": 64},
    "The staff ID in the ministry's HR system.",
)
COHORT_ID = _param("cohort_id", "path", {"type": "integer"}, "A cohort's id.")
CERTIFICATE_ID = _param("certificate_id", "path", {"type": "integer"}, "A certificate's id.")


def _get(summary, scope, response, *, parameters=(), errors=(404,), ministry=False, extra=""):
    who = " Ministry tokens only." if ministry else ""
    return {
        "get": {
            "summary": summary,
            "description": f"Scope `{scope}`.{who}{extra}",
            "security": [{"bearer": [scope]}],
            "parameters": [*parameters, IF_NONE_MATCH],
            "responses": {
                "200": response,
                "304": {"description": "Not modified."},
                **_errors(*errors),
            },
        }
    }


def _write(method, summary, scope, body, answers, *, parameters=(), errors=(404, 409, 413, 422)):
    operation = {
        "summary": summary,
        "description": f"Scope `{scope}`. Ministry tokens only.",
        "security": [{"bearer": [scope]}],
        "parameters": [*parameters, IDEMPOTENCY],
        "responses": {**answers, **_errors(400, 415, *errors)},
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return {method: operation}


SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details, in the caller's Accept-Language (ar, en, fr).",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "For 422: what is wrong with each field.",
            },
        },
    },
    "StaffMember": {
        "type": "object",
        "required": ["id", "staff_id", "email", "active"],
        "properties": {
            "id": {"type": "integer", "description": "The person's id on DiploLearn."},
            "staff_id": {"type": ["string", "null"]},
            "membership_id": {"type": "integer"},
            "email": {"type": "string"},
            "name_latin": {"type": "string"},
            "name_ar": {"type": "string"},
            "language": {"type": ["string", "null"], "enum": ["ar", "en", "fr", None]},
            "position": {"type": "string"},
            "posting": {"type": "string"},
            "active": {"type": "boolean", "description": "On the ministry's staff now."},
            "account_active": {"type": "boolean"},
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "changed": {
                "type": "array",
                "items": {"type": "string"},
                "description": "PUT only: the fields this request changed.",
            },
        },
    },
    "StaffInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "name_latin"],
        "properties": {
            "email": {"type": "string", "maxLength": 254},
            "name_latin": {"type": "string", "maxLength": 200},
            "name_ar": {"type": "string", "maxLength": 200},
            "language": {"type": "string", "enum": ["ar", "en", "fr"]},
            "position": {"type": "string", "maxLength": 200},
            "posting": {"type": "string", "maxLength": 200},
        },
    },
    "Course": {
        "type": "object",
        "required": ["id", "key", "title"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "title": {"type": "object", "additionalProperties": {"type": "string"}},
            "languages": {"type": "array", "items": {"type": "string"}},
            "version": {"type": "integer"},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Cohort": {
        "type": "object",
        "required": ["id", "course", "open_for_nominations"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "name": {"type": "object", "additionalProperties": {"type": "string"}},
            "course": _ref("Course"),
            "timezone": {"type": "string"},
            "starts_at": {"type": ["string", "null"], "format": "date-time"},
            "ends_at": {"type": ["string", "null"], "format": "date-time"},
            "capacity": {"type": ["integer", "null"]},
            "open_for_nominations": {"type": "boolean"},
            "seats": {
                "type": "object",
                "description": "Ministry tokens: the ministry's seats in the cohort.",
                "properties": {
                    name: {"type": "integer"} for name in ("allotted", "held", "waiting", "free")
                },
            },
        },
    },
    "Nomination": {
        "type": "object",
        "required": ["id", "person_id", "state"],
        "properties": {
            "id": {"type": "integer", "description": "The enrolment's id."},
            "cohort_id": {"type": "integer"},
            "person_id": {"type": "integer"},
            "staff_id": {"type": ["string", "null"]},
            "state": {
                "type": "string",
                "enum": ["invited", "active", "completed", "withdrawn", "deferred", "waitlisted"],
            },
            "waiting_position": {"type": ["integer", "null"]},
            "replaces": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "state_changed_at": {"type": "string", "format": "date-time"},
        },
    },
    "NominationInput": {
        "type": "object",
        "additionalProperties": False,
        "description": "Exactly one of staff_id and person_id.",
        "properties": {"staff_id": {"type": "string"}, "person_id": {"type": "integer"}},
    },
    "Progress": {
        "type": "object",
        "required": ["enrolment_id", "person_id", "percent", "complete"],
        "properties": {
            "enrolment_id": {"type": "integer"},
            "person_id": {"type": "integer"},
            "cohort_id": {"type": "integer"},
            "state": {"type": "string"},
            "complete": {"type": "boolean"},
            "completed_at": {"type": ["string", "null"], "format": "date-time"},
            "last_activity_at": {"type": ["string", "null"], "format": "date-time"},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "modules": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["locked", "open", "in_progress", "complete"],
                        },
                        "complete": {"type": "boolean"},
                        "percent": {"type": "integer"},
                        "overdue": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "Certificate": {
        "type": "object",
        "required": ["id", "code", "status", "links"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "status": {"type": "string", "enum": ["valid", "revoked"]},
            "person_id": {"type": "integer"},
            "enrolment_id": {"type": "integer"},
            "course_id": {"type": "integer"},
            "course_title": {"type": "object", "additionalProperties": {"type": "string"}},
            "holder_name_latin": {"type": "string"},
            "holder_name_ar": {"type": "string"},
            "completed_on": {"type": "string", "format": "date"},
            "issued_at": {"type": "string", "format": "date-time"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "links": {
                "type": "object",
                "properties": {
                    "verification": {"type": "string", "format": "uri"},
                    "pdf": {"type": "string", "format": "uri"},
                    "credential": {"type": "string", "format": "uri"},
                },
            },
        },
    },
    "Verification": {
        "type": "object",
        "required": ["code", "status"],
        "properties": {
            "code": {"type": "string"},
            "status": {"type": "string", "enum": ["valid", "revoked", "superseded"]},
            "completed_on": {"type": "string", "format": "date"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "replaced_at": {"type": ["string", "null"], "format": "date-time"},
            "course_title": {"type": "object", "additionalProperties": {"type": "string"}},
            "holder": {"type": ["object", "null"]},
        },
    },
}

STAFF_FILTERS = [
    *CURSOR,
    _param(
        "updated_since",
        "query",
        {"type": "string", "format": "date-time"},
        "Only memberships or people changed at or after this instant.",
    ),
    _param("staff_id", "query", {"type": "string"}, "Only this staff ID."),
    _param("email", "query", {"type": "string"}, "Only this email address."),
    _param("active", "query", {"type": "boolean"}, "true: current staff; false: former."),
]


def paths() -> dict:
    staff_one = {
        **_get(
            "A staff member by staff ID",
            "staff:read",
            _json(
                _ref("StaffMember"),
                "The current membership with this staff ID, else the latest ended one.",
            ),
            parameters=[STAFF_ID],
            ministry=True,
        ),
        **_write(
            "put",
            "Create or update a staff member (idempotent upsert)",
            "staff:write",
            _ref("StaffInput"),
            {
                "200": _json(_ref("StaffMember"), "Updated (or unchanged)."),
                "201": _json(_ref("StaffMember"), "Created and invited by mail."),
            },
            parameters=[STAFF_ID],
        ),
        **_write(
            "delete",
            "End a staff membership",
            "staff:write",
            None,
            {"200": _json(_ref("StaffMember"), "The membership, now ended.")},
            parameters=[STAFF_ID],
            errors=(404, 409),
        ),
    }
    nominations = {
        **_get(
            "The ministry's nominations in a cohort",
            "nominations:read",
            _json(_list_of("Nomination"), "Nominations, by name."),
            parameters=[COHORT_ID],
            ministry=True,
        ),
        **_write(
            "post",
            "Nominate a current staff member",
            "nominations:write",
            _ref("NominationInput"),
            {"201": _json(_ref("Nomination"), "Enrolled (invited) or waitlisted.")},
            parameters=[COHORT_ID],
        ),
    }
    return {
        "/api/v1/staff": _get(
            "The ministry's staff",
            "staff:read",
            _json(_list_of("StaffMember"), "Memberships, oldest first."),
            parameters=STAFF_FILTERS,
            errors=(400,),
            ministry=True,
        ),
        "/api/v1/staff/{staff_id}": staff_one,
        "/api/v1/cohorts": _get(
            "Cohorts",
            "cohorts:read",
            _json(_list_of("Cohort"), "Cohorts."),
            errors=(),
            extra=" A ministry token: the cohorts where its ministry has seats; a personal "
            "token: the cohorts its instructor teaches.",
        ),
        "/api/v1/cohorts/{cohort_id}": _get(
            "A cohort", "cohorts:read", _json(_ref("Cohort"), "The cohort."), parameters=[COHORT_ID]
        ),
        "/api/v1/cohorts/{cohort_id}/nominations": nominations,
        "/api/v1/cohorts/{cohort_id}/nominations/{enrolment_id}/withdraw": _write(
            "post",
            "Withdraw a nomination",
            "nominations:write",
            None,
            {"200": _json(_ref("Nomination"), "The nomination, now withdrawn.")},
            parameters=[
                COHORT_ID,
                _param("enrolment_id", "path", {"type": "integer"}, "The nomination's id."),
            ],
        ),
        "/api/v1/cohorts/{cohort_id}/progress": _get(
            "Progress in a cohort",
            "progress:read",
            _json(_list_of("Progress"), "Per person."),
            parameters=[COHORT_ID],
            extra=" A ministry token: the enrolments it sponsored.",
        ),
        "/api/v1/people/{person_id}/progress": _get(
            "A person's progress",
            "progress:read",
            _json(_list_of("Progress"), "Per course."),
            parameters=[_param("person_id", "path", {"type": "integer"}, "A person's id.")],
            ministry=True,
        ),
        "/api/v1/certificates": _get(
            "Certificates",
            "certificates:read",
            _json(_list_of("Certificate"), "Valid and revoked."),
            parameters=CURSOR,
            errors=(400,),
        ),
        "/api/v1/certificates/{certificate_id}": _get(
            "A certificate",
            "certificates:read",
            _json(_ref("Certificate"), "The certificate."),
            parameters=[CERTIFICATE_ID],
        ),
        "/api/v1/certificates/{certificate_id}/certificate.pdf": _get(
            "A certificate's PDF",
            "certificates:read",
            {"description": "The PDF.", "content": {"application/pdf": {}}},
            parameters=[CERTIFICATE_ID],
        ),
        "/api/v1/certificates/{certificate_id}/credential.jwt": _get(
            "A certificate's Open Badges 3.0 credential",
            "certificates:read",
            {"description": "The signed credential.", "content": {"application/vc+jwt": {}}},
            parameters=[CERTIFICATE_ID],
            errors=(404, 503),
        ),
        "/api/v1/verify/{code}": _get(
            "Verify a certificate by its code",
            "certificates:read",
            _json(_ref("Verification"), "What the public verification page says."),
            parameters=[_param("code", "path", {"type": "string"}, "The certificate's code.")],
        ),
        "/api/v1/courses": _get(
            "The course catalogue",
            "catalogue:read",
            _json(_list_of("Course"), "Published courses."),
            errors=(),
        ),
    }


def document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DiploLearn API",
            "version": "1.0.0",
            "description": (
                "For ministries' own systems: staff, nominations, progress, certificates and "
                "the course catalogue. Send a token as `Authorization: Bearer <token>`. "
                "Errors are RFC 9457 problem documents in the Accept-Language asked for. "
                "Every GET answer carries an ETag; POST and PUT accept an Idempotency-Key."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A ministry token (scopes: "
                    + ", ".join(ALL_SCOPES)
                    + "; read scopes by default: "
                    + ", ".join(READ_SCOPES)
                    + ") or an instructor's personal token ("
                    + ", ".join(PERSONAL_SCOPES)
                    + ").",
                }
            },
            "schemas": SCHEMAS,
            "responses": {
                "Problem": {
                    "description": "A problem document.",
                    "content": {"application/problem+json": {"schema": _ref("Problem")}},
                }
            },
        },
    }
