"""Benchmark of the live-room signaling websocket: joins, relay latency, throughput, memory.

    python bench/signaling.py                    # 2,000 participants, every configuration
    python bench/signaling.py --quick            # a smoke run (well under a minute)
    python bench/signaling.py --participants 800 --workers 1

Real `websockets` clients in rooms of 4 join, negotiate (offer, answer and ICE candidates between
every pair, with synthetic SDP) and then keep up steady traffic: every client sends a `signal` to a
random room-mate every --interval seconds, carrying its send time, and now and then a
`media.state`, `quality.report` or `chat.send`. Relay latency is send to receipt at the target
client. Rooms negotiate --negotiate-rooms at a time. Saturation is a closed loop: --senders
clients (every one but the first room's, by default) each keep one signal in flight and send the
next as soon as it arrives; spread over that many senders, each stays under the server's
per-socket limit of 60 frames/s, so the server's CPU, not its rate limit, sets the pace.
Configurations, each measured in this run:

  bare      a bare Starlette relay (bench/_relay.py): the ceiling
  1w        `mediation-sim serve`, one worker (MemoryHub, PostgreSQL)
  2w        two `mediation-sim serve` processes sharing Redis; each room is split across them
  2w/1cpu   the same two workers confined to one CPU: the same CPU budget as 1w
  2w/whole  two workers, but each room entirely on one of them (what routing by room gives)
  1w/quota, 2w/quota, 2w/whole/quota
            the same, every worker held to --quota of a CPU by a cgroup (all on CPU 0, the load
            generator on CPU 1): two workers against one with the same CPU each, measured
            directly, as on a machine with a core per worker (skipped, saying why, where
            cgroups are not writable)

The load generator runs in its own process. On this 2-core machine, servers sit on CPU 0 and the
load generator on CPU 1 (taskset), except `2w` and `2w/whole`, whose workers get one CPU each
while the load generator and Redis float. "server CPU per msg" (all server processes, Redis
shown apart) does not depend on who shares a core, and gives the projections below the table.
Other processes' CPU use is shown: figures taken while the machine was busy are not worth much.
Servers run under bench/_gcwatch.py, which logs their garbage-collection pauses; the load
generator watches its own event-loop lag, so a latency tail can be pinned on the right process.
--profile DIR writes py-spy profiles of the servers (joins, saturation); it perturbs the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _setup  # noqa: E402
from _loadgen import others  # noqa: E402

NEW_RECORD = re.compile(r"^(\d{4}-|INFO:|WARNING:|ERROR:|DEBUG:|CRITICAL:)")
LOADGEN = Path(__file__).resolve().parent / "_loadgen.py"


@dataclass(frozen=True)
class Layout:
    """Where each process of a configuration runs."""

    name: str
    workers: int  # 0: the bare relay
    server_cpus: tuple[str, ...]
    loadgen_cpus: str | None
    split: bool = True  # a room's people on different workers (else each room on one worker)
    quota: bool = False  # each worker held to --quota of a CPU


LAYOUTS = {
    "bare": Layout("bare", 0, ("0",), "1"),
    "1w": Layout("1w", 1, ("0",), "1"),
    "2w": Layout("2w", 2, ("0", "1"), None),
    "2w/1cpu": Layout("2w/1cpu", 2, ("0", "0"), "1"),
    "2w/whole": Layout("2w/whole", 2, ("0", "1"), None, split=False),
    "1w/quota": Layout("1w/quota", 1, ("0",), "1", quota=True),
    "2w/quota": Layout("2w/quota", 2, ("0", "0"), "1", quota=True),
    "2w/whole/quota": Layout("2w/whole/quota", 2, ("0", "0"), "1", split=False, quota=True),
}
QUOTA_LAYOUTS = ["1w/quota", "2w/quota", "2w/whole/quota"]


def loadgen_config(
    layout: Layout,
    servers: list[_setup.Process],
    secret: str,
    rooms: list[_setup.Room],
    redis_url: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    def member(room: int, seat: int, person: int, size: int) -> dict[str, Any]:
        if layout.split:  # a room's first half on the first worker, the rest on the second
            server = servers[seat * len(servers) // size]
        else:
            server = servers[room % len(servers)]
        cookie = {} if layout.workers == 0 else {"Cookie": _setup.cookie_header(secret, person)}
        return {"id": person, "url": server.base.replace("http://", "ws://"), "headers": cookie}

    return {
        "name": layout.name,
        "kind": "bare" if layout.workers == 0 else "app",
        "rooms": [
            {
                "session_id": room.session_id,
                "members": [member(r, i, p, len(room.people)) for i, p in enumerate(room.people)],
            }
            for r, room in enumerate(rooms)
        ],
        "server_pids": [s.pid for s in servers],
        "gc_logs": [str(s.gc_log) for s in servers],
        "redis_url": redis_url,
        "deflate": not args.no_deflate,
        "join_concurrency": args.join_concurrency,
        "interval": args.interval,
        "chatter_interval": args.chatter_interval,
        "steady_seconds": args.steady_seconds,
        "saturation_warm": 1.0 if args.quick else 2.0,
        "settle": 0.4 if args.quick else 2.0,
        "sat_seconds": args.saturation_seconds,
        "senders": args.senders,
        "negotiate_rooms": args.negotiate_rooms,
        "profile": args.profile,
    }


def run_layout(
    layout: Layout,
    database_url: str,
    secret: str,
    rooms: list[_setup.Room],
    args: argparse.Namespace,
) -> dict[str, Any]:
    print(f"- {layout.name}: starting servers", file=sys.stderr, flush=True)
    redis = _setup.redis_db() if layout.workers == 2 else contextlib.nullcontext("")
    with redis as redis_url:
        servers: list[_setup.Process] = []
        try:
            for index, cpus in enumerate(layout.server_cpus):
                if layout.workers == 0:
                    server = _setup.relay_server()
                else:
                    server = _setup.app_server(f"worker{index}", database_url, secret, redis_url)
                servers.append(server.start(cpus, quota=args.quota if layout.quota else 0.0))
            config = loadgen_config(layout, servers, secret, rooms, redis_url, args)
            pin = ["taskset", "-c", layout.loadgen_cpus] if layout.loadgen_cpus else []
            budget = 120 + len(rooms) * 0.2 + args.steady_seconds + args.saturation_seconds
            done = subprocess.run(
                [*pin, sys.executable, str(LOADGEN)],
                input=json.dumps(config),
                stdout=subprocess.PIPE,
                text=True,
                timeout=budget,
            )
            if done.returncode != 0:
                raise RuntimeError(f"the load generator failed ({done.returncode})")
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            logs = [server.stop() for server in servers]  # before the Redis database is emptied
    result["log_problems"] = log_problems(logs)
    return result


def log_problems(logs: list[str]) -> list[str]:
    """Each warning or error the servers logged, with the exception that followed it."""
    problems = []
    for log in logs:
        lines = log.splitlines()
        for index, line in enumerate(lines):
            ours = " WARNING " in line or " ERROR " in line  # the app's logging format
            uvicorn = line.startswith(("WARNING:", "ERROR:"))
            if not ours and not uvicorn:
                continue
            block = lines[index + 1 :]
            end = next((i for i, nxt in enumerate(block) if NEW_RECORD.match(nxt)), len(block))
            problems.append(line + (f" -> {block[end - 1].strip()}" if end else ""))
    return problems


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def print_table(results: dict[str, dict[str, Any]], participants: int, quota: float) -> None:
    names = list(results)
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fn: Any) -> None:
        rows.append((label, [fn(results[name]) for name in names]))

    row("participants", lambda r: _fmt(r["participants"]))
    row("joins / s", lambda r: _fmt(r["joins_per_s"]))
    row("join p50 / p95 (ms)", lambda r: f"{r['join_p50'] * 1000:.0f} / {r['join_p95'] * 1000:.0f}")
    row("server CPU per join (ms)", lambda r: _fmt(r["join_cpu_ms"], 2))
    row(
        "room negotiation p50 / p95 (ms)",
        lambda r: f"{r['negotiate_p50'] * 1000:.0f} / {r['negotiate_p95'] * 1000:.0f}",
    )
    row("steady signals / s", lambda r: _fmt(r["steady_msgs_per_s"]))
    row("steady chatter msgs / s", lambda r: _fmt(r["chatter_per_s"]))
    row("steady server CPU %", lambda r: _fmt(r["steady_server_cpu_pct"]))
    row("steady other processes' CPU %", lambda r: _fmt(r["steady_other_cpu_pct"]))
    row("relay latency p50 (ms)", lambda r: _fmt(r["lat_p50"], 2))
    row("relay latency p95 (ms)", lambda r: _fmt(r["lat_p95"], 2))
    row("relay latency p99 (ms)", lambda r: _fmt(r["lat_p99"], 2))
    row("relay latency max (ms)", lambda r: _fmt(r["lat_max"], 1))
    row(
        "  load gen loop lag p99 / max (ms)",
        lambda r: f"{r['loop_lag_p99']:.1f} / {r['loop_lag_max']:.1f}",
    )
    row("  load gen GC pause max (ms)", lambda r: _fmt(r["gc_pause_max"], 1))
    row(
        "  server GC: full collections, max ms (at s)",
        lambda r: (
            f"{r['server_gc_full']}, {r['server_gc_max']:.0f}"
            + (f" ({r['server_gc_worst_at']:.0f})" if r["server_gc_worst_at"] is not None else "")
        ),
    )
    row(
        "  worst second: at s, max ms, # > 10 ms",
        lambda r: "{}: {:.0f}, {}".format(*r["worst_seconds"][0]) if r["worst_seconds"] else "-",
    )
    row("saturation msgs / s", lambda r: _fmt(r["saturation"]["msgs_per_s"]))
    row("  server CPU % (sum)", lambda r: _fmt(_cpu_pct(r, "servers")))
    row("  load generator CPU %", lambda r: _fmt(_cpu_pct(r, "loadgen")))
    row("  other processes' CPU %", lambda r: _fmt(100 * others(_cpu(r)) / _cpu(r)["t"]))
    row("  Redis CPU %", lambda r: _fmt(_cpu_pct(r, "redis")) if "redis" in _cpu(r) else "-")
    row("  server CPU per msg (us)", lambda r: _fmt(_us_per_msg(r, "servers"), 1))
    row(
        "  Redis CPU per msg (us)",
        lambda r: _fmt(_us_per_msg(r, "redis"), 1) if "redis" in _cpu(r) else "-",
    )
    row(
        "server RSS warm / joined (MiB)",
        lambda r: f"{r['rss_warm_kib'] / 1024:.0f} / {r['rss_joined_kib'] / 1024:.0f}",
    )
    row("RSS per connection, joined (KiB)", lambda r: _fmt(r["kib_per_conn"], 1))
    row("RSS per connection, after load (KiB)", lambda r: _fmt(r["kib_per_conn_after"], 1))
    row("error frames", lambda r: ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "0")
    row("stale state frames (older than seen)", lambda r: _fmt(r["frames"].get("stale_state", 0)))
    row("sockets closed early", lambda r: _fmt(r["closed_early"]))
    row("server log warnings + errors", lambda r: _fmt(len(r["log_problems"])))
    width = max(len(label) for label, _ in rows)
    cols = [max(len(name), *(len(values[i]) for _, values in rows)) for i, name in enumerate(names)]
    print()
    print(f"{'':<{width}}  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, cols, strict=True)))
    for label, values in rows:
        print(
            f"{label:<{width}}  "
            + "  ".join(f"{v:>{w}}" for v, w in zip(values, cols, strict=True))
        )
    for name, result in results.items():
        for line in Counter(_no_stamp(p) for p in result["log_problems"]).most_common(4):
            print(f"  {name} log ({line[1]}x): {line[0][:200]}")
    print_targets(results, participants, quota)


def _no_stamp(problem: str) -> str:
    return problem[24:] if problem[:2] == "20" else problem


def _cpu(result: dict[str, Any]) -> dict[str, float]:
    return result["saturation"]["cpu"]


def _cpu_pct(result: dict[str, Any], who: str) -> float:
    return 100 * _cpu(result)[who] / _cpu(result)["t"]


def _us_per_msg(result: dict[str, Any], who: str) -> float:
    return 1e6 * _cpu(result)[who] / max(1, result["saturation"]["delivered"])


def print_targets(results: dict[str, dict[str, Any]], participants: int, quota: float) -> None:
    """The issue's targets, measured and (for CPU-bound ones) projected from CPU per message."""
    print()
    one, bare, two = results.get("1w"), results.get("bare"), results.get("2w")
    if one and bare:
        measured = one["saturation"]["msgs_per_s"] / bare["saturation"]["msgs_per_s"]
        per_cpu = _us_per_msg(bare, "servers") / _us_per_msg(one, "servers")
        print(
            f"1w / bare throughput: {measured:.0%} measured, {per_cpu:.0%} per server CPU "
            f"(target >= 25%): {'met' if min(measured, per_cpu) >= 0.25 else 'MISSED'}"
        )
    if one:
        if one["participants"] < 2000:
            verdict = "not judged: fewer than 2,000 participants"
        else:
            verdict = "met" if one["lat_p99"] < 10 else "MISSED"
        print(
            f"1w with {one['participants']} participants: relay p99 {one['lat_p99']:.2f} ms "
            f"(target < 10 ms at 2,000): {verdict}"
        )
    if one and two:
        measured = two["saturation"]["msgs_per_s"] / one["saturation"]["msgs_per_s"]
        projected = 2 * _us_per_msg(one, "servers") / _us_per_msg(two, "servers")
        print(
            f"2w / 1w throughput: {measured:.2f}x measured on 2 shared cores; {projected:.2f}x "
            "projected with a core per worker (2 x 1/CPU-per-msg, Redis on its own core) "
            f"(target >= 1.6x): {'met' if projected >= 1.6 else 'MISSED'}"
        )
    one_q = results.get("1w/quota")
    for name in ("2w/quota", "2w/whole/quota"):
        if one_q and name in results:
            ratio = results[name]["saturation"]["msgs_per_s"] / one_q["saturation"]["msgs_per_s"]
            print(
                f"{name} / 1w/quota throughput: {ratio:.2f}x measured, every worker held to "
                f"{quota:.0%} of a CPU (target >= 1.6x): "
                f"{'met' if ratio >= 1.6 else 'MISSED'}"
            )
    if "2w/1cpu" in results and one:
        same = results["2w/1cpu"]["saturation"]["msgs_per_s"] / one["saturation"]["msgs_per_s"]
        print(f"2w on one CPU / 1w on one CPU: {same:.2f}x (the cost of routing through Redis)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, a smoke run")
    parser.add_argument("--participants", type=int, default=2000, help="rounded to rooms of 4")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="server configurations to run: 1 (one worker), 2 (two workers through Redis)",
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare relay ceiling")
    parser.add_argument("--only", default="", help=f"run just these of {', '.join(LAYOUTS)}")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between signals")
    parser.add_argument(
        "--chatter-interval", type=float, default=30.0, help="mean seconds between state messages"
    )
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--saturation-seconds", type=float, default=10.0)
    parser.add_argument(
        "--senders",
        type=int,
        default=0,
        help="clients keeping a signal in flight at saturation (0: all but the first room)",
    )
    parser.add_argument(
        "--quota",
        type=float,
        default=0.45,
        help="share of a CPU each worker of the */quota configurations may use",
    )
    parser.add_argument(
        "--negotiate-rooms", type=int, default=25, help="rooms negotiating at once (0: all)"
    )
    parser.add_argument("--join-concurrency", type=int, default=50)
    parser.add_argument("--no-deflate", action="store_true", help="clients refuse compression")
    parser.add_argument(
        "--profile", default="", help="folder for py-spy profiles of the servers under saturation"
    )
    args = parser.parse_args()
    if args.quick:
        args.participants = min(args.participants, 100)
        args.steady_seconds, args.saturation_seconds = 2.0, 1.5
        args.interval = min(args.interval, 1.0)
        args.chatter_interval = min(args.chatter_interval, 5.0)
    return args


def main() -> None:
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    wanted = {w.strip() for w in args.workers.split(",") if w.strip()}
    names = [] if args.no_bare else ["bare"]
    names += ["1w"] if "1" in wanted else []
    if "2" in wanted:
        names += ["2w"] if args.quick else ["2w", "2w/whole"]
    if not args.quick:
        names += [n for n in QUOTA_LAYOUTS if n[0] in wanted]
    if args.only:
        names = [name for name in args.only.split(",") if name in LAYOUTS]
    if any(LAYOUTS[n].quota for n in names) and (why := _setup.CpuQuota.available()):
        print(f"Skipping {', '.join(QUOTA_LAYOUTS)}: {why}", file=sys.stderr)
        names = [n for n in names if not LAYOUTS[n].quota]
    rooms_wanted = max(2, args.participants // 4)
    started = time.perf_counter()
    print(f"Seeding {rooms_wanted} rooms of 4 in a fresh PostgreSQL database", file=sys.stderr)
    with _setup.temp_database() as database_url:
        rooms = _setup.seed_rooms(database_url, [4] * rooms_wanted)
        secret = _setup.new_secret()
        results = {
            name: run_layout(LAYOUTS[name], database_url, secret, rooms, args) for name in names
        }
    print(
        f"\nSignaling benchmark: {rooms_wanted * 4} participants in rooms of 4; a signal every "
        f"{args.interval:g} s per client (state messages every ~{args.chatter_interval:g} s), "
        f"{args.steady_seconds:g} s steady; rooms negotiate {args.negotiate_rooms or 'all'} at a "
        f"time; saturation: {args.senders} senders, one signal in flight each, for "
        f"{args.saturation_seconds:g} s; compression {'off' if args.no_deflate else 'deflate'}; "
        f"{time.perf_counter() - started:.0f} s in all."
    )
    print("CPUs: bare, 1w: server on CPU 0, load generator on CPU 1; 2w, 2w/whole: a worker on")
    print("each CPU, load generator and Redis float; 2w/1cpu: both workers on CPU 0, load")
    print("generator on CPU 1. 2w/whole: each room entirely on one worker (rooms alternate).")
    if any(LAYOUTS[name].quota for name in results):
        print(
            f"*/quota: every worker on CPU 0 held to {args.quota:.0%} of a CPU by a cgroup, "
            "load generator on CPU 1."
        )
    print_table(results, rooms_wanted * 4, args.quota)


if __name__ == "__main__":
    main()
