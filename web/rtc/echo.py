"""The connection check's far end: an aiortc peer that sends a browser's audio and video back.

The browser measures the round trip, jitter, loss and bitrate of what comes back. Each check is
a fresh RTCPeerConnection (aiortc cannot restart ICE), answered over plain HTTP once aiortc has
gathered its candidates (it puts them all in the answer, so there is no trickle). Peers are
capped per process, live at most `max_seconds`, and end when the browser closes its side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from simulator.errors import BadRequest, Conflict, Unavailable
from web.rtc.peer import rtc_configuration

log = logging.getLogger("web.rtc.echo")

MAX_SDP_CHARS = 64 * 1024


def parse_offer(data: Any) -> RTCSessionDescription:
    """A browser's offer from JSON, or a BadRequest that says what is wrong with it."""
    if not isinstance(data, dict):
        raise BadRequest("Send the offer as a JSON object with sdp and type.")
    sdp, kind = data.get("sdp"), data.get("type")
    if kind != "offer":
        raise BadRequest('type must be "offer".')
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise BadRequest("sdp must be the text of a session description (it starts with v=0).")
    if len(sdp) > MAX_SDP_CHARS:
        raise BadRequest(f"The offer is too long (over {MAX_SDP_CHARS} characters).")
    if "\nm=audio " not in sdp and "\nm=video " not in sdp:
        raise BadRequest("The offer has no audio or video to echo.")
    return RTCSessionDescription(sdp=sdp, type="offer")


@dataclass
class EchoPeer:
    id: str
    owner: int
    pc: RTCPeerConnection
    started: float = field(default_factory=time.monotonic)
    timer: asyncio.TimerHandle | None = None


class EchoPeers:
    """This process's echo peers, kept on `app.state` and closed in the lifespan."""

    def __init__(self, max_peers: int, max_seconds: float) -> None:
        self.max_peers = max_peers
        self.max_seconds = max_seconds
        self.peers: dict[str, EchoPeer] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self.peers)

    async def answer(
        self, owner: int, offer: RTCSessionDescription, ice_servers: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Answer one browser's offer with a new echo peer; a person's earlier peers close first."""
        for peer in [p for p in self.peers.values() if p.owner == owner]:
            await self.close(peer.id)
        if len(self.peers) >= self.max_peers:
            raise Unavailable(
                f"The server is running {self.max_peers} connection checks already; "
                "try again in a minute."
            )
        pc = RTCPeerConnection(rtc_configuration(ice_servers))
        peer = EchoPeer(secrets.token_urlsafe(12), owner, pc)
        self.peers[peer.id] = peer  # holds the place while candidates are gathered

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            pc.addTrack(track)  # the same track straight back: decoded once, encoded once

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                self._close_soon(peer.id)
            else:
                log.info("echo peer %s of person %s: %s", peer.id, owner, pc.connectionState)

        try:
            await pc.setRemoteDescription(offer)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self.close(peer.id)
            raise BadRequest(
                f"The offer could not be answered: {exc or type(exc).__name__}"
            ) from None
        if peer.id not in self.peers:  # the same person started again meanwhile
            raise Conflict("A newer check of yours replaced this one.")
        peer.timer = asyncio.get_running_loop().call_later(
            self.max_seconds, self._close_soon, peer.id
        )
        local = pc.localDescription
        return {
            "id": peer.id,
            "type": local.type,
            "sdp": local.sdp,
            "max_seconds": self.max_seconds,
        }

    def _close_soon(self, peer_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self.close(peer_id))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self, peer_id: str, owner: int | None = None) -> bool:
        """Close one peer (only its owner's, when `owner` is given); False when there was none."""
        peer = self.peers.get(peer_id)
        if peer is None or (owner is not None and peer.owner != owner):
            return False
        del self.peers[peer_id]
        if peer.timer is not None:
            peer.timer.cancel()
        with contextlib.suppress(Exception):
            await peer.pc.close()
        log.info(
            "echo peer %s of person %s closed after %.1f s",
            peer_id,
            peer.owner,
            time.monotonic() - peer.started,
        )
        return True

    async def stop(self) -> None:
        """Close every peer (server shutdown)."""
        for peer_id in list(self.peers):
            await self.close(peer_id)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
