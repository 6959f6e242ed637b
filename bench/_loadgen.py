"""The signaling benchmark's load generator: a process of its own, driving every client.

    python bench/_loadgen.py < config.json      # bench/signaling.py writes the configuration

It joins every client, negotiates, keeps up steady traffic, saturates the server, and prints one
JSON object of figures on stdout (progress goes to stderr). See bench/signaling.py.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import resource
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _setup  # noqa: E402

TAG = "~"
SDP_LINES = [
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS bench",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:bnch",
    "a=ice-pwd:benchbenchbenchbenchbench",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=setup:actpass",
    "a=mid:0",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 45 46",
    "c=IN IP4 0.0.0.0",
    "a=mid:1",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    *[f"a=rtpmap:{96 + n} VP8/90000" for n in range(6)],
    *[f"a=rtcp-fb:{96 + n} nack pli" for n in range(6)],
    *[f"a=ssrc:{1000 + n} cname:benchbenchbench" for n in range(8)],
]
SDP = "\r\n".join(SDP_LINES * 2) + "\r\n"  # ~3 KB, the size of a browser's audio+video offer
CANDIDATE = "candidate:842163049 1 udp 1677729535 127.0.0.1 {port} typ host generation 0 ufrag bnch"
CANDIDATES_PER_SIDE = 3
MEDIA_ON = '{"type":"media.state","audio":true,"video":true,"audio_only":false}'
CHAT_LINES = ("Can we take a short break?", "I agree with that summary.", "Could you repeat?")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass(eq=False)
class Client:
    """One participant: a websocket, the room it sits in, its signals in flight."""

    person_id: int
    url: str
    headers: dict[str, str]
    room: RoomLoad
    ws: Any = None
    reader: asyncio.Task[None] | None = None
    welcomed: asyncio.Future[int] | None = None
    inflight: int = 0
    present: int = 0  # the most people this client has seen present at once
    mates: list[Client] = field(default_factory=list)


@dataclass(eq=False)
class RoomLoad:
    """A room's clients and the progress of their negotiation."""

    clients: list[Client] = field(default_factory=list)
    negotiated: int = 0
    expected: int = 0
    started: int = 0
    done: asyncio.Future[int] | None = None


class LoadGenerator:
    """Drives every client of one configuration and collects the figures."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.bare = config["kind"] == "bare"
        self.rooms: list[RoomLoad] = []
        self.by_id: dict[int, Client] = {}
        self.mode = "idle"  # idle | steady | saturate | drain
        self.latencies: list[int] = []
        self.sent_at: list[int] = []
        self.loop_lag: list[float] = []
        self.steady_start, self.steady_wall = 0, 0.0
        self.gc_pauses: list[float] = []
        self.received = 0
        self.sent = 0
        self.frames: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.closed_early = 0
        self.rng = random.Random(1)
        for index, room in enumerate(config["rooms"]):
            load = RoomLoad()
            for seat, member in enumerate(room["members"]):
                client = Client(member["id"], member["url"], member["headers"], load)
                if self.bare:
                    client.url += f"/ws?room={index}&id={member['id']}"
                else:
                    client.url += f"/sessions/{room['session_id']}/ws?tab=b{seat}"
                load.clients.append(client)
                self.by_id[client.person_id] = client
            for client in load.clients:
                client.mates = [c for c in load.clients if c is not client]
            pairs = len(load.clients) * (len(load.clients) - 1) // 2
            load.expected = pairs * (2 + 2 * CANDIDATES_PER_SIDE)
            self.rooms.append(load)

    # --- sending --------------------------------------------------------------------------------

    def _tagged(self, text: str, kind: str, sender: int) -> str:
        return f"{text}{TAG}{kind}{TAG}{sender}{TAG}{time.perf_counter_ns()}"

    async def _signal(self, client: Client, to: int, kind: str, what: str) -> None:
        if what == "candidate":
            body = {
                "candidate": self._tagged(
                    CANDIDATE.format(port=50000 + to % 10000), kind, client.person_id
                ),
                "sdpMid": "0",
                "sdpMLineIndex": 0,
            }
        else:
            body = {"type": what, "sdp": self._tagged(SDP, kind, client.person_id)}
        key = "candidate" if what == "candidate" else "description"
        text = json.dumps({"type": "signal", "to": to, key: body}, separators=(",", ":"))
        try:
            await client.ws.send(text)
        except Exception:
            self.errors["send_failed"] += 1
            return
        self.sent += 1

    async def _traffic(self, client: Client) -> None:
        mate = self.rng.choice(client.mates)
        client.inflight += 1
        await self._signal(client, mate.person_id, "t", "candidate")

    async def _chatter(self, client: Client) -> None:
        pick = self.rng.random()
        if pick < 0.4:
            message = {
                "type": "media.state",
                "audio": self.rng.random() < 0.8,
                "video": self.rng.random() < 0.7,
                "audio_only": False,
            }
        elif pick < 0.8:
            message = {
                "type": "quality.report",
                "rtt_ms": round(self.rng.uniform(20, 400), 1),
                "loss_pct": round(self.rng.uniform(0, 6), 2),
            }
        else:
            message = {"type": "chat.send", "text": self.rng.choice(CHAT_LINES)}
        self.frames["chatter_sent"] += 1
        try:
            await client.ws.send(json.dumps(message, separators=(",", ":")))
        except Exception:
            self.errors["send_failed"] += 1

    # --- receiving ------------------------------------------------------------------------------

    async def _read(self, client: Client) -> None:
        try:
            async for text in client.ws:
                await self._on_frame(client, text)
        except Exception:
            pass
        if self.mode != "closing":
            self.closed_early += 1

    async def _on_frame(self, client: Client, text: str) -> None:
        if text.startswith('{"type":"signal"'):
            message = json.loads(text)
            body = message.get("candidate") or message["description"]
            payload = body.get("candidate") or body["sdp"]
            _, kind, sender_id, sent_ns = payload.rsplit(TAG, 3)
            sender = self.by_id[int(sender_id)]
            if kind == "t":
                self.received += 1
                sender.inflight -= 1
                if self.mode == "steady":
                    sent = int(sent_ns)
                    self.latencies.append(time.perf_counter_ns() - sent)
                    self.sent_at.append(sent)
                elif self.mode == "saturate":
                    await self._traffic(sender)
            else:
                await self._negotiate(client, sender, kind)
            return
        kind = text[9 : text.index('"', 9)]
        self.frames[kind] += 1
        if kind in ("state", "welcome") and self.mode != "closing":
            # Nobody leaves before the end, so seeing fewer people present means the server
            # sent a state older than one this client already had.
            present = text.count('"present":true')
            if present < client.present:
                self.frames["stale_state"] += 1
            client.present = max(client.present, present)
        if kind == "welcome" and client.welcomed is not None and not client.welcomed.done():
            client.welcomed.set_result(time.perf_counter_ns())
        elif kind == "error":
            self.errors[json.loads(text)["code"]] += 1

    async def _negotiate(self, me: Client, sender: Client, kind: str) -> None:
        """Offer -> answer + candidates; answer -> candidates. Count arrivals per room."""
        room = me.room
        room.negotiated += 1
        if kind == "o":
            await self._signal(me, sender.person_id, "a", "answer")
            for _ in range(CANDIDATES_PER_SIDE):
                await self._signal(me, sender.person_id, "c", "candidate")
        elif kind == "a":
            for _ in range(CANDIDATES_PER_SIDE):
                await self._signal(me, sender.person_id, "c", "candidate")
        if room.negotiated == room.expected and room.done is not None and not room.done.done():
            room.done.set_result(time.perf_counter_ns())

    # --- phases ---------------------------------------------------------------------------------

    async def _connect(self, client: Client) -> float:
        """Open the socket and wait for the welcome; seconds it took."""
        from websockets.asyncio.client import connect

        loop = asyncio.get_running_loop()
        client.welcomed = loop.create_future()
        start = time.perf_counter_ns()
        client.ws = await connect(
            client.url,
            additional_headers=client.headers,
            compression="deflate" if self.config["deflate"] else None,
            proxy=None,
            open_timeout=60,
            ping_interval=None,  # browsers do not ping; the server does
            close_timeout=2,
            max_queue=None,
        )
        client.reader = asyncio.create_task(self._read(client))
        done = await asyncio.wait_for(client.welcomed, 60)
        if not self.bare:  # as the room page does on every welcome
            await client.ws.send(MEDIA_ON)
        return (done - start) / 1e9

    async def _join_all(self, rooms: list[RoomLoad]) -> list[float]:
        limit = asyncio.Semaphore(self.config["join_concurrency"])

        async def one(client: Client) -> float:
            async with limit:
                return await self._connect(client)

        return list(await asyncio.gather(*(one(c) for r in rooms for c in r.clients)))

    async def _negotiate_all(self, rooms: list[RoomLoad]) -> list[float]:
        """Every pair of every room negotiates; rooms start in batches (0: all at once)."""
        batch = self.config["negotiate_rooms"] or len(rooms)
        seconds: list[float] = []
        for first in range(0, len(rooms), batch):
            seconds += await self._negotiate_batch(rooms[first : first + batch])
        return seconds

    async def _negotiate_batch(self, rooms: list[RoomLoad]) -> list[float]:
        loop = asyncio.get_running_loop()
        for room in rooms:
            room.done, room.negotiated = loop.create_future(), 0
            room.started = time.perf_counter_ns()
        for room in rooms:
            for i, a in enumerate(room.clients):
                for b in room.clients[i + 1 :]:
                    await self._signal(a, b.person_id, "o", "offer")
        pending = {room.done: room for room in rooms if room.done is not None}
        done, missing = await asyncio.wait(pending, timeout=30)
        if missing:
            self.errors["negotiation_incomplete"] += len(missing)
            counts = sorted(f"{pending[f].negotiated}/{pending[f].expected}" for f in missing)
            self._progress(
                f"{len(missing)} of {len(rooms)} rooms did not finish negotiating in 30 s "
                f"(signals arrived: {', '.join(counts[:5])}{' ...' if len(counts) > 5 else ''})"
            )
        return [(f.result() - pending[f].started) / 1e9 for f in done]

    async def _steady(self, seconds: float) -> float:
        interval, chatter = self.config["interval"], self.config["chatter_interval"]
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds

        async def run(client: Client) -> None:
            await asyncio.sleep(self.rng.uniform(0, interval))
            next_chatter = loop.time() + self.rng.expovariate(1 / chatter)
            tick = loop.time()
            while loop.time() < until:
                await self._traffic(client)
                if not self.bare and loop.time() >= next_chatter:
                    await self._chatter(client)
                    next_chatter += self.rng.expovariate(1 / chatter)
                tick += interval
                await asyncio.sleep(max(0.0, tick - loop.time()))

        async def watch_loop() -> None:
            """How late this process's own event loop wakes up: its share of the latency."""
            while self.mode == "steady":
                asked = time.perf_counter()
                await asyncio.sleep(0.005)
                self.loop_lag.append(time.perf_counter() - asked - 0.005)

        self.mode = "steady"
        self.steady_start, self.steady_wall = time.perf_counter_ns(), time.time()
        started = time.perf_counter()
        watcher = asyncio.create_task(watch_loop())
        await asyncio.gather(*(run(c) for c in self.by_id.values()))
        await asyncio.sleep(0.5)  # the last signals land
        self.mode = "idle"
        await watcher
        return time.perf_counter() - started

    def _worst_seconds(self, lat: list[float]) -> list[tuple[int, float, int]]:
        """The three seconds of the steady phase with the slowest relay: (second, max ms, >10 ms)."""
        worst: dict[int, list[float]] = {}
        for sent, ms in zip(self.sent_at, lat, strict=True):
            worst.setdefault((sent - self.steady_start) // 1_000_000_000, []).append(ms)
        ranked = sorted(worst.items(), key=lambda item: -max(item[1]))[:3]
        return [(second, max(v), sum(x > 10 for x in v)) for second, v in ranked]

    def _watch_gc(self) -> None:
        """Time this process's own garbage collections (a pause here is not the server's)."""
        began = [0.0]

        def callback(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                began[0] = time.perf_counter()
            elif self.mode == "steady":
                self.gc_pauses.append(time.perf_counter() - began[0])

        gc.callbacks.append(callback)

    def _usage(self) -> dict[str, float]:
        usage = {"servers": sum(_setup.cpu_seconds(pid) for pid in self.config["server_pids"])}
        usage["loadgen"] = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        usage["loadgen"] += resource.getrusage(resource.RUSAGE_SELF).ru_stime
        if self.config["redis_url"]:
            usage["redis"] = _setup.redis_cpu_seconds(self.config["redis_url"])
        usage["machine"] = _setup.busy_cpu_seconds()
        usage["t"] = time.perf_counter()
        return usage

    @staticmethod
    def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: after[k] - before[k] for k in before}

    async def _saturate(self, warm: float, seconds: float) -> dict[str, Any]:
        """A closed loop: each sender keeps one signal in flight, the next sent on arrival."""
        senders = [c for room in self.rooms[1:] for c in room.clients][
            : self.config["senders"] or None
        ]
        self.mode = "saturate"
        for client in senders:
            await self._traffic(client)
        await asyncio.sleep(warm)
        received, before = self.received, self._usage()
        profilers = await self._profile("saturation")
        await asyncio.sleep(seconds)
        delivered, after = self.received - received, self._usage()
        await self._stop_profile(profilers)
        self.mode = "drain"
        deadline = time.monotonic() + 15
        while any(c.inflight > 0 for c in self.by_id.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        spent = self._spent(before, after)
        return {
            "msgs_per_s": delivered / spent["t"],
            "delivered": delivered,
            "cpu": spent,
            "lost": sum(max(0, c.inflight) for c in self.by_id.values()),
            "senders": len(senders),
        }

    async def _profile(self, phase: str) -> list[asyncio.subprocess.Process]:
        """py-spy sampling every server (collapsed stacks) until `_stop_profile`, if asked for."""
        folder, name = self.config["profile"], self.config["name"].replace("/", "-")
        if not folder:
            return []
        return [
            await asyncio.create_subprocess_exec(
                *("py-spy", "record", "--nonblocking", "--pid", str(pid), "--format", "raw"),
                *("--output", f"{folder}/{name}-{phase}-{index}.txt"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            for index, pid in enumerate(self.config["server_pids"])
        ]

    @staticmethod
    async def _stop_profile(profilers: list[asyncio.subprocess.Process]) -> None:
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file and exits
        for profiler in profilers:
            await profiler.wait()

    def _rss(self) -> int:
        return sum(_setup.rss_kib(pid) for pid in self.config["server_pids"])

    def _progress(self, text: str) -> None:
        print(f"  [{self.config['name']}] {text}", file=sys.stderr, flush=True)

    async def run(self) -> dict[str, Any]:
        config, result = self.config, {}
        n = len(self.by_id)
        warm, rest = self.rooms[:1], self.rooms[1:]
        await self._join_all(warm)
        await self._negotiate_all(warm)
        await asyncio.sleep(0.5)
        rss_warm = self._rss()
        before, profilers = self._usage(), await self._profile("join")
        started = time.perf_counter()
        joins = await self._join_all(rest)
        join_seconds = time.perf_counter() - started
        spent = self._spent(before, self._usage())
        await self._stop_profile(profilers)
        joined = len(joins)
        result["joins_per_s"] = joined / join_seconds
        result["join_p50"], result["join_p95"] = percentile(joins, 50), percentile(joins, 95)
        result["join_cpu_ms"] = spent["servers"] / max(1, joined) * 1000
        self._progress(f"{joined + 4} joined at {result['joins_per_s']:.0f}/s")
        await asyncio.sleep(config["settle"])  # joins' state frames land; RSS settles
        result["rss_warm_kib"], result["rss_joined_kib"] = rss_warm, self._rss()
        result["kib_per_conn"] = (result["rss_joined_kib"] - rss_warm) / max(1, n - 4)
        started = time.perf_counter()
        negotiations = await self._negotiate_all(rest)
        result["negotiate_s"] = time.perf_counter() - started
        result["negotiate_p50"] = percentile(negotiations, 50)
        result["negotiate_p95"] = percentile(negotiations, 95)
        self._progress(f"{len(rest)} rooms negotiated in {result['negotiate_s']:.1f} s")
        gc.freeze()  # the load generator's long-lived objects: no more full collections of them
        self._watch_gc()
        await asyncio.sleep(config["settle"] / 2)
        before, sent = self._usage(), self.sent
        steady_seconds = await self._steady(config["steady_seconds"])
        spent = self._spent(before, self._usage())
        lat = [x / 1e6 for x in self.latencies]
        result["steady_msgs_per_s"] = (self.sent - sent) / steady_seconds
        result["steady_server_cpu_pct"] = 100 * spent["servers"] / spent["t"]
        result["steady_other_cpu_pct"] = 100 * others(spent) / spent["t"]
        result["chatter_per_s"] = self.frames["chatter_sent"] / steady_seconds
        result["lat_n"] = len(lat)
        for q in (50, 95, 99):
            result[f"lat_p{q}"] = percentile(lat, q)
        result["lat_max"] = max(lat) if lat else float("nan")
        result["loop_lag_p99"] = percentile(self.loop_lag, 99) * 1000
        result["loop_lag_max"] = max(self.loop_lag, default=0.0) * 1000
        result["gc_pause_max"] = max(self.gc_pauses, default=0.0) * 1000
        result["worst_seconds"] = self._worst_seconds(lat)
        pauses = [
            pause
            for path in config["gc_logs"]
            for pause in _setup.gc_pauses(path, self.steady_wall, time.time())
        ]
        result["server_gc_max"] = max((p[2] for p in pauses), default=0.0)
        result["server_gc_full"] = sum(p[1] == 2 for p in pauses)
        result["server_gc_worst_at"] = (
            max(pauses, key=lambda p: p[2])[0] - self.steady_wall if pauses else None
        )
        self._progress(
            f"steady: p50 {result['lat_p50']:.2f} ms, p99 {result['lat_p99']:.2f} ms "
            f"over {len(lat)} signals"
        )
        await asyncio.sleep(config["settle"] / 2)
        result["saturation"] = await self._saturate(
            config["saturation_warm"], config["sat_seconds"]
        )
        self._progress(f"saturation: {result['saturation']['msgs_per_s']:.0f} msgs/s")
        result["rss_after_kib"] = self._rss()
        result["kib_per_conn_after"] = (result["rss_after_kib"] - rss_warm) / max(1, n - 4)
        result["errors"], result["frames"] = dict(self.errors), dict(self.frames)
        result["closed_early"] = self.closed_early
        result["participants"] = n
        self.mode = "closing"
        await self._close_all()
        return result

    async def _close_all(self) -> None:
        async def close(client: Client) -> None:
            if client.ws is not None:
                try:
                    await asyncio.wait_for(client.ws.close(), 5)
                except Exception:
                    client.ws.transport.abort()

        await asyncio.gather(*(close(c) for c in self.by_id.values()))
        readers = [c.reader for c in self.by_id.values() if c.reader is not None]
        await asyncio.wait(readers, timeout=5)


def others(spent: dict[str, float]) -> float:
    """Busy CPU seconds of processes that are not part of this benchmark."""
    ours = spent["servers"] + spent["loadgen"] + spent.get("redis", 0.0)
    return max(0.0, spent["machine"] - ours)


def loadgen_main() -> None:
    """The load generator's process: a configuration on stdin, one JSON result on stdout."""
    config = json.load(sys.stdin)
    result = asyncio.run(LoadGenerator(config).run())
    print(json.dumps(result))


if __name__ == "__main__":
    loadgen_main()
