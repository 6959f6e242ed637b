"""Helpers the tests import: logging in through the real form, reading CSRF tokens."""

from __future__ import annotations

import asyncio
import json
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


class Server:
    """`mediation-sim serve` in a child process on a free loopback port."""

    def __init__(
        self,
        database_url: str,
        secret_key: str,
        redis_url: str = "",
        port: int | None = None,
        workers: int = 1,
    ) -> None:
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = server_env(
            DATABASE_URL=database_url,
            SECRET_KEY=secret_key,
            REDIS_URL=redis_url,
            BASE_URL=self.base,
        )
        self.proc: subprocess.Popen | None = None
        self.output = ""

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "simulator", "serve"),
                *("--port", str(self.port), "--workers", str(self.workers)),
            ],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for_health(self.base, self.proc)
        return self

    def stop(self) -> str:
        if self.proc is not None:
            self.output += stop(self.proc)
            self.proc = None
        return self.output

    def kill(self) -> None:
        """Die without a goodbye, as a crashed worker does."""
        assert self.proc is not None
        self.proc.kill()
        self.output += self.proc.communicate()[0] or ""
        self.proc = None


async def session_cookie(base: str, email: str, password: str = PASSWORD) -> str:
    """Log in over HTTP and return the Cookie header a websocket client sends."""
    async with httpx.AsyncClient(base_url=base) as client:
        response = await log_in(client, email, password)
        assert response.status_code == 303, response.text[:500]
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


class RoomClient:
    """A scripted websocket participant speaking the room protocol."""

    def __init__(self, ws) -> None:  # noqa: ANN001
        self.ws = ws
        self.frames: list[dict] = []

    @classmethod
    async def join(
        cls, base: str, session_id: int, cookie: str, tab: str = "t", origin: str | None = None
    ) -> RoomClient:
        from websockets.asyncio.client import connect

        url = base.replace("http://", "ws://") + f"/sessions/{session_id}/ws?tab={tab}"
        headers = {"Cookie": cookie} if cookie else {}
        ws = await connect(url, additional_headers=headers, origin=origin or base, open_timeout=10)
        return cls(ws)

    async def send(self, message: dict | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def next(self, kind: str, timeout: float = 5, where=None) -> dict:  # noqa: ANN001
        """The next frame of a kind (optionally matching `where`), skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {kind!r} frame in {timeout} s; saw {[f['type'] for f in self.frames[-10:]]}"
                )
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            self.frames.append(frame)
            if frame["type"] == kind and (where is None or where(frame)):
                return frame

    async def close(self) -> None:
        await self.ws.close()
