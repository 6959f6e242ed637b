"""The consented recording of a room: a hidden, receive-only aiortc peer writing one audio file.

While a room's state says a recording runs on this worker (simulator/rooms/recording.py decides,
from everyone's consent), `RecorderManager` (recorders.py) seats a `RoomRecorder` in the room as a
hidden participant (id 0, never in the people list). Each browser or bot opens a send-only peer
connection to it and sends its microphone while the room allows. The recorder decodes every
person's audio, mixes it on one timeline (web/rtc/mixer.py) and writes one WebM/Opus file that
browsers play, so a coach reviews the session on a single timeline.

Audio only: aiortc decodes each video stream in software and would have to composite and
re-encode them, far more than a small server can afford per room; the voices are what a coach
reviews. Caucus pauses the recording: nothing is kept, the file runs on in silence so the
timeline still matches the clock. aiortc cannot restart ICE, so every (re)connection to the
recorder is a new RTCPeerConnection: a new offer from someone replaces their old connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from web.rtc.mixer import SAMPLE_RATE, Mixer
from web.rtc.peer import add_candidate, rtc_configuration
from web.rtc.tone import ToneTrack, mono_samples

log = logging.getLogger("web.rtc.recorder")
FLUSH_SECONDS = 0.25
LAG_SECONDS = 1.0  # audio is mixed this long after it arrives, so late frames still fit
BIT_RATE = 32_000  # Opus mono speech: about 14 MB an hour


class OpusFile:
    """A WebM/Opus mono file written as the mix grows (WebM plays in every current browser)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # One-second clusters flushed as they close: a crash loses at most the last second.
        self._container: Any = av.open(
            str(path),
            "w",
            format="webm",
            options={"cluster_time_limit": "1000", "flush_packets": "1"},
        )
        self._stream: Any = self._container.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        self._stream.codec_context.bit_rate = BIT_RATE
        self.samples = 0

    def write(self, samples: np.ndarray) -> None:
        if not len(samples):
            return
        frame = av.AudioFrame.from_ndarray(
            samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate, frame.pts = SAMPLE_RATE, self.samples
        self.samples += len(samples)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> int:
        """Finish the file (duration and cues are written now); returns its size in bytes."""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self.path.stat().st_size


SignalSender = Callable[[int, dict[str, Any]], Awaitable[bool]]


@dataclass(eq=False)
class _Link:
    pc: RTCPeerConnection
    tasks: list[asyncio.Task[None]]


class RoomRecorder:
    """One recording of one room: answers each person's offer and mixes what they send."""

    def __init__(
        self,
        path: Path,
        *,
        ice_servers: list[dict[str, Any]],
        send_signal: SignalSender,
        on_failure: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path, self.ice_servers, self.send_signal, self.clock = (
            path,
            ice_servers,
            send_signal,
            clock,
        )
        self.on_failure = on_failure
        self.mixer = Mixer()
        self.links: dict[int, _Link] = {}
        self.record: set[int] = set()  # whose audio the room allows now (none during caucus)
        self.present: set[int] = set()
        self.frames: dict[int, int] = {}  # frames kept per person, for tests and benchmarks
        self._file: OpusFile | None = None
        self._t0 = 0.0
        self._flusher: asyncio.Task[None] | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def position(self) -> int:
        """Where the timeline stands now, in samples since the recording began."""
        return int((self.clock() - self._t0) * SAMPLE_RATE)

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = OpusFile(self.path)
        self._t0 = self.clock()
        self._flusher = asyncio.create_task(self._flush_forever(), name="recorder-flush")

    async def stop(self) -> int:
        """Close every peer connection, write the rest of the mix, finish the file; its size."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        for task in list(self._pending):
            task.cancel()
        for person_id in list(self.links):
            await self._drop(person_id)
        if self._file is None:
            return 0
        file, self._file = self._file, None
        try:
            file.write(self.mixer.take(self.position()))
            return file.close()
        except Exception:
            log.exception("recorder: could not finish %s", self.path)
            return self.path.stat().st_size if self.path.exists() else 0

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            assert self._file is not None
            try:
                self._file.write(self.mixer.take(self.position() - int(LAG_SECONDS * SAMPLE_RATE)))
            except Exception:  # a full disk, say: the room must stop showing "● Recording"
                log.exception("recorder: could not write %s", self.path)
                if self.on_failure is not None:
                    await self.on_failure()
                return

    # --- what the room tells the recorder (its hidden socket) ----------------------------------

    async def on_text(self, text: str) -> None:
        """A frame from the hub for the recorder: its view of the room, or someone's signal."""
        try:
            message = json.loads(text)
            if message.get("type") == "state":
                self.follow(message["state"])
            elif message.get("type") == "signal":
                self._spawn(self.on_signal(message), message["from"])
        except Exception:
            log.exception("recorder: could not handle a frame")

    def follow(self, view: dict[str, Any]) -> None:
        """Keep only the audio the room allows now; forget the links of people who left."""
        self.record = set(view.get("record", []))
        self.present = set(view.get("present", []))
        for person_id in list(self.links):
            if person_id not in self.present:
                self._spawn(self._drop(person_id), person_id)

    def _spawn(self, work: Awaitable[None], person_id: int) -> None:
        """Run one person's signals in order (one lock each), others' alongside."""
        lock = self._locks.setdefault(person_id, asyncio.Lock())

        async def run() -> None:
            async with lock:
                try:
                    await work
                except Exception:
                    log.exception("recorder: signal from %s failed", person_id)

        task = asyncio.create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def on_signal(self, message: dict[str, Any]) -> None:
        sender = message["from"]
        description = message.get("description")
        if description and description.get("type") == "offer":
            await self._answer(sender, description["sdp"])
        elif (candidate := message.get("candidate")) and candidate.get("candidate"):
            link = self.links.get(sender)
            if link is None:
                return
            await add_candidate(link.pc, candidate)

    async def _answer(self, sender: int, sdp: str) -> None:
        """A new offer is a new connection (aiortc cannot restart ICE): replace any old one."""
        await self._drop(sender)
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        link = _Link(pc, [])
        self.links[sender] = link

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                link.tasks.append(asyncio.create_task(self._consume(sender, track)))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "failed" and self.links.get(sender) is link:
                await self._drop(sender)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in pc.getTransceivers():
            # Receive audio only; anything else is declined, so nothing else is sent or decoded.
            transceiver.direction = "recvonly" if transceiver.kind == "audio" else "inactive"
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription
        await self.send_signal(sender, {"description": {"type": answer.type, "sdp": answer.sdp}})

    async def _consume(self, sender: int, track: MediaStreamTrack) -> None:
        with contextlib.suppress(Exception):  # the track ends when its connection closes
            while True:
                frame = await track.recv()
                if sender in self.record:  # the room decides, whatever a client sends
                    self.mixer.add(sender, mono_samples(frame), self.position())
                    self.frames[sender] = self.frames.get(sender, 0) + 1

    async def _drop(self, person_id: int) -> None:
        link = self.links.pop(person_id, None)
        if link is None:
            return
        for task in link.tasks:
            task.cancel()
        self.mixer.forget(person_id)
        await link.pc.close()


# --- the other end: an aiortc participant sending to the recorder ------------------------------


class RecorderUplink:
    """What a browser's room/recorder.js does, for aiortc participants (bots): a send-only
    connection to the recorder while it is in the room, gated as the room says."""

    def __init__(
        self,
        make_track: Callable[[], MediaStreamTrack],
        send: Callable[[dict[str, Any]], Awaitable[None]],
        ice_servers: Callable[[], list[RTCIceServer]],
    ) -> None:
        self.make_track, self.send, self.ice_servers = make_track, send, ice_servers
        self.pc: RTCPeerConnection | None = None
        self.instance: str | None = None
        self.track: MediaStreamTrack | None = None
        self.sender: RTCRtpSender | None = None

    async def apply(self, view: dict[str, Any]) -> None:
        """Follow the room's `recording` view: connect, reconnect afresh, gate, or close."""
        peer = view.get("peer")
        broken = self.pc is not None and self.pc.connectionState in ("failed", "closed")
        if self.pc is not None and (peer is None or peer["instance"] != self.instance or broken):
            await self.close()
        if peer is not None and self.pc is None:
            await self._open(peer)
        if self.sender is not None:
            self.sender.replaceTrack(self.track if view.get("send") else None)

    async def _open(self, peer: dict[str, Any]) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers()))
        self.instance, self.track = peer["instance"], self.make_track()
        self.sender = self.pc.addTransceiver(self.track, direction="sendonly").sender
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        await self.send(
            {
                "type": "signal",
                "to": peer["id"],
                "description": {"type": offer.type, "sdp": offer.sdp},
            }
        )

    async def on_signal(self, message: dict[str, Any]) -> None:
        description = message.get("description")
        if self.pc is not None and description and description.get("type") == "answer":
            await self.pc.setRemoteDescription(RTCSessionDescription(**description))

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        self.pc = self.sender = self.track = self.instance = None


# --- benchmark entry point ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingFigures:
    """What recording `participants` people for `seconds` cost the recording process."""

    participants: int
    seconds: float
    cpu_seconds: float  # CPU of the recorder's process (all its threads) while recording
    bytes: int
    duration: float  # of the file written, from its audio

    @property
    def cpu_percent_per_participant(self) -> float:
        return 100 * self.cpu_seconds / self.seconds / max(1, self.participants)


def file_duration(path: Path) -> float:
    """Seconds of audio in a recording, counted from its decoded samples."""
    return len(read_samples(path)) / SAMPLE_RATE


def read_samples(path: Path) -> np.ndarray:
    """A recording's audio as 48 kHz mono floats."""
    with av.open(str(path)) as container:
        chunks = [mono_samples(frame) for frame in container.decode(audio=0)]
    return np.concatenate(chunks) if chunks else np.zeros(0)


async def measure_recording(
    path: Path, tones: Sequence[float] = (440.0, 660.0), seconds: float = 10.0
) -> RecordingFigures:
    """Record one aiortc sender per tone into `path` for `seconds` (no server between them).

    The senders run in a child process, so the CPU time measured here is the recorder's alone:
    ICE, DTLS and SRTP, Opus decoding per person, mixing and writing the file. For bench/rtc.py:
    `figures.cpu_percent_per_participant` is one core's share per recorded person.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_senders_main, args=(theirs, list(tones)), daemon=True)
    child.start()
    loop = asyncio.get_running_loop()

    async def answer(to: int, payload: dict[str, Any]) -> bool:
        ours.send((to, payload["description"]["sdp"]))
        return True

    recorder = RoomRecorder(path, ice_servers=[], send_signal=answer)
    people = list(range(1, len(tones) + 1))
    try:
        await recorder.start()
        recorder.follow({"record": people, "present": people})
        for _ in tones:
            person, sdp = await loop.run_in_executor(None, _receive, ours, 30.0)
            await recorder.on_signal({"from": person, "description": {"type": "offer", "sdp": sdp}})
        deadline = time.monotonic() + 20
        while not all(recorder.frames.get(p) for p in people):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no audio from the senders: {recorder.frames}")
            await asyncio.sleep(0.05)
        cpu = time.process_time()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu
    finally:
        size = await recorder.stop()
        ours.send(None)
        await loop.run_in_executor(None, child.join, 10)
    return RecordingFigures(len(people), seconds, cpu, size, file_duration(path))


def _senders_main(pipe: Any, tones: list[float]) -> None:
    asyncio.run(_senders(pipe, tones))


async def _senders(pipe: Any, tones: list[float]) -> None:
    """The child process of `measure_recording`: one send-only tone peer per person."""
    loop = asyncio.get_running_loop()
    links = []
    for person, hz in enumerate(tones, start=1):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver(ToneTrack(hz), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        pipe.send((person, pc.localDescription.sdp))
        links.append(pc)
    for _ in tones:
        person, sdp = await loop.run_in_executor(None, pipe.recv)
        await links[person - 1].setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
    await loop.run_in_executor(None, pipe.recv)  # until told to stop
    for pc in links:
        await pc.close()


def _receive(pipe: Any, timeout: float) -> Any:
    """The next message from the sender process, or an error if it died or fell silent."""
    if not pipe.poll(timeout):
        raise RuntimeError("the sender process did not answer")
    return pipe.recv()
