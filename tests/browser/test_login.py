"""Logging in through the real form, in Chromium, against the real server."""

from __future__ import annotations

import pytest
from helpers import PASSWORD

from simulator.models import Role

pytestmark = pytest.mark.browser


def test_login_form_in_chromium(browser, live_server, make_person, tmp_path):
    trainee = make_person(Role.TRAINEE, name="Achieng Otieno", timezone="Africa/Nairobi")
    page = browser.new_page()
    try:
        page.goto(f"{live_server}/profile")
        assert page.url.startswith(f"{live_server}/login?next=")
        page.get_by_label("Email").fill(trainee.email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        assert (
            page.get_by_role("alert")
            .inner_text()
            .startswith("That email and password do not match")
        )
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/profile")
        assert page.get_by_label("Time zone").input_value() == "Africa/Nairobi"
        assert "Signed in as Achieng Otieno" in page.locator("footer").inner_text()
        page.screenshot(path=str(tmp_path / "profile.png"))
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{live_server}/login")
    finally:
        page.close()
