"""The saturation plot and the latency tables in every report format."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from rich.console import Console

from concbench.framework.reports.exporters import PlotsExporter
from concbench.framework.reports.html import html_report
from concbench.framework.reports.markdown import markdown_report
from concbench.framework.reports.outputs import Report
from concbench.framework.reports.terminal_tables import render_records
from support.arrivals import record

RECORDS = [record("asyncio", 100, 0.002), record("asyncio", 1000, 0.05)]


def test_the_html_report_draws_the_saturation_plot_and_names_the_point() -> None:
    page = html_report(RECORDS, {})
    section = page[page.index("<section id='saturation'>") :]
    section = section[: section.index("</section>")]
    assert "<figure class='plot'><svg" in section
    assert "asyncio: saturates at 1,000/s (p99 50.00 ms &gt; 10.00 ms)" in section
    assert "<th class='num'>p99.9</th>" in page


def test_without_a_rate_sweep_the_html_report_says_how_to_make_one() -> None:
    page = html_report(RECORDS[:1], {})
    assert "No sweep over an arrival rate" in page


def test_markdown_and_terminal_show_the_latency_table_and_the_saturation_point() -> None:
    text = markdown_report(RECORDS)
    assert "| p99.9 |" in text.replace(" ", " ")
    assert "saturates at 1,000/s" in text
    console = Console(file=StringIO(), width=250)
    render_records(RECORDS, console)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "lag p99" in shown
    assert "saturates at 1,000/s" in shown


def test_the_plots_directory_holds_the_saturation_plot() -> None:
    names = [name for name, _ in PlotsExporter().files(Report(RECORDS, {}))]
    assert "saturation.png" in names
    assert "saturation.svg" in names


def test_csv_and_json_carry_the_open_loop_figures() -> None:
    from concbench.framework.reports.csv import csv_report
    from concbench.framework.reports.exporters import JsonExporter

    assert "latency_p999_s" in csv_report(RECORDS).splitlines()[0]
    rows = json.loads(JsonExporter().render(Report(RECORDS, {})))["rows"]
    assert rows[1]["arrivals"]["latency_s"]["p99"] == pytest.approx(0.05, rel=0.01)
    assert rows[1]["arrivals"]["saturated"] == "p99 50.00 ms > 10.00 ms"
