"""A real OpenID provider for the tests: oidc-provider-mock (PyPI), served by Werkzeug in a
thread on a free port of this machine, as a ministry's Keycloak or Entra ID would be.

The provider lets anyone sign in as any subject: ``set_person`` gives a subject its claims
(PUT /users/<sub>), and ``approve`` submits its authorisation form as that subject, which
answers with the redirect back to DiploLearn (the code and state in its query).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from oidc_provider_mock import run_server_in_thread


@contextmanager
def provider(*, token_max_age: timedelta = timedelta(hours=1)):
    """Yield the issuer URL of a fresh provider (its own keys and users)."""
    with run_server_in_thread(
        port=0, require_nonce=True, access_token_max_age=token_max_age
    ) as server:
        yield f"http://localhost:{server.server_port}"


def set_person(issuer: str, sub: str, **claims) -> None:
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def approve(authorize_url: str, sub: str) -> str:
    """Sign in at the provider as ``sub``; return the path and query of the way back."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text[:500]
    back = urlsplit(response.headers["Location"])
    return f"{back.path}?{back.query}"
