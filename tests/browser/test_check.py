"""The connection check in Chromium with fake camera and microphone, against the real server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from helpers import session_cookie
from sqlmodel import select

from simulator.models import ConnectionCheck, Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = os.environ.get("CHECK_SHOTS")  # a folder: also save screenshots there, to look at


async def open_check(browser, base: str, person):  # noqa: ANN001, ANN201
    context = await browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1200, "height": 900}
    )
    name, value = (await session_cookie(base, person.email)).split("=", 1)
    await context.add_cookies(
        [{"name": name, "value": value, "domain": urlsplit(base).hostname, "path": "/"}]
    )
    page = await context.new_page()
    await page.goto(f"{base}/check")
    return page


async def test_chromium_runs_the_check_against_the_server_and_gets_figures(
    browser, live_server, make_person, database
):
    person = make_person(Role.TRAINEE, timezone="Asia/Taipei")
    page = await open_check(browser, live_server, person)
    await page.get_by_role("button", name="Start the check").click()
    await page.wait_for_function("window.__check.state === 'measuring'", timeout=15_000)
    if SHOTS:
        await page.wait_for_timeout(2500)
        await page.screenshot(path=f"{SHOTS}/check-during.png", full_page=True)
    await page.wait_for_function("window.__check.state === 'done'", timeout=30_000)
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/check-after.png", full_page=True)

    figures = {
        name: await page.text_content(f"[data-figure={name}]")
        for name in ("rtt", "jitter", "loss", "bitrate", "path")
    }
    assert figures["rtt"].endswith(" ms") and figures["jitter"].endswith(" ms"), figures
    assert figures["loss"].endswith("%") and figures["path"] == "direct", figures
    kbps = float(figures["bitrate"].removesuffix(" kbit/s"))
    assert kbps > 100, figures  # audio and video came back from the server
    verdict = page.locator("[data-testid=check-verdict]")
    assert await verdict.get_attribute("role") == "status"
    assert await verdict.get_attribute("data-verdict") in ("fine", "audio-only", "weak")
    assert (await verdict.text_content()).startswith("Your connection")
    assert await page.locator("#check-history tr").count() == 1

    with database.session() as session:
        [row] = session.exec(select(ConnectionCheck)).all()
    assert row.person_id == person.id and row.bitrate_kbps == pytest.approx(kbps, abs=1)
    assert row.verdict == await verdict.get_attribute("data-verdict") and not row.relayed
    await page.context.close()
