"""ICE servers for browsers, with TURN credentials minted per person.

The TURN REST scheme that coturn implements (`use-auth-secret`): the username is
`<expiry unix time>:<person id>` and the password is base64(HMAC-SHA1(secret, username)), so the
TURN server checks it with the shared secret alone and it stops working when it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any


def turn_credential(
    secret: str, person_id: int, ttl_seconds: int, now: float | None = None
) -> tuple[str, str]:
    expiry = int((now if now is not None else time.time()) + ttl_seconds)
    username = f"{expiry}:{person_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(
    urls_setting: str, turn_secret: str, person_id: int, ttl_seconds: int, now: float | None = None
) -> list[dict[str, Any]]:
    """The RTCPeerConnection `iceServers` list for one person (empty: direct connections only)."""
    urls = [u.strip() for u in urls_setting.split(",") if u.strip()]
    stun = [u for u in urls if u.startswith(("stun:", "stuns:"))]
    turn = [u for u in urls if u.startswith(("turn:", "turns:"))]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    if turn and turn_secret:
        username, credential = turn_credential(turn_secret, person_id, ttl_seconds, now)
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers
