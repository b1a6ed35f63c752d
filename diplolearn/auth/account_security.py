"""What the account page shows about signing in (templates/main/_account_security.html)."""

from __future__ import annotations

from diplolearn.auth.signin_forms import SignOutDeviceForm, SignOutOthersForm
from diplolearn.models import User
from diplolearn.services.signin import devices, two_factor


def account_security_context(user: User) -> dict:
    enrolled = two_factor.is_enrolled(user)
    return {
        "security": {
            "enrolled": enrolled,
            "required": two_factor.is_required(user),
            "codes_left": two_factor.recovery_codes_left(user) if enrolled else 0,
            "devices": devices.open_devices(user),
            "current_device": user.device_session_id,
            "device_form": SignOutDeviceForm(),
            "others_form": SignOutOthersForm(),
        }
    }
