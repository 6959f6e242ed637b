"""What the live-room benchmarks share: a throwaway database, seeded rooms, cookies, servers.

Everything here talks only to 127.0.0.1 and cleans up after itself: the PostgreSQL database is
dropped, servers are stopped, and the Redis database handed out is emptied again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import itsdangerous
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import accounts, case_store  # noqa: E402
from simulator.db import Database  # noqa: E402
from simulator.demo import deal_roles  # noqa: E402
from simulator.models import (  # noqa: E402
    Account,
    Breakout,
    BreakoutStatus,
    Cohort,
    Person,
    Role,
    Seat,
)
from simulator.timeutil import utcnow  # noqa: E402
from web.app import SESSION_COOKIE  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_BASE = "redis://127.0.0.1:6379"
REDIS_DBS = (14, 13, 12, 11)  # the tests use /15
CASE_ID = "late-night-bakery"
RUBRICS = {"core-mediation-skills"}
CLK_TCK = os.sysconf("SC_CLK_TCK")
GCWATCH = ROOT / "bench" / "_gcwatch.py"
RELAY = ROOT / "bench" / "_relay.py"


@dataclass(frozen=True)
class Room:
    """A live session and its seated trainees, in seat order (the mediator first)."""

    session_id: int
    people: list[int]


@contextlib.contextmanager
def temp_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database with the case library; dropped afterwards."""
    name = f"msim_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        db = Database(url)
        try:
            db.upgrade()
            with db.session() as session:
                case_store.sync_bundled_cases(session, rubric_ids=RUBRICS)
        finally:
            db.dispose()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_rooms(url: str, sizes: list[int]) -> list[Room]:
    """One live session (started 5 minutes ago) per size, each with its own new trainees."""
    password_hash = accounts.hash_password(secrets.token_urlsafe(16))  # one hash for everyone
    db = Database(url)
    try:
        with db.session() as session:
            cohort = Cohort(name="Benchmark cohort")
            session.add(cohort)
            version = case_store.latest_version(session, CASE_ID)
            people = [
                Person(email=f"bench{n}@bench.test", name=f"Bench {n}", role=Role.TRAINEE)
                for n in range(sum(sizes))
            ]
            session.add_all(people)
            session.flush()
            session.add_all(Account(person_id=p.id, password_hash=password_hash) for p in people)
            breakouts = [
                Breakout(
                    cohort_id=cohort.id,
                    start=utcnow() - timedelta(minutes=5),
                    duration_minutes=60,
                    case_version_id=version.id,
                    status=BreakoutStatus.PUBLISHED,
                )
                for _ in sizes
            ]
            session.add_all(breakouts)
            session.flush()
            rooms, taken = [], 0
            for breakout, size in zip(breakouts, sizes, strict=True):
                group = people[taken : taken + size]
                taken += size
                for person, role_id in zip(group, deal_roles(version, size), strict=True):
                    session.add(Seat(breakout_id=breakout.id, person_id=person.id, role_id=role_id))
                rooms.append(Room(breakout.id, [p.id for p in group]))
            return rooms
    finally:
        db.dispose()


def mint_cookie(secret_key: str, person_id: int, epoch: int = 1) -> str:
    """The session cookie value the app's SessionMiddleware would set after a login."""
    data = base64.b64encode(json.dumps({"uid": person_id, "epoch": epoch}).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(data).decode()


def cookie_header(secret_key: str, person_id: int) -> str:
    return f"{SESSION_COOKIE}={mint_cookie(secret_key, person_id)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_db() -> Iterator[str]:
    """The URL of an empty Redis database of our own; emptied again afterwards."""
    for number in REDIS_DBS:
        client = redis.Redis.from_url(f"{REDIS_BASE}/{number}")
        try:
            if client.dbsize() == 0:
                break
        finally:
            client.close()
    else:
        raise SystemExit(f"Redis databases {REDIS_DBS} are all in use; empty one of them.")
    url = f"{REDIS_BASE}/{number}"
    try:
        yield url
    finally:
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


def redis_cpu_seconds(url: str) -> float:
    """CPU time the Redis server has used so far (user + system)."""
    client = redis.Redis.from_url(url)
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (all CPUs), to see what else was running."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def _processes() -> Iterator[tuple[Path, list[str], float]]:
    """Every process: its /proc folder, its stat fields after the name, its CPU seconds."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                yield entry, fields, (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_by_kind() -> dict[int, tuple[str, float]]:
    """Every process: what it is (a Chromium process by its type, the server, the database...)
    and the CPU seconds it has used. Chromium's renderers exit with their pages, so read this
    before closing them."""
    table = {}
    for entry, _, seconds in _processes():
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            table[int(entry.name)] = (_kind(argv), seconds)
    return table


def _kind(argv: list[bytes]) -> str:
    line = b" ".join(argv).decode(errors="replace")
    if "chromium" in line or "chrome" in line:
        for flag, kind in (
            ("--type=renderer", "Chromium renderers"),
            ("--type=gpu-process", "Chromium GPU (compositing)"),
            ("--type=utility", "Chromium audio, network, capture"),
            ("--type=zygote", "Chromium other"),
        ):
            if flag in line:
                return kind
        return "Chromium browser process"
    if "postgres" in line:
        return "PostgreSQL"
    if "simulator" in line and "serve" in line:
        return "server"
    if "playwright" in line or "node" in argv[0].decode(errors="replace"):
        return "Playwright"
    return "other"


def cpu_used(before: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds each kind of process used since `before` (processes born since count whole)."""
    used: dict[str, float] = {}
    for pid, (kind, seconds) in cpu_by_kind().items():
        used[kind] = used.get(kind, 0.0) + seconds - before.get(pid, (kind, 0.0))[1]
    return used


def _process_table() -> dict[int, tuple[int, float]]:
    """Every process: its parent and the CPU seconds it has used."""
    return {int(entry.name): (int(fields[1]), seconds) for entry, fields, seconds in _processes()}


def _outsiders(table: dict[int, tuple[int, float]]) -> dict[int, float]:
    """CPU seconds of processes that are neither this one nor its descendants."""
    ours = {os.getpid()}
    changed = True
    while changed:
        extra = {pid for pid, (parent, _) in table.items() if parent in ours} - ours
        ours |= extra
        changed = bool(extra)
    return {pid: cpu for pid, (_, cpu) in table.items() if pid not in ours}


class OtherLoad:
    """How much CPU the machine's other processes took while we measured (it skews timings)."""

    def __init__(self) -> None:
        self.start = _outsiders(_process_table())
        self.started = time.perf_counter()

    def percent(self) -> float:
        """Their CPU use since the start, in percent of one CPU."""
        now = _outsiders(_process_table())
        used = sum(cpu - self.start.get(pid, 0.0) for pid, cpu in now.items())
        return 100 * used / (time.perf_counter() - self.started)


class CpuQuota:
    """A cgroup that lets its processes use at most `share` of one CPU (CFS bandwidth control).

    Two workers with a quota each, beside one worker with the same quota, compare like machines
    with a core per worker, which this 2-core machine (one core for the load generator) cannot
    give otherwise. Needs a writable cgroup v1 `cpu` or v2 hierarchy (root in a container).
    """

    V1 = Path("/sys/fs/cgroup/cpu")
    V2 = Path("/sys/fs/cgroup")
    PERIOD_US = 20_000  # short periods: a throttled worker waits at most ~11 ms, not ~55

    def __init__(self, name: str, share: float) -> None:
        self.share = share
        self.path = self._root() / f"msim-bench-{os.getpid()}-{name}"
        self.path.mkdir()
        quota = int(share * self.PERIOD_US)
        if (self.path / "cpu.max").exists():
            (self.path / "cpu.max").write_text(f"{quota} {self.PERIOD_US}")
        else:
            (self.path / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))

    @classmethod
    def _root(cls) -> Path:
        if (cls.V1 / "cpu.cfs_quota_us").exists():
            return cls.V1
        return cls.V2

    @classmethod
    def available(cls) -> str:
        """'' if quotas can be set here, else why not."""
        try:
            probe = cls("probe", 0.5)
        except OSError as exc:
            return f"no writable cgroup cpu controller ({exc.strerror})"
        probe.remove()
        return ""

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Move any process left back to the root group, then delete the group."""
        with contextlib.suppress(OSError):
            for pid in (self.path / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    (self.path.parent / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            self.path.rmdir()


class DelayProxy:
    """A TCP proxy on a free loopback port that holds every chunk back half a round trip in each
    direction, and a new connection a whole round trip before its first byte (TCP's handshake):
    a server across the world from its users. Only traffic through the proxy pays (HTTP and the
    signaling socket), not the media between browsers nor the server's database. Runs in the
    caller's event loop."""

    def __init__(self, target_port: int, rtt_ms: float) -> None:
        self.target, self.one_way = target_port, rtt_ms / 2000
        self.server: asyncio.Server | None = None
        self.base = ""

    async def __aenter__(self) -> DelayProxy:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.base = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        await asyncio.sleep(2 * self.one_way)  # SYN out and SYN-ACK back before the request
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward in order, each chunk `one_way` seconds after it arrived."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def forward() -> None:
            with contextlib.suppress(OSError):
                while (item := await queue.get()) is not None:
                    due, data = item
                    if (wait := due - loop.time()) > 0:
                        await asyncio.sleep(wait)
                    writer.write(data)
                    await writer.drain()
            writer.close()

        sender = asyncio.create_task(forward())
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + self.one_way, data))
        queue.put_nowait(None)
        await sender


class Process:
    """A server in a child process on a loopback port, optionally pinned to some CPUs and
    held to a CPU quota."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        """`argv` is a Python program's arguments; it runs with its collections timed."""
        self.name, self.env, self.port = name, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.log, self.gc_log = _temp_file(f"bench-{name}-"), _temp_file(f"bench-{name}-gc-")
        self.argv = [sys.executable, str(GCWATCH), str(self.gc_log), *argv]
        self.proc: subprocess.Popen | None = None
        self.quota: CpuQuota | None = None

    def start(
        self, cpus: str | None = None, health: str = "/healthz", quota: float = 0.0
    ) -> Process:
        pin = ["taskset", "-c", cpus] if cpus else []
        with self.log.open("ab") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                [*pin, *self.argv],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if quota:
            self.quota = CpuQuota(self.name, quota)
            self.quota.add(self.proc.pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base + health, timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer in 30 s:\n{self.output()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> str:
        """Stop gracefully (SIGINT), kill if that takes too long; return the log and delete it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.quota is not None:
            self.quota.remove()
            self.quota = None
        text = self.output()
        self.log.unlink(missing_ok=True)
        self.gc_log.unlink(missing_ok=True)
        return text


def app_server(name: str, database_url: str, secret_key: str, redis_url: str = "") -> Process:
    """`mediation-sim serve` (one uvicorn worker, as deployed) on a free port."""
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "REDIS_URL": redis_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    return Process(name, ["-m", "simulator", "serve", "--port", str(port)], env, port)


def relay_server() -> Process:
    """The bare relay (bench/_relay.py) on a free port."""
    port = free_port()
    return Process("relay", [str(RELAY), "--port", str(port)], {}, port)


def gc_pauses(path: str, since: float, until: float) -> list[tuple[float, int, float]]:
    """(unix time, generation, pause ms) of the collections a server logged in a time window."""
    pauses = []
    for line in Path(path).read_text().splitlines():
        stamp, generation, pause, _ = line.split()
        if since <= float(stamp) <= until:
            pauses.append((float(stamp), int(generation), float(pause)))
    return pauses


def _temp_file(prefix: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".log")
    os.close(handle)
    return Path(path)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
