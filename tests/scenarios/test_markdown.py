"""Markdown rendering: ordinary formatting passes, scripts and raw HTML never do."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markupsafe import Markup

from scenarios.loader import load_case_bytes
from scenarios.markdown import render_markdown
from scenarios.schema import Case

FIXTURE = Path(__file__).parent / "fixtures" / "quiet-hours.yaml"
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "![pic](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<div onclick=alert(1)>\nraw block\n</div>",
    "<iframe src=//evil.example></iframe>",
    "<style>body { display: none }</style>",
    "<svg onload=alert(1)>",
    '<p style="position:fixed">x</p>',
    "<!-- a comment --> <b onmouseover=alert(1)>bold</b>",
    '[ok](https://ok.example "title" onmouseover=alert(1))',
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, html
        assert not any(name.startswith("on") for name in attrs), html
        href = (attrs.get("href") or "").strip().lower()
        assert href.startswith(("http:", "https:", "mailto:", "/", "#")) or not href, html
        assert set(attrs) <= {"href", "title", "rel", "start", "style"}, html
        assert attrs.get("style") in (None, "text-align:left", "text-align:right",
                                      "text-align:center"), html  # fmt: skip
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    assert "<!--" not in html


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markup_never_survives(payload: str) -> None:
    html = render_markdown(f"Intro.\n\n{payload}\n\nOutro *fine*.")
    assert_safe(html)
    assert "<em>fine</em>" in html


PROSE_FIELDS = [
    (("summary",), lambda case: case.summary),
    (("coach_notes",), lambda case: case.coach_notes),
    (("roles", 0, "brief"), lambda case: case.roles[0].brief),
    (("roles", 0, "confidential"), lambda case: case.roles[0].confidential),
    (("roles", 1, "brief"), lambda case: case.roles[1].brief),
    (("roles", 1, "confidential"), lambda case: case.roles[1].confidential),
]


@pytest.mark.parametrize(
    ("path", "read"), PROSE_FIELDS, ids=[".".join(map(str, path)) for path, _ in PROSE_FIELDS]
)
def test_hostile_markup_in_every_prose_field_of_a_case(
    path: tuple[str | int, ...], read: Callable[[Case], str]
) -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    payload = "\n\n".join(HOSTILE)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = payload
    case, problems = load_case_bytes(yaml.safe_dump(data).encode(), "case.yaml")
    assert case is not None, problems
    assert read(case) == payload
    assert_safe(render_markdown(read(case)))


def test_ordinary_formatting_renders() -> None:
    html = render_markdown(
        "# Brief\n\nSome **bold**, *soft* and ~~old~~ text with `code`.\n\n"
        "1. first\n2. second\n\n> a quote\n\n"
        "| Party | Wants |\n|:--|--:|\n| Juma | quiet |\n\n"
        "[a link](https://example.org/x) and <https://example.org/auto>"
    )
    assert isinstance(html, Markup)
    assert "<h1>Brief</h1>" in html
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html and "<s>old</s>" in html
    assert "<ol>" in html and "<blockquote>" in html and "<code>code</code>" in html
    assert '<th style="text-align:left">Party</th>' in html
    assert '<td style="text-align:right">quiet</td>' in html
    assert '<a href="https://example.org/x" rel="noopener noreferrer">a link</a>' in html
    assert '<a href="https://example.org/auto" rel="noopener noreferrer">' in html


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>hi</b>") == Markup("<p>&lt;b&gt;hi&lt;/b&gt;</p>\n")


def test_rendering_is_cached_and_long_text_still_renders() -> None:
    assert render_markdown("*same*") is render_markdown("*same*")
    long_text = "word " * 10_000 + "<script>x</script>"
    html = render_markdown(long_text)
    assert html.startswith("<p>word word") and "&lt;script&gt;" in html


def test_only_text_is_accepted() -> None:
    with pytest.raises(TypeError):
        render_markdown(None)  # type: ignore[arg-type]
