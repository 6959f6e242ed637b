"""Benchmark of the server's own WebRTC peers: CPU of the server process per connection check.

    python bench/rtc.py                      # 1, 2, 3 and 4 concurrent echo checks, 15 s each
    python bench/rtc.py --checks 1 2 --seconds 10
    python bench/rtc.py --audio-only         # checks from browsers without a camera
    python bench/rtc.py --checks 1 --recorded 1 2 4 8   # the recorder, by people recorded

`mediation-sim serve` (one worker, SQLite in a temporary folder) runs pinned to CPU 1; the clients
run in this process, pinned to CPU 0, so they do not take the server's CPU. Each client is an aiortc
peer that does what check.js does in a browser: it loads /check, posts an offer to /check/offer
and sends a 48 kHz tone and a moving 640x360 picture at 24 frames/s (what the room asks cameras
for). The server's echo peer decodes both and encodes them back.

For each load the server's CPU time (user + system, from /proc) is measured over a window that
starts once media flows both ways and has settled (`--settle` seconds), and divided by the number
of checks; the idle row is the server with nothing to do. "back" columns are what the clients
received per check: seconds of audio and video frames per second. If those fall, the clients
(or the server) could not keep up, and the CPU figures of that row understate the cost. "others"
is the CPU the rest of the machine used meanwhile, which skews the figures when it is high.

Another server-side peer (the recorder) fits in as another `Load`: an async context manager that
brings N units up and reports what the clients received; `measure` does the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _setup  # noqa: E402
import httpx  # noqa: E402
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402

from simulator.db import Database  # noqa: E402
from simulator.models import Account, Person, Role  # noqa: E402
from web.rtc.peer import rtc_configuration  # noqa: E402
from web.rtc.tone import PatternTrack, ToneTrack  # noqa: E402

SERVER_CPU, CLIENT_CPU = "1", 0


@dataclass
class Received:
    """What the clients of one load got back, counted from `mark()` on."""

    audio_samples: int = 0
    video_frames: int = 0
    since: float = field(default_factory=time.monotonic)

    def mark(self) -> None:
        self.audio_samples, self.video_frames, self.since = 0, 0, time.monotonic()


# A load: given the server, the people it may use and a count, an async context manager that is
# up (media flowing) when entered and yields the client-side counters.
Load = Callable[["_setup.Process", list[int], int], AbstractAsyncContextManager[Received]]


@dataclass(frozen=True)
class Row:
    load: str
    count: int
    seconds: float
    server_cpu: float  # percent of one CPU
    client_cpu: float
    others_cpu: float
    audio_back: float  # seconds of audio per second, per unit
    video_back: float  # frames per second, per unit

    @property
    def per_unit(self) -> float:
        return self.server_cpu / self.count if self.count else float("nan")


def seed_people(url: str, count: int) -> list[int]:
    """Trainees who can be logged in by a minted cookie (no password needed)."""
    db = Database(url)
    try:
        db.upgrade()
        with db.session() as session:
            people = [
                Person(email=f"rtc{n}@bench.test", name=f"Bench {n}", role=Role.TRAINEE)
                for n in range(count)
            ]
            session.add_all(people)
            session.flush()
            session.add_all(Account(person_id=p.id, password_hash="-") for p in people)
            return [p.id for p in people if p.id is not None]
    finally:
        db.dispose()


async def _listen(track: Any, received: Received) -> None:
    with contextlib.suppress(Exception):
        while True:
            frame = await track.recv()
            if track.kind == "audio":
                received.audio_samples += frame.samples
            else:
                received.video_frames += 1


async def _echo_client(
    base: str, secret: str, person_id: int, video: bool, received: Received
) -> tuple[RTCPeerConnection, list[asyncio.Task[None]]]:
    """One connection check as check.js runs it, up to media coming back."""
    cookies = {_setup.SESSION_COOKIE: _setup.mint_cookie(secret, person_id)}
    async with httpx.AsyncClient(base_url=base, cookies=cookies) as client:  # keeps the CSRF update
        page = await client.get("/check")
        token = re.search(r'data-csrf="([^"]+)"', page.text)
        assert token, f"/check answered {page.status_code} without a CSRF token"
        pc = RTCPeerConnection(rtc_configuration([]))
        pc.addTrack(ToneTrack(523.0))
        if video:
            pc.addTrack(PatternTrack(640, 360, 24))
        tasks: list[asyncio.Task[None]] = []
        pc.on("track", lambda track: tasks.append(asyncio.create_task(_listen(track, received))))
        await pc.setLocalDescription(await pc.createOffer())
        response = await client.post(
            "/check/offer",
            json={"type": "offer", "sdp": pc.localDescription.sdp},
            headers={"X-CSRF-Token": token.group(1), "Accept": "application/json"},
        )
        response.raise_for_status()
        answer = response.json()
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return pc, tasks


def echo_checks(video: bool, secret: str) -> Load:
    """N concurrent connection checks against the server's echo peers."""

    @contextlib.asynccontextmanager
    async def load(
        server: _setup.Process, people: list[int], count: int
    ) -> AsyncIterator[Received]:
        received = Received()
        clients = await asyncio.gather(
            *(_echo_client(server.base, secret, people[i], video, received) for i in range(count))
        )
        try:
            deadline = time.monotonic() + 15
            while received.audio_samples < count * 48_000 // 2:  # half a second back each
                if time.monotonic() > deadline:
                    raise RuntimeError(f"echo media did not flow: {received}")
                await asyncio.sleep(0.1)
            yield received
        finally:
            for pc, tasks in clients:
                for task in tasks:
                    task.cancel()
                await pc.close()
            await asyncio.sleep(0.5)  # let the server see the peers go

    return load


async def measure(
    name: str, load: Load | None, server: _setup.Process, people: list[int], count: int, args: Any
) -> Row:
    """Bring `count` units of a load up, let it settle, and time the server's CPU over a window."""

    async def window(received: Received) -> Row:
        await asyncio.sleep(args.settle)
        received.mark()
        others = _setup.OtherLoad()
        server_before, client_before = (
            _setup.cpu_seconds(server.pid),
            _setup.cpu_seconds(os.getpid()),
        )
        started = time.monotonic()
        await asyncio.sleep(args.seconds)
        elapsed = time.monotonic() - started
        server_cpu = 100 * (_setup.cpu_seconds(server.pid) - server_before) / elapsed
        client_cpu = 100 * (_setup.cpu_seconds(os.getpid()) - client_before) / elapsed
        span = time.monotonic() - received.since
        per = max(count, 1)
        return Row(
            name,
            count,
            elapsed,
            server_cpu,
            client_cpu,
            others.percent(),
            received.audio_samples / 48_000 / span / per,
            received.video_frames / span / per,
        )

    if load is None:
        return await window(Received())
    async with load(server, people, count) as received:
        return await window(received)


def print_table(rows: list[Row]) -> None:
    headers = (
        "load",
        "n",
        "server CPU",
        "per unit",
        "clients CPU",
        "others",
        "audio back",
        "video back",
    )
    body = [
        (
            r.load,
            str(r.count),
            f"{r.server_cpu:.1f}%",
            "-" if not r.count else f"{r.per_unit:.1f}%",
            f"{r.client_cpu:.1f}%",
            f"{r.others_cpu:.1f}%",
            "-" if not r.count else f"{r.audio_back:.2f} s/s",
            "-" if not r.count else f"{r.video_back:.1f} fps",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    print(
        "  ".join(
            h.rjust(w) if i else h.ljust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    )
    for b in body:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(b, widths, strict=True))
            )
        )


async def main_async(args: argparse.Namespace) -> None:
    secret = _setup.new_secret()
    with tempfile.TemporaryDirectory(prefix="bench-rtc-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        people = seed_people(url, max(args.checks))
        server = _setup.app_server("rtc", url, secret)
        server.env["RTC_MAX_ECHO"] = str(max(args.checks))
        server.start(cpus=SERVER_CPU)
        os.sched_setaffinity(0, {CLIENT_CPU})
        try:
            kind = "audio" if args.audio_only else "audio+video"
            print(
                f"server pid {server.pid} on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU}; {kind}"
            )
            print(f"window {args.seconds:g} s after {args.settle:g} s settling\n")
            rows = [await measure("idle", None, server, people, 0, args)]
            echo = echo_checks(video=not args.audio_only, secret=secret)
            for count in args.checks:
                rows.append(await measure("echo check", echo, server, people, count, args))
            print_table(rows)
            if args.recorded:
                print()
                await recordings(args.recorded, args.seconds, Path(folder))
        finally:
            output = server.stop()
            if "Traceback" in output:
                print("\nserver log:\n" + output[-4000:])


async def recordings(sizes: list[int], seconds: float, folder: Path) -> None:
    """CPU of the recorder per recorded person: one recording of N tone senders at a time."""
    from web.rtc.recorder import measure_recording

    print("recording  people  recorder CPU  per person  file kbit/s  audio in file")
    for count in sizes:
        tones = [220.0 + 110.0 * i for i in range(count)]
        figures = await measure_recording(folder / f"rec-{count}.webm", tones, seconds)
        total = figures.cpu_seconds / seconds * 100
        print(
            f"{'':9}  {count:6}  {total:11.1f}%  {figures.cpu_percent_per_participant:9.1f}%"
            f"  {figures.bytes * 8 / 1000 / max(figures.duration, 0.001):11.1f}"
            f"  {figures.duration:11.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checks", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--seconds", type=float, default=15.0, help="measurement window")
    parser.add_argument("--settle", type=float, default=3.0, help="wait after media flows")
    parser.add_argument("--audio-only", action="store_true")
    parser.add_argument(
        "--recorded",
        type=int,
        nargs="*",
        default=[1, 2, 4, 8],
        help="people per recording to measure the recorder with (none: skip)",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
