"""A real learning record store for the tests: Ralph (ralph-malph on PyPI) with its
file-system backend, started on a free port in a folder of its own, with one user.

Ralph's file-system LRS backend writes each POST as a new file by default and so refuses the
second POST ("already exists and overwrite is not allowed"): it is started with the backend's
write mode set to append, its own option for adding records to the file (``LAUNCH``). The
database backends it supports (MongoDB, ClickHouse, Elasticsearch) are not on this machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

USERNAME, PASSWORD = "diplolearn", "lrs-test-password"


LAUNCH = (
    "import sys, uvicorn\n"
    "from ralph.backends.data.base import BaseOperationType\n"
    "from ralph.backends.lrs.fs import FSLRSBackend\n"
    "FSLRSBackend.default_operation_type = BaseOperationType.APPEND\n"
    "uvicorn.run('ralph.api:app', host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def ralph(folder: Path):
    """Yield the store's xAPI base URL while Ralph runs; stop it afterwards."""
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(folder / "app"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "statements"),
    }
    (folder / "app").mkdir(parents=True, exist_ok=True)
    (folder / "statements").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ralph",
            "auth",
            "-u",
            USERNAME,
            "-p",
            PASSWORD,
            "-s",
            "all",
            "-A",
            USERNAME,
            "https://diplolearn.test",
            "-w",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/xAPI/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(
                    f"http://127.0.0.1:{port}/whoami", auth=(USERNAME, PASSWORD), timeout=1
                )
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Ralph did not start: {server.stderr.read()!r}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def statement(base: str, statement_id: str) -> dict | None:
    """A statement read back from the store, or None."""
    answer = requests.get(
        f"{base}statements",
        params={"statementId": statement_id},
        auth=(USERNAME, PASSWORD),
        headers={"X-Experience-API-Version": "2.0.0"},
        timeout=5,
    )
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    body = answer.json()
    return body.get("statements", [body])[0] if "statements" in body else body
