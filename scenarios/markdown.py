"""Render case and rubric prose (Markdown) to HTML that is safe to put in a page."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_CACHED_LENGTH = 20_000  # longer texts are rare; rendering them uncached keeps the cache small


def render_markdown(text: str) -> Markup:
    """Markdown (CommonMark with tables) as sanitised HTML: raw HTML and scripts never pass."""
    if not isinstance(text, str):
        raise TypeError(f"render_markdown takes text, not {type(text).__name__}")
    return _render_cached(text) if len(text) <= _CACHED_LENGTH else _render(text)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is shown as text, and images are left out: case prose needs neither.
    options = {"html": False, "linkify": False, "typographer": False}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"]).disable("image")


def _render(text: str) -> Markup:
    html = nh3.clean(
        _parser().render(text),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )
    return Markup(html)  # safe: nh3 has just removed everything but plain formatting


_render_cached = lru_cache(maxsize=2048)(_render)
