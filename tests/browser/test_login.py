"""Logging in through the real form, in Chromium, against the real server."""

from __future__ import annotations

import pytest
from helpers import PASSWORD

from simulator.models import Role

pytestmark = pytest.mark.browser


async def test_login_form_in_chromium(live_server, make_person, browser):
    trainee = make_person(Role.TRAINEE, name="Achieng Otieno", timezone="Africa/Nairobi")
    page = await browser.new_page()
    await page.goto(f"{live_server}/profile")
    assert page.url.startswith(f"{live_server}/login?next=")
    await page.get_by_label("Email").fill(trainee.email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Log in").click()
    alert = await page.get_by_role("alert").inner_text()
    assert alert.startswith("That email and password do not match")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{live_server}/profile")
    assert await page.get_by_label("Time zone").input_value() == "Africa/Nairobi"
    assert "Signed in as Achieng Otieno" in await page.locator("footer").inner_text()
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url(f"{live_server}/login")
