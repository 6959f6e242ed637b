"""Private calendar feeds: the token in a person's feed URL, and the ICS text of their sessions.

The token is an HMAC of the person's id and calendar epoch, so nothing secret is stored and
bumping the epoch revokes every copy of the old URL. Events carry UTC times (correct in every
client whatever its zone) and stable UIDs, so a subscribed calendar updates an event when a
session moves instead of adding a second one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from simulator.timeutil import as_utc

PRODUCT_ID = "-//Mediation Simulator//Sessions//EN"


def feed_token(key: str, person_id: int, epoch: int) -> str:
    """The secret part of a person's feed URL: '<id>-<mac>'."""
    mac = hmac.new(key.encode(), f"calendar:{person_id}:{epoch}".encode(), hashlib.sha256)
    return f"{person_id}-{mac.hexdigest()[:32]}"


def token_person(token: str) -> int | None:
    """The person id a token claims (to be checked with `token_matches`), or None if malformed."""
    head, _, mac = token.partition("-")
    if not head.isdigit() or len(mac) != 32 or len(head) > 12:
        return None
    return int(head)


def token_matches(key: str, token: str, person_id: int, epoch: int) -> bool:
    return hmac.compare_digest(token, feed_token(key, person_id, epoch))


@dataclass(frozen=True)
class Entry:
    """One session in someone's calendar, in words that are safe to show in any calendar."""

    session_id: int
    start: datetime
    duration_minutes: int
    title: str
    description: str
    cancelled: bool = False


def calendar_ics(name: str, entries: Iterable[Entry], base_url: str, now: datetime) -> bytes:
    """An iCalendar (RFC 5545) document with one event per entry."""
    host = urlsplit(base_url).hostname or "localhost"
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Mediation practice: {name}")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    root = base_url.rstrip("/")
    for entry in entries:
        start = as_utc(entry.start)
        event = Event()
        event.add("uid", f"session-{entry.session_id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=entry.duration_minutes))
        event.add("summary", entry.title)
        event.add("description", entry.description)
        event.add("url", f"{root}/sessions/{entry.session_id}")
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
