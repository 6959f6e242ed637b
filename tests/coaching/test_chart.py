"""The level chart: valid SVG, accessible, escaped, and laid out in date order."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from markupsafe import Markup

from coaching.chart import EMPTY_MESSAGE, level_chart

SVG = "{http://www.w3.org/2000/svg}"
SCALE = [(1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Accomplished")]
CRITERIA = {"looping": "Looping", "caucus": "Caucus use", "options": "Generating options"}
START = datetime(2026, 3, 2, 14)


def week(n: int) -> datetime:
    return START + timedelta(weeks=n)


SERIES = {
    "looping": [(week(2), 3), (week(0), 1), (week(1), 2)],  # out of order on purpose
    "caucus": [(week(0), 2), (week(2), 2.5)],
    "options": [(week(1), 4)],
}


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def visible_text(root: ET.Element) -> list[str]:
    """Each <text> element's rendered text (a <title> inside it is a tooltip, not shown)."""
    return [
        (t.text or "") + "".join(child.tail or "" for child in t) for t in root.iter(f"{SVG}text")
    ]


def series_of(root: ET.Element) -> dict[str, ET.Element]:
    return {
        g.get("data-criterion", ""): g for g in root.iter(f"{SVG}g") if g.get("class") == "series"
    }


def marker_centres(group: ET.Element) -> list[tuple[float, float]]:
    """The centre of each point's marker, in drawing order."""
    centres = []
    for point in group.findall(f"{SVG}g"):
        (shape,) = [child for child in point if child.tag != f"{SVG}title"]
        if shape.tag == f"{SVG}circle":
            centres.append((float(shape.get("cx", "")), float(shape.get("cy", ""))))
        else:
            corners = [tuple(map(float, p.split(","))) for p in shape.get("points", "").split()]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            centres.append(((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2))
    return centres


def test_structure_is_accessible_svg() -> None:
    chart = level_chart(SERIES, CRITERIA, SCALE)
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == "Your level on each criterion over your sessions"
    desc = root[1]
    assert desc.tag == f"{SVG}desc"
    assert desc.text == (
        "Levels from Beginning (1) to Accomplished (4), 3 sessions from 2 Mar 2026 to 16 Mar 2026."
        " Looping: 2 Mar 2026 Beginning (1), 9 Mar 2026 Developing (2), 16 Mar 2026 Proficient (3)."
        " Caucus use: 2 Mar 2026 Developing (2), 16 Mar 2026 2.5."
        " Generating options: 9 Mar 2026 Accomplished (4)."
    )
    texts = visible_text(root)
    for label in ("Level", "Session date", "Beginning (1)", "Accomplished (4)", "2 Mar", "16 Mar"):
        assert label in texts
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend-entry"]
    assert [g.find(f"{SVG}text").text for g in legend] == list(CRITERIA.values())  # type: ignore[union-attr]


def test_one_line_and_points_per_criterion_in_date_order() -> None:
    groups = series_of(parse(level_chart(SERIES, CRITERIA, SCALE)))
    assert list(groups) == ["looping", "caucus", "options"]
    looping = marker_centres(groups["looping"])
    assert len(looping) == 3
    xs = [x for x, _ in looping]
    assert xs == sorted(xs) and len(set(xs)) == 3
    ys = [y for _, y in looping]
    assert ys[0] > ys[1] > ys[2]  # levels 1, 2, 3: higher level, smaller y
    polyline = groups["looping"].find(f"{SVG}polyline")
    assert polyline is not None
    line_xs = [float(p.split(",")[0]) for p in polyline.get("points", "").split()]
    assert line_xs == pytest.approx(xs, abs=0.1)
    # A criterion with one point has a marker and no line.
    assert groups["options"].find(f"{SVG}polyline") is None
    assert len(marker_centres(groups["options"])) == 1
    # Points of the same session share a column.
    assert marker_centres(groups["options"])[0][0] == pytest.approx(xs[1])
    point_titles = [t.text for t in groups["caucus"].iter(f"{SVG}title")]
    assert point_titles == [
        "Caucus use, 2 Mar 2026: Developing (2)",
        "Caucus use, 16 Mar 2026: 2.5",
    ]


def test_lines_differ_by_more_than_colour() -> None:
    criteria = {f"c{i}": f"Criterion {i}" for i in range(10)}
    series = {c: [(week(0), 1), (week(1), 2)] for c in criteria}
    groups = series_of(parse(level_chart(series, criteria, SCALE)))
    styles = set()
    for group in groups.values():
        line = group.find(f"{SVG}polyline")
        assert line is not None
        (point,) = group.findall(f"{SVG}g")[:1]
        shape = [child for child in point if child.tag != f"{SVG}title"][0]
        fill = shape.get("fill") == line.get("stroke")
        corners = len(shape.get("points", "").split())
        styles.add((line.get("stroke-dasharray"), shape.tag, corners, fill))
        assert line.get("stroke") not in {None, ""}
    assert len(styles) == 10  # dash pattern and marker alone tell every line apart
    assert len({g.find(f"{SVG}polyline").get("stroke") for g in groups.values()}) == 10  # type: ignore[union-attr]


def test_text_is_escaped() -> None:
    criteria = {"looping": "<script>alert('x')</script> & more"}
    scale = [(1, "Low <b>"), (2, 'High "quoted"')]
    chart = level_chart({"looping": [(week(0), 1), (week(1), 2)]}, criteria, scale, title="A<B")
    assert "<script>" not in chart and "<b>" not in chart
    assert "&lt;script&gt;" in chart
    root = parse(chart)  # still well-formed XML
    assert root[0].text == "A<B"
    texts = visible_text(root)
    assert "<script>alert('x')</script> & more" in texts
    assert "Low <b> (1)" in texts
    assert "<script>alert('x')</script> & more" in (root[1].text or "")


def test_one_point() -> None:
    root = parse(level_chart({"looping": [(week(0), 3)]}, CRITERIA, SCALE))
    groups = series_of(root)
    assert list(groups) == ["looping"]
    ((x, _),) = marker_centres(groups["looping"])
    width = float(root.get("width", ""))
    assert 0 < x < width
    assert "1 sessions" not in (root[1].text or "")
    assert (root[1].text or "").startswith("Levels from Beginning (1) to Accomplished (4), 2 Mar")


@pytest.mark.parametrize(
    "series", [{}, {"looping": []}, {"unknown": [(START, 2)]}], ids=["none", "empty", "other"]
)
def test_no_points_gives_a_message(series: dict[str, list[tuple[datetime, float]]]) -> None:
    chart = level_chart(series, CRITERIA, SCALE)
    assert chart == Markup(f'<p class="chart-empty">{EMPTY_MESSAGE}</p>')


def test_many_sessions_thin_the_date_labels() -> None:
    series = {"looping": [(week(n), 1 + n % 4) for n in range(40)]}
    root = parse(level_chart(series, CRITERIA, SCALE))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert 2 < len(labels) <= 9
    assert labels[0].text == "2 Mar" and labels[-1].text == "30 Nov"
    label_xs = [float(t.get("x", "")) for t in labels]
    assert label_xs == sorted(label_xs)
    assert min(b - a for a, b in zip(label_xs, label_xs[1:], strict=False)) > 50
    xs = [x for x, _ in marker_centres(series_of(root)["looping"])]
    assert len(xs) == 40 and xs == sorted(xs)


def test_dates_across_years_show_the_year() -> None:
    series = {"looping": [(datetime(2026, 12, 20), 2), (datetime(2027, 1, 3), 3)]}
    root = parse(level_chart(series, CRITERIA, SCALE))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert labels == ["20 Dec 2026", "3 Jan 2027"]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="off the scale"):
        level_chart({"looping": [(START, 5)]}, CRITERIA, SCALE)
    with pytest.raises(ValueError, match="at least two levels"):
        level_chart(SERIES, CRITERIA, [(1, "Only")])


def test_long_names_are_clipped_with_the_full_name_as_tooltip() -> None:
    name = "Working across cultures, languages and communication styles in the room"
    root = parse(level_chart({"culture": [(week(0), 2)]}, {"culture": name}, SCALE))
    (entry,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend-entry"]
    shown = entry.find(f"{SVG}text")
    assert shown is not None and shown.text is not None
    assert shown.text.endswith("\u2026") and name.startswith(shown.text[:-1])
    assert len(shown.text) < len(name)
    assert entry.find(f"{SVG}title").text == name  # type: ignore[union-attr]
    assert name in (root[1].text or "")
