"""What every server-side aiortc peer (echo check, recorder, bot) needs: a configuration that
uses only our ICE servers, and trickled candidates from a browser's JSON."""

from __future__ import annotations

import contextlib
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.sdp import candidate_from_sdp


def rtc_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    """Only the configured ICE servers (maybe none): aiortc's default is an outside STUN host."""
    return RTCConfiguration(iceServers=[RTCIceServer(**server) for server in ice_servers])


async def add_candidate(pc: RTCPeerConnection, candidate: dict[str, Any]) -> None:
    """Add a browser's `RTCIceCandidate.toJSON()`; a malformed or late one is ignored, as a
    browser ignores it."""
    parsed = candidate_from_sdp(candidate["candidate"].removeprefix("candidate:"))
    parsed.sdpMid, parsed.sdpMLineIndex = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
    with contextlib.suppress(Exception):
        await pc.addIceCandidate(parsed)
