"""The built-in report formats, one exporter each: adding a format is one class here.

Each class names its option and help, and renders from a :class:`~.outputs.Report`;
checking the path, writing atomically and the command-line options come from
:mod:`.outputs`. Renderers are imported inside ``render``, so that a command that writes
no report never loads them (nor matplotlib).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from .outputs import DirectoryExporter, Exporter, FileExporter, Report, register_exporter

__all__ = ["CsvExporter", "HtmlExporter", "MarkdownExporter", "PlotsExporter"]

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

        return html_report(report.records, report.traces, Page(sources=report.sources))


@_builtin
class MarkdownExporter(FileExporter):
    name = "markdown"
    help = "Markdown tables"
    what = "Markdown tables"

    def render(self, report: Report) -> str:
        from .markdown import markdown_report

        return markdown_report(report.records)


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
    planned = ("scaling.png", "scaling.svg", "efficiency.png", "efficiency.svg")

    def files(self, report: Report) -> Iterator[tuple[str, bytes]]:
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
        taken = {"scaling", "efficiency"}
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
