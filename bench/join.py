"""Benchmark of joining a live room in Chromium: from opening the room page to media flowing.

    python bench/join.py               # groups of 2, 3 and 4, 10 repetitions each
    python bench/join.py --quick       # 1 repetition each (a smoke run)
    python bench/join.py --reps 20 --sizes 4 --ways together
    python bench/join.py --rtt 150     # the server 150 ms away (through a delaying proxy)

Each repetition uses a new session of the bakery case on `mediation-sim serve` (one worker,
PostgreSQL). All pages run in one headless Chromium with fake camera and microphone, each in a
context of its own. Each person first opens the session page, as people do before pressing
"Join the room"; the timing starts with the room page. A script injected before the page's own
measures, from the page's navigation start, when the room status first reads `connected` and when
RTP bytes have arrived from every other participant (inbound-rtp `bytesReceived > 0`, polled every
20 ms). Two ways of joining:

  together   all pages of the group are opened at the same moment (a session starting)
  late       the others are already connected; the last person opens the page (a late joiner)

"group" is from the first navigation until every page receives media from everyone. --rtt puts
a proxy between the pages and the server that holds HTTP and the signaling socket back by that
round trip (not the media between the pages, nor the database): what a person far from the
server pays.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _setup  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/conftest.py launches it
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PROBE = """
(() => {
  const expected = EXPECTED;
  const audioOnly = AUDIO_ONLY;
  const bench = (window.__bench = {
    origin: performance.timeOrigin, requestAt: null, firstByteAt: null, domReady: null, gumAt: null, welcomeAt: null, firstPcAt: null,
    connectedAt: null, mediaAt: null, pcs: [],
  });
  const now = () => performance.now();
  document.addEventListener("DOMContentLoaded", () => {
    bench.domReady = now();
    const nav = performance.getEntriesByType("navigation")[0];
    bench.requestAt = nav.requestStart;
    bench.firstByteAt = nav.responseStart;
  });
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await gum(audioOnly ? { ...constraints, video: false } : constraints);
    if (bench.gumAt === null) bench.gumAt = now();
    return stream;
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (bench.welcomeAt === null && event.data.startsWith('{"type":"welcome"')) bench.welcomeAt = now();
      });
    }
  };
  // Each peer connection: created, first local and remote description, ICE connected, DTLS done.
  const NativePc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePc {
    constructor(...args) {
      super(...args);
      const t = (this.__t = { created: now(), local: null, remote: null, ice: null, dtls: null });
      bench.pcs.push(t);
      if (bench.firstPcAt === null) bench.firstPcAt = t.created;
      this.addEventListener("iceconnectionstatechange", () => {
        if (t.ice === null && ["connected", "completed"].includes(this.iceConnectionState)) t.ice = now();
      });
      this.addEventListener("connectionstatechange", () => {
        if (t.dtls === null && this.connectionState === "connected") t.dtls = now();
      });
    }
    async setLocalDescription(...args) {
      const result = await super.setLocalDescription(...args);
      if (this.__t.local === null) this.__t.local = now();
      return result;
    }
    async setRemoteDescription(...args) {
      const result = await super.setRemoteDescription(...args);
      if (this.__t.remote === null) this.__t.remote = now();
      return result;
    }
  };
  const flowing = new Set();
  const poll = async () => {
    const status = document.querySelector("[data-testid=room-status]");
    if (bench.connectedAt === null && status && status.textContent === "connected") {
      bench.connectedAt = now();
    }
    const room = window.__room;
    if (bench.mediaAt !== null) {  // media is flowing; the status line may lag a little
      if (bench.connectedAt === null && now() - bench.mediaAt < 10000) setTimeout(poll, 20);
      return;
    }
    if (room && room.peers.size >= expected) {
      for (const [id, peer] of room.peers) {
        if (flowing.has(id) || peer.pc.connectionState !== "connected") continue;
        let bytes = 0;
        (await peer.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp") bytes += s.bytesReceived || 0; });
        if (bytes > 0) flowing.add(id);
      }
      if (flowing.size >= expected) bench.mediaAt = now();
    }
    setTimeout(poll, 20);
  };
  setTimeout(poll, 20);
})();
"""
STEPS = (
    "requestAt",
    "firstByteAt",
    "domReady",
    "gumAt",
    "welcomeAt",
    "firstPcAt",
    "connectedAt",
    "mediaAt",
)
TIMEOUT_MS = 30_000


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Figures:
    """Seconds measured for one group size and one way of joining."""

    connected: list[float] = field(default_factory=list)  # per page: status reads connected
    steps: list[dict[str, float]] = field(default_factory=list)  # per page: every probe
    media: list[float] = field(default_factory=list)  # per page: media from everyone
    group: list[float] = field(default_factory=list)  # per repetition
    pcs: dict[str, list[float]] = field(default_factory=dict)  # per peer connection: phases
    cpu: list[float] = field(default_factory=list)  # per repetition: machine CPU %
    # per repetition: CPU seconds by kind of process, from navigation until media flows
    work: list[dict[str, float]] = field(default_factory=list)
    failures: int = 0


async def _page(browser: Any, secret: str, person: int, size: int, audio_only: bool = False) -> Any:
    context = await browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1280, "height": 860}
    )
    await context.add_cookies(
        [
            {
                "name": _setup.SESSION_COOKIE,
                "value": _setup.mint_cookie(secret, person),
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    probe = PROBE.replace("EXPECTED", str(size - 1))
    await context.add_init_script(probe.replace("AUDIO_ONLY", "true" if audio_only else "false"))
    return await context.new_page()


async def _times(page: Any) -> dict[str, Any]:
    """The probe's figures once media flows and the status line has caught up (or 2 s passed)."""
    await page.wait_for_function(
        "(b => b && b.mediaAt !== null"
        " && (b.connectedAt !== null || performance.now() - b.mediaAt > 2000))(window.__bench)",
        timeout=TIMEOUT_MS,
    )
    return await page.evaluate("window.__bench")


async def one_group(
    browser: Any,
    base: str,
    secret: str,
    room: _setup.Room,
    late: bool,
    figures: Figures,
    audio_only: bool = False,
) -> None:
    size = len(room.people)
    pages = [await _page(browser, secret, person, size, audio_only) for person in room.people]
    url = f"{base}/sessions/{room.session_id}/room"
    # Each person is on the session page when they press "Join the room", as in real use: the
    # browser and its renderer for the site are running; the timing starts with the room page.
    for page in pages:
        await page.goto(f"{base}/sessions/{room.session_id}", wait_until="load")
    busy, started, processes = _setup.busy_cpu_seconds(), time.perf_counter(), _setup.cpu_by_kind()
    try:
        first, last = (pages[:-1], pages[-1:]) if late else (pages, [])
        await asyncio.gather(*(p.goto(url, wait_until="commit") for p in first))
        if last:
            settled = "['connected', 'waiting'].includes(document.querySelector('[data-testid=room-status]')?.textContent)"
            for page in first:
                await page.wait_for_function(settled, timeout=TIMEOUT_MS)
            await asyncio.sleep(1)  # media among the first ones is flowing by now
            await last[0].goto(url, wait_until="commit")
        times = await asyncio.gather(*(_times(p) for p in pages))
        work = _setup.cpu_used(processes)  # before the pages close and their renderers exit
    except Exception as exc:  # a group that never connects is counted, not fatal
        figures.failures += 1
        print(f"  size {size}{' late' if late else ''}: failed ({exc.__class__.__name__})")
        return
    finally:
        for page in pages:
            await page.context.close()
    figures.cpu.append(100 * (_setup.busy_cpu_seconds() - busy) / (time.perf_counter() - started))
    figures.work.append(work)
    measured = times[-1:] if late else times
    for pc in (pc for t in measured for pc in t["pcs"]):
        if None in (pc["local"], pc["remote"], pc["ice"], pc["dtls"]):
            continue
        described = max(pc["local"], pc["remote"])
        for phase, value in (
            ("offer/answer", described - pc["created"]),
            ("ICE", pc["ice"] - described),
            ("DTLS", pc["dtls"] - pc["ice"]),
        ):
            figures.pcs.setdefault(phase, []).append(value / 1000)
    figures.connected += [t["connectedAt"] / 1000 for t in measured if t["connectedAt"] is not None]
    figures.media += [t["mediaAt"] / 1000 for t in measured]
    figures.steps += [{k: t[k] / 1000 for k in STEPS if t[k] is not None} for t in measured]
    start = times[-1]["origin"] if late else min(t["origin"] for t in times)
    figures.group.append((max(t["origin"] + t["mediaAt"] for t in times) - start) / 1000)


async def run(args: argparse.Namespace) -> dict[tuple[int, str], Figures]:
    plan = [(size, way) for size in args.sizes for way in args.ways]
    results = {key: Figures() for key in plan}
    with _setup.temp_database() as database_url:
        order = [size for _ in range(args.reps) for size, _ in plan]
        warm, *rooms = _setup.seed_rooms(database_url, [2, *order])
        secret = _setup.new_secret()
        server = _setup.app_server("join", database_url, secret).start()
        try:
            if args.rtt:  # the browsers reach the server through a proxy that delays
                async with _setup.DelayProxy(server.port, args.rtt) as far:
                    await browse(args, plan, results, far.base, secret, [warm, *rooms])
            else:
                await browse(args, plan, results, server.base, secret, [warm, *rooms])
        finally:
            server.stop()
    return results


async def browse(
    args: argparse.Namespace,
    plan: list[tuple[int, str]],
    results: dict[tuple[int, str], Figures],
    base: str,
    secret: str,
    rooms: list[_setup.Room],
) -> None:
    """One warm-up group, then every repetition of the plan, each in rooms of its own."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            queue = iter(rooms)
            await one_group(browser, base, secret, next(queue), False, Figures(), args.audio_only)
            everything = _setup.OtherLoad()
            for rep in range(args.reps):
                other = _setup.OtherLoad()
                for size, way in plan:
                    figures = results[size, way]
                    room = next(queue)
                    await one_group(
                        browser, base, secret, room, way == "late", figures, args.audio_only
                    )
                print(
                    f"  repetition {rep + 1}/{args.reps} done; other processes used "
                    f"{other.percent():.0f}% CPU meanwhile",
                    file=sys.stderr,
                )
            args.other_cpu = everything.percent()
        finally:
            await browser.close()


def print_table(results: dict[tuple[int, str], Figures], args: argparse.Namespace) -> None:
    header = (
        f"{'group':>5}  {'join':<8}  {'runs':>4}  {'connected p50/p95':>17}  "
        f"{'media p50/p95':>13}  {'group p50/p95':>13}  {'failed':>6}"
    )
    print("\n" + header)
    for (size, way), f in results.items():
        print(
            f"{size:>5}  {way:<8}  {len(f.group):>4}  "
            f"{percentile(f.connected, 50):>8.2f}/{percentile(f.connected, 95):<8.2f}  "
            f"{percentile(f.media, 50):>6.2f}/{percentile(f.media, 95):<6.2f}  "
            f"{percentile(f.group, 50):>6.2f}/{percentile(f.group, 95):<6.2f}  {f.failures:>6}"
        )
    print("(seconds; 'connected' and 'media' per page from its navigation start)")
    print("\nWhere the time goes (per page, p50 s from navigation start):")
    print(f"{'group':>5}  {'join':<8}  " + "  ".join(f"{step:>11}" for step in STEPS))
    for (size, way), f in results.items():
        cells = [percentile([p[k] for p in f.steps if k in p], 50) for k in STEPS]
        print(f"{size:>5}  {way:<8}  " + "  ".join(f"{c:>11.2f}" for c in cells))
    print("\nPeer connections (p50 / p95 s) and the machine's CPU (p50 % of one CPU, of 200):")
    print(
        f"{'group':>5}  {'join':<8}  {'offer/answer':>13}  {'ICE':>11}  {'DTLS':>11}  {'CPU %':>6}"
    )
    for (size, way), f in results.items():
        cells = [
            f"{percentile(f.pcs.get(k, []), 50):.2f}/{percentile(f.pcs.get(k, []), 95):.2f}"
            for k in ("offer/answer", "ICE", "DTLS")
        ]
        print(
            f"{size:>5}  {way:<8}  {cells[0]:>13}  {cells[1]:>11}  {cells[2]:>11}  "
            f"{percentile(f.cpu, 50):>6.0f}"
        )
    print("\nCPU seconds used from the first navigation until media flows everywhere (mean):")
    kinds = sorted({k for f in results.values() for w in f.work for k in w}, key=_kind_order)
    print(f"{'group':>5}  {'join':<8}  " + "  ".join(f"{k[:14]:>14}" for k in kinds) + "     all")
    for (size, way), f in results.items():
        means = [sum(w.get(k, 0.0) for w in f.work) / max(1, len(f.work)) for k in kinds]
        cells = "  ".join(f"{m:>14.2f}" for m in means)
        print(f"{size:>5}  {way:<8}  {cells}  {sum(means):>6.2f}")
    four = [results[key] for key in results if key[0] == 4]
    if four:
        worst = max(percentile(f.media, 95) for f in four)
        verdict = "met" if worst < 1.5 and not any(f.failures for f in four) else "MISSED"
        print(f"Target p95 < 1.5 s for a group of 4 (media, both ways): {worst:.2f} s, {verdict}")


def _kind_order(kind: str) -> tuple[bool, str]:
    return (not kind.startswith("Chromium"), kind)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition, a smoke run")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument(
        "--ways", nargs="+", choices=("together", "late"), default=["together", "late"]
    )
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.0,
        help="milliseconds of round trip between the browsers and the server (through a "
        "delaying proxy): people far from the server",
    )
    parser.add_argument(
        "--audio-only",
        action="store_true",
        help="diagnosis: pages get no camera (shows what video encoding costs this machine)",
    )
    args = parser.parse_args()
    if args.quick:
        args.reps = min(args.reps, 1)
    return args


def main() -> None:
    args = parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    started = time.perf_counter()
    results = asyncio.run(run(args))
    print(
        f"\nJoin benchmark: {args.reps} repetitions per group size and way of joining, "
        f"one Chromium, fake {'microphone' if args.audio_only else 'camera and microphone'}, "
        f"{f'{args.rtt:.0f} ms round trip to the server, ' if args.rtt else ''}"
        f"{time.perf_counter() - started:.0f} s in all; other "
        f"processes on this 2-CPU machine used {args.other_cpu:.0f}% of a CPU meanwhile."
    )
    print_table(results, args)


if __name__ == "__main__":
    main()
