"""Logging set-up: readable lines on a terminal, or one JSON object per line for a collector.

Room and request code put the ids of what they are handling (session, person) in a context
variable with `bind`; every record logged inside carries them, so a log collector can follow one
role-play session across workers without each call site repeating the ids.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from simulator.errors import ConfigError

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)
FORMATS = ("text", "json")


@contextlib.contextmanager
def bind(**ids: Any) -> Iterator[None]:
    """Attach ids (session_id=..., person_id=...) to every record logged inside the block."""
    token = _context.set({**(_context.get() or {}), **ids})
    try:
        yield
    finally:
        _context.reset(token)


def bound() -> dict[str, Any]:
    return dict(_context.get() or {})


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (as `record.context`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = bound()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "context", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = getattr(record, "context", {})
        return line + "".join(f" {k}={v}" for k, v in ids.items()) if ids else line


def configure(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send every logger's records (ours and uvicorn's) to stderr in the chosen format."""
    if fmt not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
