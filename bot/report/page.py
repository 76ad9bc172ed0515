"""The scope-drift report as a page for people: totals, a trend chart, linked tables.

The page must open from a file or behind a strict content policy, so it carries no script
and fetches nothing: the chart is pygal's SVG inlined, stripped of pygal's own script.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree

import pygal
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pygal.style import Style

GITHUB_WEB_URL = "https://github.com"
# Rows of the stories-per-use-case table: the page is for reading, the JSON has them all.
PER_USE_CASE_SHOWN = 200

_GITHUB_REF = re.compile(r"(?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+)")
_JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]+-\d+")


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    # Orphan and suspect counts are tens where stories are thousands: on one scale
    # their lines would lie flat on the axis.
    right_scale: bool


SERIES = (
    Series("orphan_stories", "Orphan stories", "#c2410c", False),
    Series("suspect_stories", "Suspect stories", "#a16207", False),
    Series("stories", "Stories (right scale)", "#1d4ed8", True),
    Series("use_cases", "Use cases (right scale)", "#0f766e", True),
)


@dataclass(frozen=True)
class Total:
    label: str
    value: int
    change: int | None
    # A rise of orphans is bad news; a rise of stories is just news.
    rise_is_bad: bool


# Linked stories are stories less orphans: a card of their own would only repeat.
_TOTALS = (
    ("orphan_stories", "Orphan stories", True),
    ("suspect_stories", "Suspect stories", True),
    ("uncovered_use_cases", "Uncovered use cases", True),
    ("incomplete_use_cases", "Incomplete use cases", True),
    ("use_cases", "Use cases", False),
    ("stories", "Stories", False),
)

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

_env = Environment(
    loader=PackageLoader("bot.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(value: object) -> str:
    """An ISO timestamp as a person reads it; anything else as it came."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    offset = moment.utcoffset()
    zone = "" if offset is None else "UTC" if not offset else moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {zone}".rstrip()


_env.filters["when"] = when


def issue_url(ref: str, github_url: str = GITHUB_WEB_URL,
              jira_url: str | None = None) -> str | None:
    """Where a person reads the issue a report reference names, when we know it."""
    github = _GITHUB_REF.fullmatch(ref)
    if github:
        return f"{github_url.rstrip('/')}/{github['repo']}/issues/{github['number']}"
    if jira_url and _JIRA_KEY.fullmatch(ref):
        return f"{jira_url.rstrip('/')}/browse/{ref}"
    return None


def totals(report: dict[str, Any], trend: list[dict[str, Any]]) -> list[Total]:
    counts = dict(report.get("totals") or {})
    counts.setdefault("suspect_stories", len(report.get("suspect_stories") or []))
    last, before = (trend[-1], trend[-2]) if len(trend) >= 2 else ({}, {})
    shown = []
    for key, label, rise_is_bad in _TOTALS:
        if key not in counts:
            continue
        change = None
        if isinstance(last.get(key), int) and isinstance(before.get(key), int):
            change = last[key] - before[key]
        shown.append(Total(label, int(counts[key]), change, rise_is_bad))
    return shown


@dataclass(frozen=True)
class Layout:
    """A chart's drawing size and type sizes: a phone gets its own, or its text would shrink
    to half size with the SVG."""

    width: int
    height: int
    label_size: int
    legend_size: int
    legend_columns: int
    x_labels: int


WIDE = Layout(960, 460, 14, 15, 4, 8)
NARROW = Layout(380, 500, 15, 16, 1, 3)
LEGEND_GAP = 12


def short_date(value: object) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b}"


def _dot_radius(snapshots: int, layout: Layout) -> float:
    # A year of nightly dots must stay apart on a phone, and a week's must stay visible.
    return min(3.5, max(1.0, layout.width / (3 * max(snapshots, 1))))


def _whole(value: float) -> str:
    # The right scale's ticks fall where the left scale's do, often between whole numbers.
    return f"{value:,.0f}"


def trend_chart(trend: list[dict[str, Any]], layout: Layout = WIDE) -> str:
    """An SVG line chart, one dot per snapshot and series, with no script in it. A series
    no snapshot counted (reports older than the count) is left out, not drawn as zero."""
    drawn = [s for s in SERIES if any(point.get(s.key) is not None for point in trend)]
    style = Style(
        font_family=_FONT, background="transparent", plot_background="#ffffff",
        foreground="#334155", foreground_strong="#0f172a", foreground_subtle="#cbd5e1",
        colors=tuple(s.colour for s in drawn), label_font_size=layout.label_size,
        major_label_font_size=layout.label_size, legend_font_size=layout.legend_size,
        stroke_width=2.5, guide_stroke_color="#e2e8f0", major_guide_stroke_color="#e2e8f0",
    )
    chart = pygal.Line(
        style=style, js=[], disable_xml_declaration=True, width=layout.width,
        height=layout.height, legend_at_bottom=True,
        legend_at_bottom_columns=layout.legend_columns, legend_box_size=14,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, math.ceil(len(trend) / layout.x_labels)),
        truncate_label=-1, truncate_legend=-1, dots_size=_dot_radius(len(trend), layout),
        margin=10, min_scale=3,
        max_scale=6, include_x_axis=True, value_formatter=_whole,
    )
    chart.x_labels = [short_date(point.get("date", "")) for point in trend]
    for series in drawn:
        values = [point.get(series.key) for point in trend]
        chart.add(series.label, values, secondary=series.right_scale)
    chart.add_xml_filter(lambda root: _fitted(root, [s.label for s in drawn]))
    svg: str = chart.render(is_unicode=True)
    return svg


_TRANSLATE = re.compile(r"translate\(\s*([-\d.]+)[ ,]+([-\d.]+)\s*\)")


def _fitted(root: ElementTree.Element, labels: list[str]) -> ElementTree.Element:
    """Pygal's script and comments dropped, a native tooltip on each dot, and the blank band
    cut from under the legend: pygal reserves the bottom legend's height once per scale."""
    _without_script(root)
    _titled_dots(root, labels)
    root.set("role", "img")
    root.set("aria-label", "Trend over the nightly snapshots: " + ", ".join(labels))
    bottom = 0.0
    for legends in root.iter():
        place = _TRANSLATE.fullmatch(legends.get("transform", ""))
        if legends.get("class") != "legends" or place is None:
            continue
        for box in legends.iter():
            if box.get("y") is not None and box.get("height") is not None:
                bottom = max(bottom, float(place[2]) + float(box.get("y", 0))
                             + float(box.get("height", 0)))
    width, height = root.get("viewBox", "0 0 0 0").split()[2:]
    if 0 < bottom < float(height):
        root.set("viewBox", f"0 0 {width} {bottom + LEGEND_GAP:.0f}")
    return root


def _without_script(root: ElementTree.Element) -> None:
    for parent in list(root.iter()):
        for child in list(parent):
            # Comments are the nodes whose tag is not a string.
            if not isinstance(child.tag, str) or child.tag.rpartition("}")[2] == "script":
                parent.remove(child)


_SERIES_CLASS = re.compile(r"series serie-(\d+) .*")


def _titled_dots(root: ElementTree.Element, labels: list[str]) -> None:
    """Pygal's tooltips need its script; a `<title>` shows the same on hover without one."""
    for series in root.iter():
        number = _SERIES_CLASS.fullmatch(series.get("class", ""))
        if number is None:
            continue
        for dots in series.iterfind("*[@class='dots']"):
            texts = {d.get("class", "").split(" ")[0]: d.text for d in dots if d.text}
            title = ElementTree.SubElement(dots, "title")
            title.text = (f"{labels[int(number[1])]}, {texts.get('x_label', '')}: "
                          f"{texts.get('value', '')}")


def render_html(report: dict[str, Any], trend: list[dict[str, Any]], *,
                github_url: str = GITHUB_WEB_URL, jira_url: str | None = None) -> str:
    """The whole page. `jira_url` is the site's base; without it Jira keys stay plain text."""
    return "".join(html_pieces(report, trend, github_url=github_url, jira_url=jira_url))


def html_pieces(report: dict[str, Any], trend: list[dict[str, Any]], *,
                github_url: str = GITHUB_WEB_URL, jira_url: str | None = None
                ) -> Iterator[str]:
    """The page a piece at a time, to write to a file: it lists every orphan story."""

    def link(ref: str) -> Markup:
        url = issue_url(ref, github_url, jira_url)
        # A phone may break `owner/repo#12` after the slash rather than widen the table.
        text = Markup("/<wbr>").join(ref.split("/"))
        if url is None:
            return Markup('<span class="ref">{}</span>').format(text)
        return Markup('<a class="ref" href="{}">{}</a>').format(url, text)

    template = _env.get_template("report.html")
    return template.generate(
        report=report,
        generated=str(report.get("generated_at") or ""),
        previous=report.get("previous"),
        totals=totals(report, trend),
        since=short_date(trend[-2].get("date")) if len(trend) >= 2 else None,
        charts=[Markup(trend_chart(trend, layout)) for layout in (WIDE, NARROW)] if trend else [],
        first=trend[0].get("date") if trend else None,
        last=trend[-1].get("date") if trend else None,
        snapshots=len(trend),
        link=link,
        per_case_shown=PER_USE_CASE_SHOWN,
        json_file=f"{str(report.get('generated_at') or 'latest')[:10]}.json",
    )
