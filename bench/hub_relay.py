"""CPU cost of relaying a signal between two workers through Redis, without websockets.

    python bench/hub_relay.py                      # 40,000 signals, bursts of 1, 4, 16 and 64
    python bench/hub_relay.py --count 20000 --bursts 8

Two processes each run a `RedisHub` (Redis database 11, emptied afterwards). The sender routes
`to` envelopes (an ICE candidate frame, as the signaling benchmark sends) to the receiver's worker,
--burst at a time per turn of its event loop, as a busy worker handles several sockets' frames in
one turn; the receiver delivers them to a local connection whose socket write does nothing. The
figure is CPU time (from /proc, so other load on the machine hardly matters) per relayed signal:
sender, receiver and Redis. `local` is the same delivery within one process: the part of the cost
that does not depend on Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import redis_cpu_seconds  # noqa: E402

from simulator.rooms.hub import Connection  # noqa: E402
from simulator.rooms.protocol import frame  # noqa: E402
from simulator.rooms.redis_hub import RedisHub  # noqa: E402

URL = "redis://127.0.0.1:6379/11"
ROOM, TARGET = 1, 2
CANDIDATE = {
    "candidate": "candidate:842163049 1 udp 1677729535 127.0.0.1 50002 typ host generation 0 "
    "ufrag bnch~t~7~123456789012345",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


def _envelope() -> dict:
    text = frame("signal", **{"from": 7}, candidate=CANDIDATE)
    return {"kind": "to", "room": ROOM, "to": [TARGET], "frame": text}


async def _noop_close(code: int, reason: str) -> None:
    return None


async def receiver(count: int) -> None:
    """Deliver `count` signals to a local connection, then report CPU seconds on stdout."""
    hub = RedisHub(URL, worker_id="bench-recv")
    got = 0
    done = asyncio.get_running_loop().create_future()

    async def send_text(text: str) -> None:
        nonlocal got
        got += 1
        if got == count and not done.done():
            done.set_result(None)

    await hub.start()
    hub.attach(Connection(ROOM, TARGET, send_text, _noop_close))
    channel = f"msim:worker:{hub.worker_id}"
    while not (await hub.redis.pubsub_numsub(channel))[0][1]:  # subscribed: nothing is lost
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    start = time.process_time()
    try:
        await asyncio.wait_for(done, 60)
    except TimeoutError:
        print(f"only {got} of {count} arrived", file=sys.stderr)
    print(json.dumps({"cpu": time.process_time() - start}), flush=True)
    await hub.stop()


async def sender(count: int, burst: int, target: str) -> float:
    """Route `count` envelopes to `target`, `burst` per loop turn; CPU seconds used."""
    hub = RedisHub(URL, worker_id="bench-send")
    await hub.start()
    got = 0
    done = asyncio.get_running_loop().create_future()
    if target == "bench-send":  # local: deliver to a connection in this process

        async def send_text(text: str) -> None:
            nonlocal got
            got += 1
            if got == count and not done.done():
                done.set_result(None)

        hub.attach(Connection(ROOM, TARGET, send_text, _noop_close))
    start = time.process_time()
    sent = 0
    while sent < count:
        for _ in range(min(burst, count - sent)):
            # As the service does per signal: a fresh frame and envelope, routed.
            await hub.route(_envelope(), {target})
            sent += 1
        await asyncio.sleep(0)
    if target == "bench-send":
        await done
    else:
        await hub._flushed()
    used = time.process_time() - start
    await hub.stop()
    return used


def run(count: int, burst: int, remote: bool) -> dict[str, float]:
    child = None
    if remote:
        child = subprocess.Popen(
            [sys.executable, __file__, "--role", "recv", "--count", str(count)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    redis_before = redis_cpu_seconds(URL)
    used = asyncio.run(sender(count, burst, "bench-recv" if remote else "bench-send"))
    result = {"sender": used, "receiver": 0.0}
    if child is not None:
        assert child.stdout is not None
        result["receiver"] = json.loads(child.stdout.readline())["cpu"]
        child.wait(10)
    result["redis"] = redis_cpu_seconds(URL) - redis_before
    return {k: 1e6 * v / count for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40_000)
    parser.add_argument("--bursts", default="1,4,16,64")
    parser.add_argument("--role", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "recv":
        asyncio.run(receiver(args.count))
        return
    import redis

    client = redis.Redis.from_url(URL)
    if client.dbsize():
        raise SystemExit(f"{URL} is not empty; empty it or pick another database.")
    try:
        print(f"{args.count} signals; CPU microseconds per signal (process CPU time)")
        print(f"{'burst':>6} {'where':>7} {'sender':>8} {'receiver':>9} {'redis':>7} {'total':>7}")
        for burst in (int(b) for b in args.bursts.split(",")):
            for remote in (False, True):
                r = run(args.count, burst, remote)
                total = r["sender"] + r["receiver"] + r["redis"]
                print(
                    f"{burst:>6} {'redis' if remote else 'local':>7} {r['sender']:>8.1f} "
                    f"{r['receiver']:>9.1f} {r['redis']:>7.1f} {total:>7.1f}",
                    flush=True,
                )
    finally:
        client.flushdb()
        client.close()


if __name__ == "__main__":
    main()
