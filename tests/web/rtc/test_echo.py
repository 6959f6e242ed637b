"""The echo peer: media really comes back, and peers end when the browser goes or time is up."""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from helpers import csrf_from, log_in

from simulator.models import Role
from web.rtc.echo import EchoPeers, parse_offer
from web.rtc.peer import rtc_configuration
from web.rtc.tone import PatternTrack, ToneTrack, dominant_frequency, mono_samples

pytestmark = pytest.mark.slow


async def offer_from(pc: RTCPeerConnection) -> dict[str, str]:
    await pc.setLocalDescription(await pc.createOffer())
    return {"type": "offer", "sdp": pc.localDescription.sdp}


async def wait_until(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def test_no_outside_stun_server_unless_configured():
    assert rtc_configuration([]).iceServers == []
    configured = rtc_configuration([{"urls": ["stun:stun.example.org:3478"]}])
    assert [server.urls for server in configured.iceServers] == [["stun:stun.example.org:3478"]]


async def test_audio_and_video_come_back_through_the_http_signaling(client, app, make_person):
    await log_in(client, make_person(Role.TRAINEE).email)
    token = csrf_from((await client.get("/check")).text)
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTrack(ToneTrack(523.0))
    pc.addTrack(PatternTrack(320, 180, 15))
    heard: list[np.ndarray] = []
    frames = {"video": 0}
    tasks: list[asyncio.Task[None]] = []

    async def listen(track) -> None:  # noqa: ANN001
        with contextlib.suppress(Exception):
            while True:
                frame = await track.recv()
                if track.kind == "audio":
                    heard.append(mono_samples(frame))
                else:
                    frames["video"] += 1

    pc.on("track", lambda track: tasks.append(asyncio.create_task(listen(track))))
    try:
        response = await client.post(
            "/check/offer", json=await offer_from(pc), headers={"X-CSRF-Token": token}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["type"] == "answer" and answer["max_seconds"] == 60
        assert "a=candidate" in answer["sdp"]  # gathered before answering: no trickle needed
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        await wait_until(lambda: sum(c.size for c in heard) >= 48_000 and frames["video"] > 10)
        assert abs(dominant_frequency(np.concatenate(heard)[-48_000:]) - 523) < 5
        assert len(app.state.echo) == 1
    finally:
        await pc.close()
        for task in tasks:
            task.cancel()
    # The browser closing its side (DTLS close_notify) ends the server's peer.
    await wait_until(lambda: len(app.state.echo) == 0, timeout=5)


async def test_a_peer_closes_after_its_time_even_if_the_browser_stays():
    peers = EchoPeers(max_peers=2, max_seconds=0.5)
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTrack(ToneTrack())
    try:
        answer = await peers.answer(7, parse_offer(await offer_from(pc)), [])
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        assert len(peers) == 1
        await wait_until(lambda: len(peers) == 0, timeout=3)
    finally:
        await pc.close()
        await peers.stop()


async def test_a_new_run_replaces_the_same_persons_peer():
    peers = EchoPeers(max_peers=1, max_seconds=30)
    first, second = (RTCPeerConnection(rtc_configuration([])) for _ in range(2))
    for pc in (first, second):
        pc.addTrack(ToneTrack())
    try:
        one = await peers.answer(7, parse_offer(await offer_from(first)), [])
        two = await peers.answer(7, parse_offer(await offer_from(second)), [])
        assert list(peers.peers) == [two["id"]] and one["id"] != two["id"]
    finally:
        await first.close()
        await second.close()
        await peers.stop()
