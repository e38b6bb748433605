"""Text from a store reaches no output raw: terminal tables and timelines, diffs, HTML,
Markdown, CSV and the plots' SVG all show control, bidi, zero-width and surrogate
characters as visible escapes, and long texts shortened."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

from rich.console import Console

from concbench.framework.reports.csv import csv_report
from concbench.framework.reports.diff import diff_records
from concbench.framework.reports.exporters import PlotsExporter
from concbench.framework.reports.html import html_report
from concbench.framework.reports.markdown import markdown_report
from concbench.framework.reports.outputs import Report
from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.reports.terminal_timeline import diff_table, print_timelines
from concbench.framework.store.records import RunRecord, Status
from support.stores import Store

NASTY = "\x1b]0;PWNED\x07\x1b[2J \u202eevil \ud800 async\u200bio\u2028"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u202e\ud800-\udfff]")
"""Characters that must never appear in an output; tab and newline are layout."""


def hostile(records: list[RunRecord]) -> list[RunRecord]:
    """The store's real runs (with their stored traces), renamed with nasty text."""
    changed = []
    for record in records:
        fields: dict[str, object] = {
            "scenario": record.scenario + NASTY,
            "backend": record.backend + NASTY,
            "params": {**record.params, "note" + NASTY: NASTY},
            "options": {"mode": NASTY},
        }
        if record.status is not Status.OK:
            fields["error"] = "Traceback\nRuntimeError: " + NASTY + "x" * 2_000_000
        changed.append(dataclasses.replace(record, **fields))  # type: ignore[arg-type]
    failing = dataclasses.replace(
        changed[0], status=Status.FAILED, wall_s=None, error="RuntimeError: " + NASTY * 100_000
    )
    return [*changed, failing]


def check(output: str) -> None:
    assert RAW.findall(output) == []
    output.encode("utf-8")
    assert len(output) < 3_000_000


def test_terminal_tables_timelines_and_diffs_show_store_text_escaped(store: Store) -> None:
    records = hostile(store.records)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_records(records, console)
    print_timelines(records, store.traces, console)
    console.print(diff_table(diff_records(records, records[:3]), 0.1))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    check(out)
    assert "\\x1b]0;PWNED\\x07\\x1b[2J" in " ".join(out.split())
    assert "\\u202eevil" in out


def test_html_markdown_and_csv_show_store_text_escaped(store: Store) -> None:
    records = hostile(store.records)
    for output in (
        html_report(records, store.traces),
        markdown_report(records),
        csv_report(records),
    ):
        check(output)
        assert "PWNED" in output


def test_plot_labels_show_store_text_escaped(store: Store, tmp_path: Path) -> None:
    report = Report(hostile(store.records), store.traces)
    svgs = [data for name, data in PlotsExporter().files(report) if name.endswith(".svg")]
    assert svgs
    for data in svgs:
        check(data.decode("utf-8"))
