"""Static files served under URLs that carry a content hash, so browsers never run stale code."""

from __future__ import annotations

import hashlib
from pathlib import Path

from markupsafe import Markup
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"


def content_hashes(root: Path = STATIC_DIR) -> dict[str, str]:
    """A short content hash for every file below `root`, keyed by its relative posix path."""
    hashes: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            hashes[path.relative_to(root).as_posix()] = digest
    return hashes


class HashedStaticFiles(StaticFiles):
    """StaticFiles that lets browsers keep a hashed URL for a year."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = b"v=" in scope.get("query_string", b"")

        async def send_with_cache(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                value = b"public, max-age=31536000, immutable" if versioned else b"no-cache"
                message.setdefault("headers", []).append((b"cache-control", value))
            await send(message)

        await super().__call__(scope, receive, send_with_cache)


def inline_script_builder(root: Path = STATIC_DIR):  # noqa: ANN201
    """`inline_script('room/start.js')` -> the file's text, read once, for a <script> element."""
    texts: dict[str, Markup] = {}

    def inline_script(path: str) -> Markup:
        if path not in texts:
            text = (root / path).read_text(encoding="utf-8")
            if "</script" in text.lower():  # would end the element early
                raise ValueError(f"{path} cannot be inlined: it contains '</script'")
            texts[path] = Markup(text)
        return texts[path]

    return inline_script


def static_url_builder(hashes: dict[str, str]):  # noqa: ANN201
    """`static('app.css')` -> `/static/app.css?v=<hash>`; an unknown file is a programming error."""

    def static(path: str) -> str:
        return f"/static/{path}?v={hashes[path]}"

    return static
