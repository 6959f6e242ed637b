"""Operations metrics for the web app: the request counter, sharing counts between workers, and
`GET /metrics` in the Prometheus text format."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.telemetry import Counters, Key, decode_key, encode_key, key, render
from web.auth import public

log = logging.getLogger("web.metrics")
SHARED_HASH = "msim:metrics"
FLUSH_SECONDS = 5.0


class MetricsStore:
    """This process's counters, added to a Redis hash when several workers share Redis."""

    def __init__(self, counters: Counters, redis_url: str = "") -> None:
        self.counters = counters
        self._redis = None
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.Redis.from_url(redis_url, decode_responses=True)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._redis is not None:
            self._task = asyncio.create_task(self._flush_forever(), name="metrics-flush")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self.flush()
            await self._redis.aclose()

    async def flush(self) -> None:
        if self._redis is None:
            return
        deltas = self.counters.take()
        if not deltas:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for k, value in deltas.items():
                    pipe.hincrbyfloat(SHARED_HASH, encode_key(k), value)
                await pipe.execute()
        except Exception:
            for k, value in deltas.items():  # keep them for the next try
                self.counters.unshared[k] += value
            raise

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except Exception as exc:  # Redis away: counts wait in memory
                log.warning("could not share metrics through Redis: %s", exc)

    async def totals(self) -> dict[Key, float]:
        """Counts of the whole deployment (all workers), or of this process without Redis."""
        if self._redis is None:
            return dict(self.counters.totals)
        await self.flush()
        raw = await self._redis.hgetall(SHARED_HASH)
        return {decode_key(k): float(v) for k, v in raw.items()}


class RequestCounter:
    """Counts HTTP responses by status class; a 5xx also counts as an error."""

    def __init__(self, app: ASGIApp, counters: Counters) -> None:
        self.app, self.counters = app, counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                self.counters.inc("mediation_http_requests_total", status=f"{status // 100}xx")
                if status >= 500:
                    self.counters.inc("mediation_errors_total", kind="http_5xx")
            await send(message)

        await self.app(scope, receive, counting_send)


def _allowed(request: Request, token: str) -> bool:
    """Loopback scrapers always; others only with the configured bearer token."""
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given, f"Bearer {token}"):
        return True
    forwarded = request.headers.get("x-forwarded-for")
    host = request.client.host if request.client else ""
    with contextlib.suppress(ValueError):
        return forwarded is None and ipaddress.ip_address(host).is_loopback
    return False


@public
async def metrics(request: Request) -> Response:
    state = request.app.state
    if not _allowed(request, state.settings.metrics_token):
        return PlainTextResponse(
            "Metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere.\n",
            status_code=403,
        )
    rows = await state.rooms.live_rows()
    samples = list((await state.metrics.totals()).items())
    samples.append((key("mediation_live_rooms", {}), float(len(rows))))
    connected = sum(r.trainees_present + int(r.coach_present) for r in rows)
    samples.append((key("mediation_connected_participants", {}), float(connected)))
    return PlainTextResponse(render(samples), media_type="text/plain; version=0.0.4")


ROUTES = [Route("/metrics", metrics, methods=["GET"])]
