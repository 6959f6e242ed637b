"""Every setting in one declarative table: name, default, help and environment variable.

The table drives `Settings.from_env`, `mediation-sim settings` and the README's configuration table,
so the three never disagree.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ConfigError


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: Any
    help: str
    cast: Callable[[str], Any] = str
    secret: bool = False

    @property
    def env(self) -> str:
        return self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "sqlite:///mediation-sim.db",
        "SQLAlchemy URL of the database: `sqlite:///path.db` or `postgresql+psycopg://user@host/db`.",
    ),
    Setting(
        "storage_dir",
        "",
        "Folder for session recordings (created when needed). Empty: a `recordings` folder beside "
        "the SQLite database file, or in the working directory with PostgreSQL.",
    ),
    Setting(
        "redis_url",
        "",
        "Redis URL (`redis://127.0.0.1:6379/0`). When set, server processes share live rooms through it.",
    ),
    Setting(
        "secret_key",
        "",
        "Key that signs session cookies and private calendar-feed links. Required by `serve` (not by `demo`).",
        secret=True,
    ),
    Setting(
        "base_url",
        "http://127.0.0.1:8000",
        "Public address of the site, used in invitation links and calendar feeds. "
        "An `https://` address turns on Secure cookies.",
    ),
    Setting(
        "ice_servers",
        "",
        "Comma-separated STUN/TURN URLs given to browsers (`stun:stun.example.org:3478,"
        "turn:turn.example.org:3478?transport=udp`). Empty: direct connections only.",
    ),
    Setting(
        "turn_secret",
        "",
        "Shared secret of the TURN server (coturn `static-auth-secret`); credentials are minted per user.",
        secret=True,
    ),
    Setting("turn_ttl_seconds", 6 * 3600, "Lifetime of a minted TURN credential, in seconds.", int),
    Setting(
        "rtc_max_echo",
        4,
        "Connection checks (aiortc echo peers) one server process runs at once; more are told to "
        "wait. Each takes about 15% of a CPU core for its 10 to 20 seconds (`bench/rtc.py`).",
        int,
    ),
    Setting(
        "rtc_echo_seconds", 60, "Longest a connection check's echo peer lives, in seconds.", int
    ),
    Setting("login_max_failures", 5, "Failed logins for one account before it is throttled.", int),
    Setting(
        "login_lockout_minutes", 15, "How long failed logins are counted and a throttle lasts.", int
    ),
    Setting("invite_ttl_hours", 72, "How long an invitation link stays valid, in hours.", int),
    Setting("session_max_age_days", 14, "How long a login lasts without activity, in days.", int),
    Setting(
        "demo_mode",
        False,
        "Demo mode: fixed demo passwords allowed; set by `mediation-sim demo`.",
        _bool,
    ),
    Setting(
        "log_format",
        "text",
        "`text` for people reading a terminal, `json` for one JSON object per line (with the "
        "session and person ids of room events) for a log collector.",
    ),
    Setting(
        "metrics_token",
        "",
        "Bearer token that lets a Prometheus scraper read `/metrics` from outside this machine. "
        "Empty: `/metrics` answers loopback addresses only.",
        secret=True,
    ),
    Setting("debug", False, "Show tracebacks on error pages. Never in production.", _bool),
)


@dataclass(frozen=True)
class Settings:
    """Explicit settings handed to `create_app`; tests build their own."""

    database_url: str = "sqlite:///mediation-sim.db"
    storage_dir: str = ""
    redis_url: str = ""
    secret_key: str = field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    ice_servers: str = ""
    turn_secret: str = field(default="", repr=False)
    turn_ttl_seconds: int = 6 * 3600
    rtc_max_echo: int = 4
    rtc_echo_seconds: int = 60
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    invite_ttl_hours: int = 72
    session_max_age_days: int = 14
    demo_mode: bool = False
    log_format: str = "text"
    metrics_token: str = field(default="", repr=False)
    debug: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from the environment, with its default when unset."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is None:
                continue
            try:
                values[setting.name] = setting.cast(raw)
            except ValueError as exc:
                raise ConfigError(f"{setting.env}: {exc}") from None
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def recordings_dir(self) -> Path:
        """Where recordings are written: STORAGE_DIR, or a folder beside the SQLite file."""
        if self.storage_dir:
            return Path(self.storage_dir)
        if self.database_url.startswith("sqlite:///") and len(self.database_url) > 10:
            return Path(self.database_url.removeprefix("sqlite:///")).parent / "recordings"
        return Path("recordings")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def require_secret_key(self) -> None:
        """Refuse to serve real users with an unsigned or guessable cookie key."""
        if not self.secret_key and not self.demo_mode:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value, for example: "
                "export SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\""
            )


def settings_table_markdown() -> str:
    """The configuration table for the README and `mediation-sim settings`."""
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = setting.default
        shown = "(empty)" if default in ("", None) else f"`{default}`"
        if isinstance(default, bool):
            shown = f"`{str(default).lower()}`"
        lines.append(f"| `{setting.env}` | {shown} | {setting.help} |")
    return "\n".join(lines)
