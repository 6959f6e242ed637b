"""Check the TURN servers of ICE_SERVERS with a credential minted exactly as browsers get it.

    set -a; . /etc/mediation-sim.env; set +a
    python deploy/check_turn.py [--person-id 1] [--peer HOST:PORT]

For every `turn:`/`turns:` URL in ICE_SERVERS it asks the server for a relay allocation (aioice, the
ICE library aiortc uses, which comes with mediation-sim) with the username and password the web
server would hand person `--person-id`, then repeats with a wrong password, which must be refused.
With `--peer` (for example a `turnutils_peer -L HOST -p PORT` on another machine) it also sends a
datagram through each relay and waits for the echo. Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
from urllib.parse import parse_qs, urlsplit

from aioice import turn

from simulator.rooms.ice import ice_servers
from simulator.settings import Settings


def parse_turn_url(url: str) -> tuple[str, int, str, bool]:
    """`turn:host:port?transport=udp` -> (host, port, udp/tcp, tls)."""
    scheme, _, rest = url.partition(":")
    parts = urlsplit("//" + rest)
    tls = scheme == "turns"
    transport = parse_qs(parts.query).get("transport", ["tcp" if tls else "udp"])[0]
    return parts.hostname or "", parts.port or (5349 if tls else 3478), transport, tls


class _Echo(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.answer.done():
            self.answer.set_result(data)


async def _allocate(url: str, username: str, password: str, peer: tuple[str, int] | None) -> str:
    host, port, transport, tls = parse_turn_url(url)
    context = ssl.create_default_context() if tls else None
    relay, protocol = await asyncio.wait_for(
        turn.create_turn_endpoint(
            _Echo, (host, port), username, password, ssl=context, transport=transport
        ),
        10,
    )
    try:
        result = f"relay {relay.get_extra_info('sockname')}"
        if peer:
            relay.sendto(b"mediation-sim turn check", peer)
            await asyncio.wait_for(protocol.answer, 5)
            result += f", echo from {peer[0]}:{peer[1]}"
        return result
    finally:
        relay.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--person-id", type=int, default=1)
    parser.add_argument("--peer", help="HOST:PORT of a UDP echo peer (turnutils_peer)")
    args = parser.parse_args()
    settings = Settings.from_env()
    peer = None
    if args.peer:
        host, _, port = args.peer.rpartition(":")
        peer = (host, int(port))
    servers = ice_servers(
        settings.ice_servers, settings.turn_secret, args.person_id, settings.turn_ttl_seconds
    )
    turn_entries = [s for s in servers if "username" in s]
    if not turn_entries:
        print("No TURN URLs with a credential: set ICE_SERVERS (turn:/turns:) and TURN_SECRET.")
        return 1
    entry = turn_entries[0]
    print(
        f"username {entry['username']} (expires with TURN_TTL_SECONDS={settings.turn_ttl_seconds})"
    )
    failed = False
    for url in entry["urls"]:
        try:
            print(
                f"ok      {url}: {await _allocate(url, entry['username'], entry['credential'], peer)}"
            )
        except Exception as exc:  # report every kind of failure
            failed = True
            print(f"FAILED  {url}: {type(exc).__name__}: {exc}")
        try:
            await _allocate(url, entry["username"], "d3JvbmctcGFzc3dvcmQ=", None)
            failed = True
            print(f"FAILED  {url}: a wrong password was accepted")
        except Exception as exc:
            if "401" in str(exc):
                print(f"ok      {url}: wrong password refused ({exc})")
            else:
                failed = True
                print(f"FAILED  {url}: wrong password not checked: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
