"""Helpers the tests import: logging in through the real form, reading CSRF tokens."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

import simulator

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log in afresh through the real form, as a browser would."""
    client.cookies.clear()
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Poll /healthz until the server answers; fail with its output if it dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{stop(proc)}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server at {base_url} did not become healthy in {timeout} s")


def stop(proc: subprocess.Popen) -> str:
    """Stop a server gracefully and return what it printed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output or ""


def server_env(**extra: str) -> dict[str, str]:
    """The environment for a child process that imports the same code as these tests."""
    source_root = str(Path(simulator.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": source_root, **extra}


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the installed `mediation-sim` command, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=cwd,
        env=server_env(**(env or {})),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
