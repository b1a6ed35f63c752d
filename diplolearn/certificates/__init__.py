"""Where people find certificates: the holder's "my certificates" (PDF and Open Badges
credential), a coordinator's staff certificates (list and zip), and the revocation and reissue
pages of administrators and lead instructors. Every lookup goes through security.scoping, so
another person's certificate is a 404, as if it did not exist."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("certificates", __name__)

STATUS_LABELS = {
    "issued": _l("Valid"),
    "revoked": _l("Revoked"),
    "superseded": _l("Replaced"),
}


@bp.context_processor
def _labels():
    return {"certificate_status": lambda status: STATUS_LABELS.get(status, status)}


from diplolearn.certificates import manage, views  # noqa: E402,F401
