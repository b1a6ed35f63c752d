"""Open Badges 3.0: each certificate as an OpenBadgeCredential, signed as a VC-JWT.

The credential follows the Open Badges 3.0 data model on the W3C Verifiable Credentials Data
Model 2.0: the VC 2.0 and OB 3.0.3 contexts; types ``VerifiableCredential`` and
``OpenBadgeCredential``; the issuer as a ``Profile`` (id, type, name — its id is the stable
/verify/issuer URL, which answers with that profile); ``validFrom`` (the instant of issue); and
a ``credentialSubject`` of type ``AchievementSubject`` carrying the ``Achievement`` (id, type,
name, description, criteria.narrative) and the recipient's identifiers — the names printed on
the certificate, and the email address hashed with a salt (sha256), so that a wallet can
match it without the credential revealing it. The credential's ``id`` is the certificate's
public verification URL, where its current status (valid, revoked or replaced) is answered,
in HTML or, asked for JSON, as JSON; there is no status list yet.

Proof format: VC-JWT as Open Badges 3.0 §8.2 describes it — a compact JWS (RFC 7515) whose
payload is the credential itself plus the registered claims ``iss`` (= issuer.id), ``jti``
(= the credential id) and ``nbf`` (= validFrom), and whose protected header is
``{"alg": "EdDSA", "typ": "JWT", "kid": ...}``: an Ed25519 signature (RFC 8037), ``kid``
being a URL that answers with the public key as a JWK. No embedded Data Integrity proof.
The same certificate always gives the same bytes (Ed25519 signatures are deterministic and
no claim depends on the download time).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import jwt
from flask import current_app

from diplolearn.models import Certificate
from diplolearn.security.signing import SigningKey, signing_key
from diplolearn.services.certificates import InvalidCredential
from diplolearn.services.certificates.certificates import verification_url
from diplolearn.services.outbox import public_url

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
MEDIA_TYPE = "application/jwt"


def iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def issuer_profile() -> dict:
    """The issuer's Profile, as embedded in credentials and served at /verify/issuer."""
    return {
        "id": public_url("verify.show_issuer"),
        "type": ["Profile"],
        "name": current_app.config["CERTIFICATE_ISSUER_NAME"],
        "url": public_url("main.home"),
    }


def _title(certificate: Certificate) -> str:
    titles = certificate.course_title
    return titles.get("en") or titles.get("ar") or next(iter(titles.values()), "")


def _identifiers(certificate: Certificate) -> list[dict]:
    names = [certificate.holder_name_latin, certificate.holder_name_ar]
    found = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
        for name in names
        if name
    ]
    email = certificate.holder.email if certificate.holder.erased_at is None else ""
    if email:
        salt = hashlib.sha256(f"salt:{certificate.code}".encode()).hexdigest()[:16]
        digest = hashlib.sha256((email + salt).encode()).hexdigest()
        found.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "salt": salt,
            }
        )
    return found


def build_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate, unsigned."""
    title = _title(certificate)
    course_key = certificate.course.key
    hours = certificate.workload_hours
    narrative = (
        f"Complete every required module of the course \u201c{title}\u201d: read its "
        "lessons and pass its quizzes, as its completion rules require."
    )
    return {
        "@context": CONTEXTS,
        "id": verification_url(certificate),
        "type": TYPES,
        "name": f"Certificate of completion: {title}",
        "issuer": issuer_profile(),
        "validFrom": iso(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": _identifiers(certificate),
            "achievement": {
                "id": f"{public_url('verify.show_issuer')}#course-{course_key}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": title,
                "description": (
                    f"Completion of the DiploLearn course \u201c{title}\u201d"
                    + (
                        f" (about {hours} hour{'s' if hours != 1 else ''} of study)"
                        if hours
                        else ""
                    )
                    + f", completed on {certificate.completed_on.isoformat()}."
                ),
                "criteria": {"narrative": narrative},
                "inLanguage": "en",
            },
        },
    }


def key_url(key: SigningKey) -> str:
    return public_url("verify.show_key", kid=key.kid)


def sign_credential(certificate: Certificate) -> str:
    """The certificate's credential as a compact JWS (VC-JWT, EdDSA); SigningKeyMissing in
    production when no key is configured."""
    key = signing_key()
    credential = build_credential(certificate)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(certificate.issued_at.timestamp()),
    }
    return jwt.encode(
        claims, key.private, algorithm="EdDSA", headers={"typ": "JWT", "kid": key_url(key)}
    )


def verify_credential(token: str, key: SigningKey | None = None) -> dict:
    """The credential in a VC-JWT signed by this platform's key; InvalidCredential when the
    signature, the algorithm, the registered claims or the required members do not hold."""
    key = key or signing_key()
    try:
        claims = jwt.decode(
            token, key.public, algorithms=["EdDSA"], options={"require": ["iss", "jti", "nbf"]}
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidCredential() from error
    issuer = claims.get("issuer") if isinstance(claims.get("issuer"), dict) else {}
    subject = claims.get("credentialSubject") or {}
    if (
        claims.get("@context", [])[:2] != CONTEXTS
        or claims.get("type") != TYPES
        or claims["iss"] != issuer.get("id")
        or claims["jti"] != claims.get("id")
        or "Profile" not in issuer.get("type", [])
        or "validFrom" not in claims
        or "AchievementSubject" not in subject.get("type", [])
        or "Achievement" not in subject.get("achievement", {}).get("type", [])
    ):
        raise InvalidCredential()
    return claims
