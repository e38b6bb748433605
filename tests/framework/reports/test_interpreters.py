"""Stores of several interpreters merged: each backend gets a row per interpreter, and
every table and warning says which interpreter a row is, in every format."""

from __future__ import annotations

import dataclasses
import io
import uuid

from markdown_it import MarkdownIt
from rich.console import Console

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.html import html_report
from concbench.framework.reports.markdown import markdown_report
from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord
from support.stores import Store

OTHER = "CPython 3.13.0"


def two_pythons(store: Store) -> list[RunRecord]:
    """The seed runs as measured, and the same again as if measured on another Python."""
    seed = [r for r in store.records if r.scenario == "seed"]
    again = [
        dataclasses.replace(r, implementation=OTHER, id=uuid.uuid4().hex, trace_stored=False)
        for r in seed
    ]
    return seed + again


def test_markdown_tables_have_an_interpreter_column(store: Store) -> None:
    records = two_pythons(store)
    here = records[0].implementation
    html = MarkdownIt("commonmark").enable(["table"]).render(markdown_report(records))
    rows = [
        [cell.strip() for cell in line.split("|")[1:-1]]
        for line in markdown_report(records).split("Where the overhead went")[0].splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    assert "<th>python</th>" in html
    results = [row[:2] for row in rows if row[0] in ("asyncio", "threads")]
    assert ["asyncio", here] in results
    assert ["asyncio", OTHER] in results
    assert len(results) == len({tuple(row) for row in results})  # no two rows alike


def test_html_tables_and_advice_name_the_interpreter(store: Store) -> None:
    records = two_pythons(store)
    page = html_report(records, store.traces)
    assert page.count("<th class='text'>python</th>") == 2  # results and parts tables
    assert f"<td class='text'>{OTHER}</td>" in page
    assert f"<li>asyncio on {OTHER}: " in page  # the stability advice


def test_terminal_breakdown_and_warnings_name_the_interpreter(store: Store) -> None:
    records = two_pythons(store)
    console = Console(file=io.StringIO(), width=250, color_system=None)
    render_records(records, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert len(group_records(records)) == 1
    breakdown, _, warnings = out[out.index("where the overhead went") :].partition("  ! ")
    assert breakdown.count(OTHER) == 2  # asyncio and threads on the other Python
    assert f"asyncio on {OTHER}" in warnings
