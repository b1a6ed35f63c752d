"""The public verification of certificates (``/verify``), without sign-in: /verify/<code>
answers valid, revoked or unknown; /verify/issuer and its keys let machines check Open Badges
credentials."""

from flask import Blueprint

bp = Blueprint("verify", __name__)

from diplolearn.verify import views  # noqa: E402,F401
