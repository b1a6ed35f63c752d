"""Anyone holding a certificate link checks it here.

/verify/<code> answers, in the visitor's language (or JSON for JSON clients): valid, revoked
(with the date), replaced by a reissued certificate (with the date), or unknown. It shows the
holder's names, the course and the completion date — nothing else personal, and no name at
all once the holder's personal data has been erased. A malformed code gets exactly the same
answer as an unknown one (404), and the page is rate-limited per address, so codes cannot be
probed. /verify/issuer is the issuer's Open Badges Profile; /verify/issuer/keys.json the JWK
set that checks its credentials' signatures; /verify/issuer/keys/<kid> one key, as the
credentials' ``kid`` header names it.
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for

from diplolearn.extensions import limiter
from diplolearn.i18n import current_language
from diplolearn.models import CertificateStatus
from diplolearn.security.permissions import wants_json
from diplolearn.security.signing import signing_key
from diplolearn.services.certificates import SigningKeyMissing, certificates, open_badges
from diplolearn.services.outbox import public_url
from diplolearn.verify import bp


def _limit() -> str:
    return current_app.config["VERIFY_LIMIT_PER_ADDRESS"]


def _titles(certificate) -> list[tuple[str, str]]:
    """(language, title) in Arabic and English, the page's language first."""
    first = current_language()
    order = sorted(certificate.course_title, key=lambda lang: (lang != first, lang != "en"))
    return [
        (lang, certificate.course_title[lang])
        for lang in order
        if lang in ("ar", "en", first) and certificate.course_title[lang]
    ]


def _answer(certificate):
    erased = certificate.holder.erased_at is not None
    names = (
        []
        if erased
        else [
            (lang, name)
            for lang, name in sorted(
                (("en", certificate.holder_name_latin), ("ar", certificate.holder_name_ar)),
                key=lambda pair: (pair[0] == "ar") != (current_language() == "ar"),
            )
            if name
        ]
    )
    return {
        "status": "valid"
        if certificate.status == CertificateStatus.ISSUED
        else str(certificate.status),
        "revoked_at": certificate.revoked_at,
        "superseded_at": certificate.superseded_at,
        "names": names,
        "erased": erased,
        "titles": _titles(certificate),
        "completed_on": certificate.completed_on,
    }


def _unknown():
    if wants_json():
        return jsonify(status="unknown"), 404
    return render_template("verify/unknown.html"), 404


@bp.get("")
@limiter.limit(_limit)
def find_certificate():
    """The form for a code read off a paper certificate; sends the visitor to its page."""
    code = "".join(request.args.get("code", "").split())[:100]
    if code:
        return redirect(url_for("verify.show_certificate", code=code))
    return render_template("verify/lookup.html")


@bp.get("/<path:code>")
@limiter.limit(_limit)
def show_certificate(code: str):
    certificate = certificates.find_by_code(code)
    if certificate is None:
        return _unknown()
    answer = _answer(certificate)
    if wants_json():
        return jsonify(
            status=answer["status"],
            completedOn=answer["completed_on"].isoformat(),
            revokedAt=open_badges.iso(answer["revoked_at"]) if answer["revoked_at"] else None,
            replacedAt=(
                open_badges.iso(answer["superseded_at"]) if answer["superseded_at"] else None
            ),
            holder=None
            if answer["erased"]
            else {
                "nameLatin": certificate.holder_name_latin,
                "nameArabic": certificate.holder_name_ar,
            },
            course=dict(answer["titles"]),
        )
    response = render_template("verify/certificate.html", answer=answer)
    return response, 200, {"X-Robots-Tag": "noindex"}


@bp.get("/issuer")
def show_issuer():
    """The issuer's Open Badges Profile, with where its public keys are."""
    profile = {
        "@context": open_badges.CONTEXTS,
        **open_badges.issuer_profile(),
        "publicKeys": public_url("verify.list_keys"),
    }
    return jsonify(profile)


def _key_or_none():
    try:
        return signing_key()
    except SigningKeyMissing:
        return None


@bp.get("/issuer/keys.json")
def list_keys():
    key = _key_or_none()
    response = jsonify(keys=[key.public_jwk()] if key else [])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/issuer/keys/<kid>")
def show_key(kid: str):
    key = _key_or_none()
    if key is None or kid != key.kid:
        abort(404)
    response = jsonify(key.public_jwk())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
