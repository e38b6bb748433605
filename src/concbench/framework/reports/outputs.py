"""Writing the requested report files: checked before a sweep starts, written after it.

The CLI hands over the paths the user gave; this module checks them up front (a report
that cannot be written should not cost a sweep) and writes each format from the same
records and stored traces.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from ..analysis.summary import group_records
from ..model.params import ParameterError
from ..store.records import RunRecord
from ..store.tracestore import StoredTrace, read_traces, trace_path

__all__ = ["Outputs", "load_traces"]


@dataclass(frozen=True)
class Outputs:
    html: Path | None = None
    markdown: Path | None = None
    csv: Path | None = None
    plots: Path | None = None
    """A directory: every plot as PNG and SVG."""

    def __bool__(self) -> bool:
        return any(getattr(self, field.name) is not None for field in fields(self))

    def check(self) -> None:
        """Refuse paths that cannot be written, before anything runs."""
        for flag, path in (
            ("--html", self.html),
            ("--markdown", self.markdown),
            ("--csv", self.csv),
        ):
            if path is not None and path.is_dir():
                raise ParameterError(f"{flag}: {str(path)!r} is a directory; give a file name")
        if self.plots is not None and self.plots.exists() and not self.plots.is_dir():
            raise ParameterError(f"--plots: {str(self.plots)!r} is a file; give a directory")

    def write(
        self,
        records: Sequence[RunRecord],
        traces: Mapping[str, StoredTrace],
        sources: Sequence[str] = (),
    ) -> list[tuple[str, Path]]:
        """Write every requested format; returns (what, path) for each file written."""
        written: list[tuple[str, Path]] = []
        if self.html is not None:
            from .html import Page, html_report

            _write(self.html, html_report(records, traces, Page(sources=sources)))
            written.append(("HTML report", self.html))
        if self.markdown is not None:
            from .markdown import markdown_report

            _write(self.markdown, markdown_report(records))
            written.append(("Markdown tables", self.markdown))
        if self.csv is not None:
            from .csv import csv_report

            _write(self.csv, csv_report(records))
            written.append(("CSV of every run", self.csv))
        if self.plots is not None:
            written += [("plot", path) for path in write_plots(records, traces, self.plots)]
        return written


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a report


def write_plots(
    records: Sequence[RunRecord], traces: Mapping[str, StoredTrace], directory: Path
) -> list[Path]:
    from . import plots
    from .html import run_with_trace
    from .scaling import scaling_series
    from .timeline import build_timeline

    directory.mkdir(parents=True, exist_ok=True)
    groups = group_records(records)
    colors = plots.backend_colors([row.label for group in groups for row in group.rows])
    figures = [
        ("scaling", plots.scaling_figure(scaling_series(records), colors)),
        ("efficiency", plots.efficiency_figure(groups, colors)),
    ]
    for group in groups:
        timelines = []
        for row in group.rows:
            stored = run_with_trace(row, traces)
            if stored is not None:
                timelines.append((row.label, build_timeline(stored)))
        if timelines:
            name = f"timeline-{plots.slug(group.title)}"
            taken = {taken_name for taken_name, _ in figures}
            while name in taken:  # two titles may share a slug; never overwrite a plot
                name += "-1"
            figures.append((name, plots.timeline_figure(group.title, timelines)))
    written: list[Path] = []
    for name, figure in figures:
        if figure is not None:
            written += plots.save_figure(figure, directory / name)
    return written


def load_traces(stores: Iterable[Path]) -> dict[str, StoredTrace]:
    """Every stored trace kept beside the given result stores, by record id."""
    traces: dict[str, StoredTrace] = {}
    for store in stores:
        traces |= read_traces(trace_path(store))
    return traces
