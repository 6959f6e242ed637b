"""Pages as a person meets them: errors, static assets, the profile form."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from helpers import csrf_from, log_in

from simulator.models import Person, Role
from web.staticfiles import inline_script_builder


async def test_not_found_is_an_html_page_and_json_for_the_api(client, make_person):
    await log_in(client, make_person().email)
    page = await client.get("/no/such/page")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text
    api = await client.get("/api/nothing-here")
    assert api.status_code == 404 and "error" in api.json()


async def test_wrong_role_gets_a_403_page_that_shows_nothing(client, make_person):
    await log_in(client, make_person(Role.TRAINEE).email)
    page = await client.get("/people")
    assert (
        page.status_code == 403 and "Not allowed" in page.text and "@example.org" not in page.text
    )


async def test_static_urls_carry_a_content_hash_and_are_cached(client, make_person):
    page = (await client.get("/login")).text
    [href] = re.findall(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page)
    response = await client.get(href)
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]
    assert "immutable" in response.headers["cache-control"]


async def test_security_headers(client):
    response = await client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_profile_saves_zone_and_languages(client, make_person, database):
    person = make_person(Role.TRAINEE)
    await log_in(client, person.email)
    token = csrf_from((await client.get("/profile")).text)
    response = await client.post(
        "/profile",
        data={
            "name": "Lin Mei-hua",
            "timezone": "Asia/Taipei",
            "languages": "zh, EN;en",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    with database.session() as session:
        saved = session.get(Person, person.id)
    assert (saved.name, saved.timezone, saved.languages) == ("Lin Mei-hua", "Asia/Taipei", "zh;en")
    assert "Times are now shown in Asia/Taipei" in (await client.get("/profile?saved=1")).text


async def test_profile_errors_keep_what_was_typed_and_change_nothing(client, make_person, database):
    person = make_person(Role.COACH)
    await log_in(client, person.email)
    token = csrf_from((await client.get("/profile")).text)
    response = await client.post(
        "/profile",
        data={"name": "", "timezone": "Nairobi", "languages": "english", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Give your name" in response.text and "not a time zone" in response.text
    assert "two- or three-letter language codes" in response.text
    assert 'value="Nairobi"' in response.text
    with database.session() as session:
        assert session.get(Person, person.id).timezone == "UTC"


async def test_staff_create_a_cohort(client, make_person):
    await log_in(client, make_person(Role.STAFF).email)
    token = csrf_from((await client.get("/")).text)
    bad = await client.post("/cohorts", data={"name": "", "group_size": "12", "csrf_token": token})
    assert (
        bad.status_code == 400
        and "Group size must be" in bad.text
        and "Give the cohort a name" in bad.text
    )
    good = await client.post(
        "/cohorts", data={"name": "Evening cohort", "group_size": "4", "csrf_token": token}
    )
    assert good.status_code == 303
    page = await client.get(good.headers["location"])
    assert page.status_code == 200 and "Evening cohort" in page.text
    assert "Evening cohort" in (await client.get("/")).text


async def test_room_page_starts_camera_and_socket_first_and_session_page_prefetches_it(
    client, make_person, make_session
):
    person = make_person(Role.TRAINEE)
    session = make_session([person, make_person(Role.TRAINEE)], starts_in=timedelta(minutes=-1))
    await log_in(client, person.email)
    room = (await client.get(f"/sessions/{session.id}/room")).text
    head = room[: room.index("</head>")]
    # The inline start script comes before any stylesheet (a script after one waits for it).
    start = head.index("window.roomStart")
    assert start < head.index('rel="stylesheet"')
    assert head.index('id="room-config"') < start
    config = json.loads(re.search(r'id="room-config">(.*?)</script>', head).group(1))
    assert config["wsPath"] == f"/sessions/{session.id}/ws"
    modules = re.findall(r'rel="modulepreload" href="(/static/room/\w+\.js\?v=\w{12})"', head)
    assert len(modules) == 8 and all(f'"{url}"' in head for url in modules)  # mapped and preloaded
    # Every module the room page uses is prefetched by the session page, from where people join.
    page = (await client.get(f"/sessions/{session.id}")).text
    prefetched = re.findall(r'rel="prefetch" href="(/static/room/[\w.]+\?v=\w{12})"', page)
    assert set(modules) <= set(prefetched)
    for url in prefetched:
        assert (await client.get(url)).status_code == 200


def test_a_script_that_would_end_its_element_is_not_inlined(tmp_path):
    (tmp_path / "bad.js").write_text('const s = "</script><img src=x onerror=alert(1)>";')
    (tmp_path / "good.js").write_text("window.ok = 1 < 2;")
    inline = inline_script_builder(tmp_path)
    assert str(inline("good.js")) == "window.ok = 1 < 2;"
    with pytest.raises(ValueError, match="cannot be inlined"):
        inline("bad.js")
