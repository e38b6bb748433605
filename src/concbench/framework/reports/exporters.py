"""The built-in report formats, one exporter each: adding a format is one class here.

Each class names its option and help, and renders from a :class:`~.outputs.Report`;
checking the path, writing atomically and the command-line options come from
:mod:`.outputs`. Renderers are imported inside ``render``, so that a command that writes
no report never loads them (nor matplotlib).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .outputs import DirectoryExporter, Exporter, FileExporter, Report, register_exporter

if TYPE_CHECKING:
    from ..analysis.latency import Arrivals
    from ..analysis.summary import Row

__all__ = [
    "CsvExporter",
    "HtmlExporter",
    "JsonExporter",
    "MarkdownExporter",
    "PerfettoExporter",
    "PlotsExporter",
]

_E = TypeVar("_E", bound=type[Exporter])


def _builtin(cls: _E) -> _E:
    register_exporter(cls())
    return cls


@_builtin
class HtmlExporter(FileExporter):
    name = "html"
    help = "self-contained HTML report"
    what = "HTML report"

    def render(self, report: Report) -> str:
        from .html import Page, html_report

        page = Page(sources=report.sources, notes=report.notes)
        return html_report(report.records, report.traces, page)


@_builtin
class MarkdownExporter(FileExporter):
    name = "markdown"
    help = "Markdown tables"
    what = "Markdown tables"

    def render(self, report: Report) -> str:
        from .markdown import markdown_report

        return markdown_report(report.records, report.notes)


@_builtin
class CsvExporter(FileExporter):
    name = "csv"
    help = "every run as a CSV row"
    what = "CSV of every run"

    def render(self, report: Report) -> str:
        from .csv import csv_report

        return csv_report(report.records)


@_builtin
class PlotsExporter(DirectoryExporter):
    name = "plots"
    help = "every plot as PNG and SVG"
    what = "plot"
    planned = (
        "scaling.png",
        "scaling.svg",
        "efficiency.png",
        "efficiency.svg",
        "saturation.png",
        "saturation.svg",
    )

    def files(self, report: Report) -> Iterator[tuple[str, bytes]]:
        from ..analysis.saturation import load_series
        from ..analysis.summary import group_records
        from . import plots
        from .html import run_with_trace
        from .scaling import scaling_series
        from .timeline import build_timeline

        groups = group_records(report.records)
        colors = plots.backend_colors([row.label for group in groups for row in group.rows])
        yield from plots.figure_files(
            "scaling", plots.scaling_figure(scaling_series(report.records), colors)
        )
        yield from plots.figure_files("efficiency", plots.efficiency_figure(groups, colors))
        yield from plots.figure_files(
            "saturation", plots.saturation_figure(load_series(report.records), colors)
        )
        taken = {"scaling", "efficiency", "saturation"}
        for group in groups:
            timelines = []
            for row in group.rows:
                stored = run_with_trace(row, report.traces)
                if stored is not None:
                    timelines.append((row.label, build_timeline(stored)))
            if timelines:
                name = f"timeline-{plots.slug(group.title)}"
                while name in taken:  # two titles may share a slug; never overwrite a plot
                    name += "-1"
                taken.add(name)
                yield from plots.figure_files(name, plots.timeline_figure(group.title, timelines))


@_builtin
class JsonExporter(FileExporter):
    """One object per report row, with the numbers every other format shows, for scripts
    and dashboards that want the summary rather than every run (the store, or ``--csv``)."""

    name = "json"
    help = "the summary of every row as JSON (medians, intervals, overheads)"
    what = "JSON summary"

    def render(self, report: Report) -> str:
        from ..analysis.summary import group_records

        rows = [
            _json_row(group.scenario, group.title, row)
            for group in group_records(report.records)
            for row in group.rows
        ]
        data = {
            "format": "concbench-summary",
            "version": 1,
            "sources": list(report.sources),
            "notes": list(report.notes),
        }
        return json.dumps({**data, "rows": rows}, indent=1, allow_nan=False) + "\n"


def _json_row(scenario: str, workload: str, row: Row) -> dict[str, Any]:
    first = row.records[0]
    wall = row.wall
    comparison = row.vs_best
    return {
        "scenario": scenario,
        "params": dict(first.params),
        "workload": workload,
        "backend": first.backend,
        "options": dict(first.options),
        "label": row.label,
        "python": row.python or first.implementation or first.python,
        "tasks": row.tasks,
        "runs": {status.value: count for status, count in row.statuses.items()},
        "serial_s": _number(row.serial_s),
        "ideal_s": _number(row.ideal_s),
        "machine_bound_s": _number(row.machine_bound_s),
        "wall_s": None
        if wall is None
        else {
            "n": wall.n,
            **{
                key: _number(getattr(wall, key))
                for key in (
                    "median",
                    "q1",
                    "q3",
                    "minimum",
                    "maximum",
                    "ci_low",
                    "ci_high",
                    "rerun_low",
                    "rerun_high",
                )
            },
            "outliers": [_number(value) for value in wall.outliers],
        },
        "overhead_s": _number(row.overhead_s),
        "overhead_per_task_s": _number(row.overhead_per_task_s),
        "overhead_pct": _number(row.overhead_pct),
        "efficiency": _number(row.efficiency),
        "speedup": _number(row.speedup),
        "parts_s": {part: _number(value) for part, value in row.parts.items()},
        "vs_best": None
        if comparison is None
        else {
            "change": _number(comparison.change),
            "p_value": _number(comparison.p_value),
            "significant": comparison.significant,
        },
        "diagnosis": row.diagnosis,
        "note": row.note,
        "warnings": list(row.warnings),
        "arrivals": _json_arrivals(row.arrivals),
    }


def _json_arrivals(arrivals: Arrivals | None) -> dict[str, Any] | None:
    """An open-loop row's figures (every run's histograms merged), or None."""
    if arrivals is None:
        return None
    from ..analysis.latency import PERCENTILES
    from ..analysis.saturation import saturated_because

    latency, lag = arrivals.latency, arrivals.release_lag
    return {
        "offered_rate": _number(arrivals.offered_rate),
        "achieved_rate": _number(arrivals.achieved_rate),
        "service_s": _number(arrivals.service_s),
        "latency_s": {name: _number(latency.percentile_s(percent)) for name, percent in PERCENTILES}
        | {"max": latency.max_ns / 1e9, "count": latency.count},
        "release_lag_s": {"p50": lag.percentile_s(50.0), "p99": lag.percentile_s(99.0)}
        | {"max": lag.max_ns / 1e9},
        "saturated": saturated_because(arrivals),
    }


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a number that is not finite is shown as missing."""
    return value if value is not None and math.isfinite(value) else None


@_builtin
class PerfettoExporter(FileExporter):
    """The kept traces (one run per row, as the timelines draw) as Chrome Trace Event JSON,
    which Perfetto's UI (ui.perfetto.dev), chrome://tracing and speedscope open."""

    name = "perfetto"
    help = "the kept traces as Chrome Trace Event JSON, for Perfetto's UI"
    what = "Perfetto trace"

    def render(self, report: Report) -> str:
        from .perfetto import chrome_trace

        return chrome_trace(report.records, report.traces, report.sources)
