"""The HTML report: one self-contained page, tables and plots, readable offline.

Nothing is fetched: styles are inline and plots are inline SVG. The page carries no
script, and its Content-Security-Policy forbids scripts and every network request, so a
name that slipped through unescaped still could not run or call out. Every text that
comes from a record (scenario, parameters, backend, error texts) is made visible
(:func:`~concbench.framework.store.sanitize.visible`: control, bidi and zero-width
characters as escapes, long texts shortened), then goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..analysis.glance import glance
from ..analysis.saturation import (
    MIN_THRESHOLD_S,
    SATURATION_FACTOR,
    SHORTFALL,
    load_series,
    saturation_lines,
)
from ..analysis.stats import stability_warnings
from ..analysis.summary import Group, Row, group_records
from ..store.records import RunRecord
from ..store.sanitize import visible
from ..store.tracestore import StoredTrace
from . import plots
from .columns import (
    ARRIVAL_COLUMNS,
    COLUMNS,
    PART_COLUMNS,
    Column,
    group_caption,
    row_name,
    with_python,
)
from .glance import HEATMAP_CSS, heatmap_html
from .plots import SHARED_AXIS_RATIO
from .scaling import scaling_series
from .timeline import MAX_LANES, Timeline, build_timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Page", "html_report", "run_with_trace"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 110rem;
       padding: 0 1rem; color: #1d1d1d; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { margin: 1.4rem 0 0.2rem; } .caption, .meta { color: #555; margin: 0.2rem 0 0.6rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
th { background: #f4f4f4; text-align: left; } td.num, th.num { text-align: right; }
td.num { white-space: nowrap; } td.text { min-width: 14rem; max-width: 28rem; }
td.text:first-child { min-width: 0; white-space: nowrap; }
div.scroll { overflow-x: auto; }
figure.plot { margin: 1rem 0; } figure.plot svg { width: 100%; max-width: 60rem; height: auto; }
figcaption { color: #555; max-width: 48rem; }
details { margin: 0.4rem 0; color: #555; } nav a { margin-right: 1rem; }
dl.columns dt { font-weight: 600; } dl.columns dd { margin: 0 0 0.3rem 1rem; color: #444; }
"""


@dataclass(frozen=True)
class Page:
    """What goes on the page besides the records."""

    sources: Sequence[str] = ()
    generated_at: str = ""
    notes: Sequence[str] = ()
    """The sweeps' own notes (drift), shown under the title."""


def html_report(
    records: Sequence[RunRecord],
    traces: Mapping[str, StoredTrace],
    page: Page = Page(),
) -> str:
    groups = group_records(records)
    colors = plots.backend_colors([row.label for group in groups for row in group.rows])
    anchors = _anchors(groups, traces)
    sections = [
        _section("glance", "At a glance", heatmap_html(glance(groups), anchors)),
        _section(
            "summary",
            "Summary",
            "".join(
                _summary(group, anchor) for group, (anchor, _) in zip(groups, anchors, strict=True)
            ),
        ),
        _section("scaling", "Overhead per task as the work grows", _scaling(records, colors)),
        _section("efficiency", "Efficiency", _efficiency(groups, colors)),
        _section("saturation", "Latency against offered load", _saturation(records, colors)),
        _section("timelines", "Timelines", _timelines(groups, traces, anchors)),
        _section("columns", "What the columns mean", _legend()),
    ]
    generated = page.generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sources = ", ".join(page.sources) or "memory"
    implementations = ", ".join(sorted({r.implementation for r in records if r.implementation}))
    meta = f"{len(records)} runs from {sources}; {implementations or 'unknown interpreter'}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>concbench report</title><style>{_CSS}{HEATMAP_CSS}</style></head><body>"
        f"<h1>concbench report</h1><p class='meta'>{_e(meta)}; generated {_e(generated)}</p>"
        + "".join(f"<p class='meta sweep-note'>{_e(note)}</p>" for note in page.notes)
        + "<nav><a href='#glance'>at a glance</a><a href='#summary'>summary</a>"
        "<a href='#scaling'>scaling</a><a href='#efficiency'>efficiency</a>"
        "<a href='#saturation'>saturation</a><a href='#timelines'>timelines</a>"
        "<a href='#columns'>columns</a></nav>" + "".join(sections) + "</body></html>\n"
    )


def _e(text: str) -> str:
    return html.escape(visible(text), quote=True)


def _section(anchor: str, title: str, body: str) -> str:
    return f"<section id='{anchor}'><h2>{_e(title)}</h2>{body}</section>"


def _table(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    head = "".join(
        f"<th class='{'num' if c.numeric else 'text'}'>{_e(c.header)}</th>" for c in columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='{'num' if c.numeric else 'text'}'>{_e(c.cell(row))}</td>" for c in columns
        )
        + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='scroll'>{table}</div>"  # a wide table scrolls, the page does not


def _anchors(
    groups: Sequence[Group], traces: Mapping[str, StoredTrace]
) -> list[tuple[str, str | None]]:
    """Each workload's ids on the page, in group order: its tables, and its timeline when
    a trace was kept; the heatmap links down to them."""
    return [
        (
            f"workload-{index}",
            f"timeline-{index}"
            if any(run_with_trace(row, traces) is not None for row in group.rows)
            else None,
        )
        for index, group in enumerate(groups, 1)
    ]


def _summary(group: Group, anchor: str) -> str:
    measured = [row for row in group.rows if row.wall is not None]
    parts = (
        "<p class='caption'>where the overhead went (median of runs; the parts add up to the "
        f"overhead)</p>{_table(with_python(PART_COLUMNS, measured), measured)}"
        if measured
        else ""
    )
    advice = [
        f"<li>{_e(row_name(row))}: {_e(warning)}</li>"
        for row in group.rows
        if row.wall is not None
        for warning in stability_warnings(row.wall)
    ]
    details = (
        f"<details><summary>stability advice ({len(advice)})</summary><ul>{''.join(advice)}</ul>"
        "</details>"
        if advice
        else ""
    )
    with_arrivals = [row for row in group.rows if row.arrivals is not None]
    arrivals = (
        "<p class='caption'>latency from the intended release (every run's histogram merged, "
        f"within 1%)</p>{_table(with_python(ARRIVAL_COLUMNS, with_arrivals), with_arrivals)}"
        if with_arrivals
        else ""
    )
    return (
        f"<h3 id='{anchor}'>{_e(group.title)}</h3>"
        f"<p class='caption'>{_e(group_caption(group))}</p>"
        f"{_table(with_python(COLUMNS, group.rows), group.rows)}{parts}{arrivals}{details}"
    )


def _plot(figure: Figure, salt: str, caption: str = "") -> str:
    svg = plots.svg_markup(figure, salt)
    text = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure class='plot'>{svg}{text}</figure>"


def _scaling(records: Sequence[RunRecord], colors: dict[str, object]) -> str:
    figure = plots.scaling_figure(scaling_series(records), colors)
    if figure is None:
        return (
            "<p>No sweep over the number of tasks in these results. Run one with a list, "
            "for example <code>concbench run fanout -p tasks=10,100,1000</code>.</p>"
        )
    return _plot(
        figure,
        "scaling",
        "Overhead per task (measured minus ideal, divided by the number of tasks) against "
        "the number of tasks, both on log scales, with the bootstrap interval of the median. "
        "A flat line is a constant cost per task; a rising one, a cost that grows with the "
        "crowd.",
    )


def _efficiency(groups: Sequence[Group], colors: dict[str, object]) -> str:
    figure = plots.efficiency_figure(groups, colors)
    if figure is None:
        return "<p>No successful runs to compare.</p>"
    return _plot(
        figure,
        "efficiency",
        "Efficiency (ideal / measured) of every backend on every workload; 1.0 is a backend "
        "that adds nothing to the ideal. A black tick marks the best this machine allows "
        "when CPU work exceeds what its cores can overlap.",
    )


def _saturation(records: Sequence[RunRecord], colors: dict[str, object]) -> str:
    series = load_series(records)
    figure = plots.saturation_figure(series, colors)
    if figure is None:
        return (
            "<p>No sweep over an arrival rate in these results. Run one with a list, "
            "for example <code>concbench run arrivals -p rate=200,1000,5000</code>.</p>"
        )
    points = "".join(f"<li>{_e(line)}</li>" for line in saturation_lines(series))
    return (
        _plot(
            figure,
            "saturation",
            "Latency from each request's intended release against the offered load, p99 solid "
            "and p50 dashed, both on log scales; a ring marks where a backend saturates: its "
            f"p99 above {SATURATION_FACTOR:g}x the nominal service time (at least "
            f"{MIN_THRESHOLD_S * 1e3:g} ms), or its throughput more than {SHORTFALL:.0%} below "
            "the offered load.",
        )
        + f"<ul class='saturation'>{points}</ul>"
    )


def run_with_trace(row: Row, traces: Mapping[str, StoredTrace]) -> StoredTrace | None:
    """The first run of the row whose full trace was kept."""
    for record in row.records:
        if record.trace_stored and record.id in traces:
            return traces[record.id]
    return None


def _timelines(
    groups: Sequence[Group],
    traces: Mapping[str, StoredTrace],
    anchors: Sequence[tuple[str, str | None]],
) -> str:
    parts = []
    for group, (_, anchor) in zip(groups, anchors, strict=True):
        timelines: list[tuple[str, Timeline]] = []
        for row in group.rows:
            stored = run_with_trace(row, traces)
            if stored is not None:
                timelines.append((row_name(row), build_timeline(stored)))
        if not timelines:
            continue
        figure = plots.timeline_figure(group.title, timelines, titled=False)
        parts.append(f"<h3 id='{anchor or ''}'>{_e(group.title)}</h3>" + _plot(figure, group.title))
    if not parts:
        return "<p>No stored traces for these runs (traces live beside the result store).</p>"
    return f"<p class='caption'>{_e(_TIMELINE_NOTE)}</p>" + "".join(parts)


_TIMELINE_NOTE = (
    "One run per backend (the first counted run of its first worker), on a shared time "
    f"axis unless their lengths differ more than {SHARED_AXIS_RATIO:g}-fold. One lane per task "
    "and one for main: bars are steps, coloured by kind; arrows from main mark each spawn, "
    "a grey line the wait between spawn and start; the hatched bar is main gathering the "
    "tasks, from main done (dash-dot) to finish (dashed). With more than "
    f"{MAX_LANES} tasks the lanes become a density: how many tasks were running at each "
    "moment, and how many had been spawned, started and ended by then."
)


def _legend() -> str:
    items = "".join(
        f"<dt>{_e(column.header)}</dt><dd>{_e(column.help)}</dd>"
        for column in COLUMNS
        if column.help
    )
    return (
        f"<dl class='columns'>{items}</dl><p>Rerun interval: where the median of the same "
        "sweep run again falls, 95% of the time, from a hierarchical bootstrap over the worker "
        "processes (docs/statistics.md). Overhead and efficiency come from the median.</p>"
    )
