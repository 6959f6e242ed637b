"""A headless participant: joins a room like a browser does, with a synthetic tone (and video).

It speaks the same signaling protocol (docs/protocol.md) and follows the room's media rules, so
it can fill a seat, run a demo or load-test a server. aiortc cannot roll back an offer or restart
ICE, so where a browser would roll back or restart, the bot starts a fresh peer connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole, MediaRelay
from websockets.asyncio.client import ClientConnection, connect

from simulator.rooms.state import RECORDER_ID
from web.rtc.peer import add_candidate
from web.rtc.recorder import RecorderUplink
from web.rtc.tone import PatternTrack, ToneTrack, mono_samples

log = logging.getLogger("web.rtc.bot")
OFFER_FALLBACK_SECONDS = 4.0  # as web/static/room/mesh.js


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
    senders: dict[str, Any] = field(default_factory=dict)  # by kind, once negotiated
    tracks: list[Any] = field(default_factory=list)  # this link's copies of the sources
    making_offer: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class RoomBot:
    """One headless person in one room."""

    def __init__(
        self,
        base: str,
        session_id: int,
        cookie: str,
        *,
        tone_hz: float = 440.0,
        video: bool = False,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.base, self.session_id, self.cookie = base, session_id, cookie
        self.tone_hz = tone_hz
        self.video = video
        self.report = report or (lambda line: None)
        self.ws: ClientConnection | None = None
        self.me: int | None = None
        self.ice: list[RTCIceServer] = []
        self.links: dict[int, PeerLink] = {}
        self.state: dict[str, Any] = {}
        self.received: dict[int, list[np.ndarray]] = defaultdict(list)
        self.joined = asyncio.Event()
        # One source per kind, relayed to every peer connection: a track read by several
        # senders directly would hand each of them only some of its frames.
        self._relay = MediaRelay()
        self._sources = [ToneTrack(tone_hz), *([PatternTrack(320, 180, 15)] if video else [])]
        self._names: dict[int, str] = {}
        self.tab = f"bot-{secrets.token_hex(4)}"
        # A send-only link to the room's recorder while a consented recording runs.
        self.uplink = RecorderUplink(
            lambda: self._relay.subscribe(self._sources[0]), self._send, lambda: self.ice
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Stay in the room until `stop` is set; a refusal or a lost socket is raised afterwards."""
        url = self.base.replace("http", "ws", 1) + f"/sessions/{self.session_id}/ws?tab={self.tab}"
        error: BaseException | None = None
        try:
            async with connect(
                url, additional_headers={"Cookie": self.cookie}, origin=self.base
            ) as ws:
                self.ws = ws
                reader = asyncio.create_task(self._read())
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait([reader, stopper], return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if reader.done() and not stop.is_set():
                    error = reader.exception() or ConnectionError(
                        "the server closed the room socket"
                    )
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
        finally:
            await self.close()
        if error is not None:
            raise error

    async def close(self) -> None:
        await self.uplink.close()
        for link in list(self.links.values()):
            await self._drop(link)
        self.links.clear()
        for source in self._sources:
            source.stop()

    async def _send(self, message: dict[str, Any]) -> None:
        if self.ws is not None:
            await self.ws.send(json.dumps(message))

    async def request_recording(self) -> None:
        """Ask to record the session (which is this bot's own consent too)."""
        await self._send({"type": "recording.request"})

    async def consent(self, given: bool = True) -> None:
        """Answer the room's recording request: a withdrawal stops any recording at once."""
        await self._send({"type": "recording.consent", "given": given})

    async def _read(self) -> None:
        assert self.ws is not None
        async for text in self.ws:
            message = json.loads(text)
            kind = message["type"]
            if kind == "welcome":
                you = message["you"]
                self.me = you["id"]
                self.ice = [RTCIceServer(**server) for server in message["ice_servers"]]
                self.report(
                    f"joined session {self.session_id} as {you['name']} ({you['kind']}"
                    + (f", role {you['role']})" if you.get("role") else ")")
                )
                await self._send(
                    {"type": "media.state", "audio": True, "video": self.video, "audio_only": False}
                )
                await self._apply(message["state"], welcome=True)
                self.joined.set()
            elif kind == "state":
                await self._apply(message["state"])
            elif kind == "signal" and message["from"] == RECORDER_ID:
                await self.uplink.on_signal(message)
            elif kind == "signal":
                await self._on_signal(message)
            elif kind == "error":
                if message.get("fatal"):
                    raise RuntimeError(message["message"])
                self.report(f"server: {message['message']}")

    async def _apply(self, state: dict[str, Any], welcome: bool = False) -> None:
        if state.get("phase") != self.state.get("phase"):
            self.report(f"phase: {state.get('phase')}")
        self.state = state
        people = {p["id"]: p for p in state["people"] if p["present"] and p["id"] != self.me}
        self._names.update({p["id"]: p["name"] for p in state["people"]})
        for person_id in list(self.links):
            if person_id not in people:
                self.report(f"{self._names.get(person_id, person_id)} left")
                await self._drop(self.links.pop(person_id))
        for person_id, person in people.items():
            if person_id not in self.links:
                self.report(f"{person['name']} is here")
            # As in the browsers' mesh, the newcomer makes the first offer: to everyone in its
            # welcome; people who arrive later offer to it.
            link = self.links.get(person_id) or await self._link(person_id, offer=welcome)
            self._gate(person_id, link)
        await self.uplink.apply(state.get("recording") or {})

    async def _link(self, person_id: int, *, offer: bool) -> PeerLink:
        assert self.me is not None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice))
        link = PeerLink(pc, polite=self.me < person_id)
        # Unbuffered: a gated or not yet connected sender must not let frames pile up.
        link.tracks = [self._relay.subscribe(source, buffered=False) for source in self._sources]
        self.links[person_id] = link

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("connected", "failed") and self.links.get(person_id) is link:
                self.report(
                    f"media {pc.connectionState} with {self._names.get(person_id, person_id)}"
                )

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                link.tasks.append(asyncio.create_task(self._listen(person_id, track)))
            else:
                blackhole = MediaBlackhole()
                blackhole.addTrack(track)
                link.tasks.append(asyncio.create_task(blackhole.start()))

        if offer:
            self._attach(link, answering=False)
            await self._offer(person_id, link)
        else:  # as the browsers do: no offer from them in a while, so offer ourselves
            link.tasks.append(asyncio.create_task(self._offer_unless_offered(person_id, link)))
        return link

    async def _offer_unless_offered(self, person_id: int, link: PeerLink) -> None:
        await asyncio.sleep(OFFER_FALLBACK_SECONDS)
        if self.links.get(person_id) is link and link.pc.remoteDescription is None:
            self._attach(link, answering=False)
            self._gate(person_id, link)
            await self._offer(person_id, link)

    def _attach(self, link: PeerLink, *, answering: bool) -> bool:
        """Give the connection this link's tracks; True if some must wait for an offer of ours.

        An answer can only carry kinds the offer has (aiortc fails on a track the offer lacks),
        so when answering, a kind the other side did not offer is sent in a new offer after it.
        """
        waiting = False
        for track in link.tracks:
            if track.kind in link.senders:
                continue
            offered = any(
                t.kind == track.kind and t.sender.track is None for t in link.pc.getTransceivers()
            )
            if answering and not offered:
                waiting = True
            else:
                link.senders[track.kind] = link.pc.addTrack(track)
        return waiting

    def _gate(self, person_id: int, link: PeerLink) -> None:
        """As browsers do: nothing to those behind a caucus wall, no video to audio-only people."""
        people = self.state.get("people", [])
        person = next((p for p in people if p["id"] == person_id), {})
        allowed = bool(self.state.get("media_to", {}).get(str(person_id)))
        for track in link.tracks:
            if (sender := link.senders.get(track.kind)) is not None:
                send = allowed and (track.kind == "audio" or not person.get("audio_only"))
                sender.replaceTrack(track if send else None)

    async def _offer(self, person_id: int, link: PeerLink) -> None:
        link.making_offer = True
        try:
            await link.pc.setLocalDescription(await link.pc.createOffer())
            await self._send_description(person_id, link.pc)
        finally:
            link.making_offer = False

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
                waiting = self._attach(link, answering=True)
                self._gate(sender, link)
                await link.pc.setLocalDescription(await link.pc.createAnswer())
                await self._send_description(sender, link.pc)
                if waiting:
                    self._attach(link, answering=False)
                    self._gate(sender, link)
                    await self._offer(sender, link)
        elif (candidate := message.get("candidate")) and candidate.get("candidate"):
            await add_candidate(link.pc, candidate)

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
        for track in link.tracks:
            track.stop()  # leaves the relay, which stops reading the source when nobody is left
