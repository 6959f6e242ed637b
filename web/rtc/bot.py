"""A headless participant: joins a room like a browser does, with a synthetic audio track.

It speaks the same signaling protocol (docs/protocol.md) and follows the room's media rules, so
it can fill a seat, run a demo or load-test a server. aiortc cannot roll back an offer or restart
ICE, so where a browser would roll back or restart, the bot starts a fresh peer connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole
from aiortc.sdp import candidate_from_sdp
from websockets.asyncio.client import ClientConnection, connect

from web.rtc.tone import ToneTrack, mono_samples

log = logging.getLogger("web.rtc.bot")


async def log_in(base: str, email: str, password: str) -> str:
    """Log in through the form and return the Cookie header for the websocket."""
    async with httpx.AsyncClient(base_url=base, follow_redirects=False) as client:
        page = await client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = await client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        if response.status_code != 303:
            raise RuntimeError(f"could not log in as {email}: HTTP {response.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def room_endpoints(room_url: str) -> tuple[str, int]:
    """The site's base URL and the session id from a room URL (…/sessions/<id>/room)."""
    parts = urlsplit(room_url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[-3:-2] != ["sessions"] or not segments[-2].isdigit():
        raise ValueError(f"{room_url} is not a room URL like https://host/sessions/12/room")
    return f"{parts.scheme}://{parts.netloc}", int(segments[-2])


@dataclass
class PeerLink:
    pc: RTCPeerConnection
    polite: bool
    sender: Any = None
    making_offer: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class RoomBot:
    """One headless person in one room."""

    def __init__(self, base: str, session_id: int, cookie: str, *, tone_hz: float = 440.0) -> None:
        self.base, self.session_id, self.cookie = base, session_id, cookie
        self.tone_hz = tone_hz
        self.ws: ClientConnection | None = None
        self.me: int | None = None
        self.ice: list[RTCIceServer] = []
        self.links: dict[int, PeerLink] = {}
        self.state: dict[str, Any] = {}
        self.received: dict[int, list[np.ndarray]] = defaultdict(list)
        self.joined = asyncio.Event()
        self._track = ToneTrack(tone_hz)

    async def run(self, stop: asyncio.Event) -> None:
        url = self.base.replace("http", "ws", 1) + f"/sessions/{self.session_id}/ws?tab=bot"
        async with connect(url, additional_headers={"Cookie": self.cookie}, origin=self.base) as ws:
            self.ws = ws
            reader = asyncio.create_task(self._read())
            await asyncio.wait(
                [reader, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
            )
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        await self.close()

    async def close(self) -> None:
        for link in list(self.links.values()):
            await self._drop(link)
        self.links.clear()

    async def _send(self, message: dict[str, Any]) -> None:
        if self.ws is not None:
            await self.ws.send(json.dumps(message))

    async def _read(self) -> None:
        assert self.ws is not None
        async for text in self.ws:
            message = json.loads(text)
            kind = message["type"]
            if kind == "welcome":
                self.me = message["you"]["id"]
                self.ice = [RTCIceServer(**server) for server in message["ice_servers"]]
                await self._apply(message["state"])
                self.joined.set()
            elif kind == "state":
                await self._apply(message["state"])
            elif kind == "signal":
                await self._on_signal(message)
            elif kind == "error" and message.get("fatal"):
                raise RuntimeError(message["message"])

    async def _apply(self, state: dict[str, Any]) -> None:
        self.state = state
        present = {p["id"] for p in state["people"] if p["present"] and p["id"] != self.me}
        for person_id in list(self.links):
            if person_id not in present:
                await self._drop(self.links.pop(person_id))
        for person_id in present:
            # As in the browsers' mesh, the side with the higher id makes the first offer.
            link = self.links.get(person_id) or await self._link(
                person_id, offer=self.me > person_id
            )
            allowed = bool(state["media_to"].get(str(person_id)))
            if link.sender is not None:
                link.sender.replaceTrack(self._track if allowed else None)

    async def _link(self, person_id: int, *, offer: bool) -> PeerLink:
        assert self.me is not None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice))
        link = PeerLink(pc, polite=self.me < person_id)
        link.sender = pc.addTrack(self._track)
        self.links[person_id] = link

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                link.tasks.append(asyncio.create_task(self._listen(person_id, track)))
            else:
                blackhole = MediaBlackhole()
                blackhole.addTrack(track)
                link.tasks.append(asyncio.create_task(blackhole.start()))

        if offer:
            link.making_offer = True
            try:
                await pc.setLocalDescription(await pc.createOffer())
                await self._send_description(person_id, pc)
            finally:
                link.making_offer = False
        return link

    async def _send_description(self, person_id: int, pc: RTCPeerConnection) -> None:
        description = pc.localDescription
        await self._send(
            {
                "type": "signal",
                "to": person_id,
                "description": {"type": description.type, "sdp": description.sdp},
            }
        )

    async def _on_signal(self, message: dict[str, Any]) -> None:
        sender = message["from"]
        link = self.links.get(sender) or await self._link(sender, offer=False)
        if "description" in message:
            description = message["description"]
            if description["type"] == "offer" and (
                link.making_offer or link.pc.signalingState != "stable"
            ):
                if not link.polite:
                    return  # the other side yields, as perfect negotiation says
                await self._drop(self.links.pop(sender))  # aiortc cannot roll back: start afresh
                link = await self._link(sender, offer=False)
            await link.pc.setRemoteDescription(RTCSessionDescription(**description))
            if description["type"] == "offer":
                await link.pc.setLocalDescription(await link.pc.createAnswer())
                await self._send_description(sender, link.pc)
        elif (candidate := message.get("candidate")) and candidate.get("candidate"):
            parsed = candidate_from_sdp(candidate["candidate"].removeprefix("candidate:"))
            parsed.sdpMid, parsed.sdpMLineIndex = (
                candidate.get("sdpMid"),
                candidate.get("sdpMLineIndex"),
            )
            with contextlib.suppress(Exception):
                await link.pc.addIceCandidate(parsed)

    async def _listen(self, person_id: int, track: Any) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await track.recv()
                self.received[person_id].append(mono_samples(frame))

    def heard(self, person_id: int, last_seconds: float = 1.0) -> np.ndarray:
        """The most recent audio received from one person (48 kHz mono floats)."""
        chunks = self.received.get(person_id, [])
        audio = np.concatenate(chunks) if chunks else np.zeros(0)
        return audio[-int(48_000 * last_seconds) :]

    def connection_states(self) -> dict[int, str]:
        """Each peer connection's state, for diagnostics."""
        return {person_id: link.pc.connectionState for person_id, link in self.links.items()}

    async def _drop(self, link: PeerLink) -> None:
        for task in link.tasks:
            task.cancel()
        await link.pc.close()
