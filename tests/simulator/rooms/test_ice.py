"""ICE servers and TURN credentials in coturn's REST (shared secret) scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac

from simulator.rooms.ice import ice_servers, turn_credential


def test_turn_credential_is_what_coturn_computes():
    username, password = turn_credential("s3cret", 42, 3600, now=1_700_000_000)
    assert username == "1700003600:42"
    expected = base64.b64encode(
        hmac.new(b"s3cret", b"1700003600:42", hashlib.sha1).digest()
    ).decode()
    assert password == expected


def test_servers_from_settings():
    assert ice_servers("", "", 1, 60) == []
    servers = ice_servers(
        "stun:stun.example.org:3478, turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349",
        "s3cret",
        7,
        600,
        now=100,
    )
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert servers[1]["urls"] == [
        "turn:turn.example.org:3478?transport=udp",
        "turns:turn.example.org:5349",
    ]
    assert servers[1]["username"] == "700:7" and servers[1]["credential"]
    assert ice_servers("turn:turn.example.org", "", 7, 600) == []  # no secret: no TURN offered
