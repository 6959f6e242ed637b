"""The Jinja2 environment: filters for local times, the static URL helper, CSRF tokens."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from scenarios.markdown import render_markdown
from simulator.timeutil import iso_utc, local
from web.csrf import csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"


def format_local(value: datetime, tz_name: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A stored time in the viewer's zone, with the zone's abbreviation (e.g. 'EAT')."""
    moment = local(value, tz_name)
    return f"{moment.strftime(fmt)} {moment.tzname()}"


def format_duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def make_templates(static_url, inline_script) -> Jinja2Templates:  # noqa: ANN001
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True),
        auto_reload=False,
    )
    env.filters["localtime"] = format_local
    env.filters["iso"] = iso_utc
    env.filters["duration"] = format_duration
    env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    env.globals["static"] = static_url
    env.globals["inline_script"] = inline_script
    templates = Jinja2Templates(env=env, context_processors=[_common_context])
    return templates


def _common_context(request: Request) -> dict[str, object]:
    return {
        "user": getattr(request.state, "user", None),
        "csrf_token": lambda: csrf_token(request),
    }
