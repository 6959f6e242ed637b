"""Operations: /metrics in the Prometheus text format, counts shared through Redis, JSON logs."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import httpx
import pytest
from helpers import RoomClient, session_cookie

from simulator import logs
from simulator.models import Role
from simulator.telemetry import Counters, key, render
from web.app import create_app
from web.metrics import MetricsStore

SAMPLE = re.compile(r'^([a-z_]+)(\{([a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf)$')


def _values(text: str) -> dict[str, float]:
    """Parse the exposition format strictly: every line is a comment or a valid sample."""
    values = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        values[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
    return values


def test_render_follows_the_text_format():
    text = render(
        [
            (key("mediation_errors_total", {"kind": 'a"b'}), 2.0),
            (key("mediation_live_rooms", {}), 3.0),
            (key("mediation_schedule_seconds_total", {}), 1.25),
        ]
    )
    assert "# TYPE mediation_errors_total counter" in text
    assert "# TYPE mediation_live_rooms gauge" in text
    values = _values(text)
    assert values['mediation_errors_total{kind="a\\"b"}'] == 2
    assert values["mediation_live_rooms"] == 3
    assert values["mediation_schedule_seconds_total"] == 1.25
    with pytest.raises(KeyError):
        Counters().inc("made_up_total")


async def test_metrics_answer_loopback_and_the_token_only(settings, database):
    app = create_app(settings.replace(metrics_token="scrape-me"), database=database)
    async with app.router.lifespan_context(app):
        outside = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=outside, base_url="http://testserver") as c:
            refused = await c.get("/metrics")
            assert refused.status_code == 403 and "METRICS_TOKEN" in refused.text
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 403
            ok = await c.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
            assert ok.status_code == 200
        local = httpx.ASGITransport(app=app, client=("127.0.0.1", 4000))
        async with httpx.AsyncClient(transport=local, base_url="http://testserver") as c:
            await c.get("/no-such-page")
            text = (await c.get("/metrics")).text
            proxied = await c.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
            assert proxied.status_code == 403  # through a proxy it is not local
    values = _values(text)
    assert values['mediation_http_requests_total{status="4xx"}'] >= 1
    assert values["mediation_live_rooms"] == 0


@pytest.mark.slow
async def test_room_traffic_is_counted_on_a_real_server(live_server, make_person, make_session):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    live = make_session(people, starts_in=-timedelta(minutes=2))
    client = await RoomClient.join(
        live_server, live.id, await session_cookie(live_server, people[0].email)
    )
    await client.next("welcome")
    await client.send("{not json")
    await client.next("error")
    await client.send({"type": "chat", "text": "hello"})
    async with httpx.AsyncClient(base_url=live_server) as c:
        values = _values((await c.get("/metrics")).text)
    await client.close()
    assert values["mediation_websocket_connections_total"] == 1
    assert values["mediation_websocket_messages_total"] >= 2
    assert values['mediation_errors_total{kind="ws_rejected"}'] >= 1
    assert values["mediation_live_rooms"] == 1
    assert values["mediation_connected_participants"] == 1


@pytest.mark.redis
async def test_workers_share_their_counts_through_redis(redis_url):
    one, two = Counters(), Counters()
    first, second = MetricsStore(one, redis_url), MetricsStore(two, redis_url)
    try:
        one.inc("mediation_websocket_messages_total", 3)
        two.inc("mediation_websocket_messages_total", 4)
        two.inc("mediation_errors_total", kind="http_5xx")
        await first.flush()
        totals = await second.totals()
        assert totals[key("mediation_websocket_messages_total", {})] == 7
        assert totals[key("mediation_errors_total", {"kind": "http_5xx"})] == 1
        await second.flush()
        assert (await first.totals())[key("mediation_websocket_messages_total", {})] == 7
    finally:
        await first.stop()
        await second.stop()


def test_json_logs_carry_the_bound_session_and_person():
    record = logging.LogRecord(
        "simulator.rooms", logging.INFO, __file__, 1, "left %s", ("x",), None
    )
    with logs.bind(session_id=12), logs.bind(person_id=7):
        logs.ContextFilter().filter(record)
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == "left x" and entry["session_id"] == 12 and entry["person_id"] == 7
    assert entry["level"] == "info" and entry["logger"] == "simulator.rooms"
    text = logs.TextFormatter().format(record)
    assert text.endswith("left x session_id=12 person_id=7")
    assert logs.bound() == {}
    with pytest.raises(Exception, match="LOG_FORMAT"):
        logs.configure("xml")
