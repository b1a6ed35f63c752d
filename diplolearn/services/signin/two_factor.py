"""TOTP second factor with one-time recovery codes.

A code is accepted for the current 30-second step and one step either side (clocks drift);
the step of the last accepted code is stored, and a code of that step or an earlier one is
refused, so a code seen over someone's shoulder cannot be used again. Recovery codes are
random (50 bits), shown once, stored as SHA-256 digests and each usable once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash

from diplolearn.extensions import db
from diplolearn.models import RecoveryCode, Role, TwoFactorCredential, User, utcnow
from diplolearn.services import audit
from diplolearn.services.signin import (
    CodeAlreadyUsed,
    TwoFactorAlreadyOn,
    TwoFactorNotOn,
    TwoFactorRequired,
    WrongCode,
    WrongPasswordOrCode,
    crypto,
    devices,
)

STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i


def is_required(user: User) -> bool:
    """Administrators and coordinators must use a second factor when REQUIRE_TWO_FACTOR is on."""
    if not current_app.config.get("REQUIRE_TWO_FACTOR"):
        return False
    return user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.COORDINATOR)


def credential_of(user: User) -> TwoFactorCredential | None:
    return db.session.scalar(
        sa.select(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id)
    )


def is_enrolled(user: User) -> bool:
    return credential_of(user) is not None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


# --- enrolment ------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    issuer = current_app.config.get("TWO_FACTOR_ISSUER") or "DiploLearn"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI (the CSP allows data: images, not inline scripts)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = _clean(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _digest(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=_digest(c)) for c in codes)
    return codes


def enrol(user: User, secret: str, code: str, *, keep_device: int | None) -> list[str]:
    """Turn the second factor on once a code from the new secret proves the app has it.

    Returns the recovery codes (shown once). Every other signed-in device is signed out."""
    if is_enrolled(user):
        raise TwoFactorAlreadyOn()
    step = _matching_step(secret, code)
    if step is None:
        raise WrongCode()
    db.session.add(
        TwoFactorCredential(
            user_id=user.id, secret_encrypted=crypto.encrypt(secret), last_used_step=step
        )
    )
    codes = _new_recovery_codes(user)
    devices.end_others(user, keep=keep_device, reason="two_factor_changed")
    audit.record(user, "user.two_factor_on", subject=user)
    db.session.flush()
    return codes


def disable(user: User, password_or_code: str, *, keep_device: int | None) -> None:
    """Turn the second factor off, given the password or a current code."""
    credential = credential_of(user)
    if credential is None:
        raise TwoFactorNotOn()
    if is_required(user):
        raise TwoFactorRequired()
    proof = password_or_code or ""
    by_password = user.password_hash is not None and check_password_hash(user.password_hash, proof)
    if not by_password:
        try:
            _use_totp(credential, proof)
        except (WrongCode, CodeAlreadyUsed):
            raise WrongPasswordOrCode() from None
    db.session.delete(credential)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    devices.end_others(user, keep=keep_device, reason="two_factor_changed")
    audit.record(user, "user.two_factor_off", subject=user)
    db.session.flush()


# --- verifying at sign-in -------------------------------------------------------------------


def _use_totp(credential: TwoFactorCredential, code: str) -> None:
    step = _matching_step(crypto.decrypt(credential.secret_encrypted), code)
    if step is None:
        raise WrongCode()
    # Conditional update: a replayed code, or two requests racing with one code, fail.
    result = db.session.execute(
        sa.update(TwoFactorCredential)
        .where(
            TwoFactorCredential.id == credential.id,
            sa.or_(
                TwoFactorCredential.last_used_step.is_(None),
                TwoFactorCredential.last_used_step < step,
            ),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CodeAlreadyUsed()
    db.session.expire(credential)


def _use_recovery_code(user: User, code: str) -> None:
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise WrongCode()
    audit.record(user, "user.recovery_code_used", subject=user)


def check_second_factor(user: User, code: str) -> None:
    """Accept a current TOTP code (six digits) or an unused recovery code; raise otherwise."""
    credential = credential_of(user)
    if credential is None:
        raise TwoFactorNotOn()
    if len(code or "") > 64:
        raise WrongCode()
    if re.fullmatch(r"\d{6}", _clean(code)):
        _use_totp(credential, code)
    else:
        _use_recovery_code(user, code)


def signing_in(user_id: int) -> User | None:
    """The person a half-finished sign-in is for."""
    return db.session.get(User, user_id)
