"""The REST API (``/api/v1``) for ministries' own systems, as one blueprint (issue 17):

- ``gate``: bearer tokens (never the session cookie), rate limits per token, body limits,
  ETags, problem documents for every error, idempotent writes;
- ``staff_views``: a ministry's staff, by staff ID;
- ``cohort_views``: cohorts and seats, nominations and withdrawals, progress;
- ``record_views``: certificates and their verification, the course catalogue;
- ``doc_views``: the OpenAPI 3.1 document (``openapi``) and its readable reference page;
- ``commands``: ``flask api-tokens create|revoke|demo`` (the blueprint's command group).

JSON only, no CSRF (nothing here reads a cookie). Every lookup goes through the scoping
loaders of the web pages, with the viewer a token stands for (services.integrations.tokens).
"""

from flask import Blueprint

from diplolearn.extensions import csrf

bp = Blueprint("api", __name__, cli_group="api-tokens")  # flask api-tokens ... (commands)
csrf.exempt(bp)

from diplolearn.api import (  # noqa: E402,F401
    cohort_views,
    commands,
    doc_views,
    gate,
    record_views,
    staff_views,
)
