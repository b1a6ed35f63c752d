"""The API described: the OpenAPI 3.1 document (``/api/v1/openapi.json``) and a reference
page rendered from it (``/api/v1/reference``), both public (they describe, they hold no data).
"""

from __future__ import annotations

from flask import render_template, request

from diplolearn.api import bp, openapi
from diplolearn.api.gate import as_json
from diplolearn.services.integrations import SCOPE_LABELS, problems

METHODS = ("get", "put", "post", "delete")


def _document() -> dict:
    return openapi.document(request.host_url.rstrip("/"))


@bp.get("/openapi.json")
def openapi_document():
    return as_json(_document(), headers={"Access-Control-Allow-Origin": "*"})


@bp.get("/reference")
def reference():
    document = _document()
    operations = [
        (path, method.upper(), item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]
    kinds = [(slug, status, title) for slug, (status, title, _detail) in problems.KINDS.items()]
    return render_template(
        "api/reference.html",
        document=document,
        operations=operations,
        schemas=document["components"]["schemas"],
        scopes=SCOPE_LABELS,
        kinds=sorted(kinds, key=lambda kind: (kind[1], kind[0])),
    )
