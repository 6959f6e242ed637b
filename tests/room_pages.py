"""Helpers for driving live rooms in Chromium: open a person's room page, read its media stats."""

from __future__ import annotations

from urllib.parse import urlsplit

from helpers import session_cookie

STATUS = "[data-testid=room-status]"


async def open_room(browser, base: str, person, session_id: int):  # noqa: ANN001, ANN201
    """A page of the room as `person`, in a context of its own (its own cookies and devices)."""
    context = await browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1280, "height": 860}
    )
    cookie = await session_cookie(base, person.email)
    name, value = cookie.split("=", 1)
    await context.add_cookies(
        [{"name": name, "value": value, "domain": urlsplit(base).hostname, "path": "/"}]
    )
    page = await context.new_page()
    await page.goto(f"{base}/sessions/{session_id}/room")
    return page


async def wait_status(page, status: str, timeout: float = 20_000) -> None:  # noqa: ANN001
    await page.wait_for_function(
        f"document.querySelector('{STATUS}')?.textContent === '{status}'", timeout=timeout
    )


async def inbound_bytes(page) -> dict[int, int]:  # noqa: ANN001
    """RTP bytes received so far from each other person, by their person id."""
    return await page.evaluate(
        """async () => {
            const out = {};
            for (const [id, peer] of window.__room.peers) {
                let total = 0;
                (await peer.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp") total += s.bytesReceived || 0; });
                out[id] = total;
            }
            return out;
        }"""
    )


async def flowing(page, seconds: float = 1.5) -> dict[int, int]:  # noqa: ANN001
    """How many bytes arrived from each person over a short window."""
    before = await inbound_bytes(page)
    await page.wait_for_timeout(seconds * 1000)
    after = await inbound_bytes(page)
    return {int(k): after[k] - before.get(k, 0) for k in after}


async def first_offers(page) -> dict[int, str]:  # noqa: ANN001
    """Who made the first offer on each of the page's connections: "made" (this page) or
    "received", read from the connection's negotiation trace."""
    found = await page.evaluate(
        """() => {
            const out = {};
            for (const [id, peer] of window.__room.peers) {
                const step = peer.trace.find((s) => / (negotiationneeded|in offer) /.test(s + " "));
                out[id] = !step ? "none" : step.includes("negotiationneeded") ? "made" : "received";
            }
            return out;
        }"""
    )
    return {int(person): who for person, who in found.items()}
