"""tools/report_check.py in a real headless Chromium: it passes a report, and fails one
whose heatmap is missing or has an empty cell."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from concbench.framework.reports.html import html_report
from support.stores import Store

TOOL = Path(__file__).parents[1] / "tools" / "report_check.py"
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (`nox -s report-check` installs it)"
)


def _check(page: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(TOOL), str(report), "--screenshot", str(tmp_path / "r.png"),
         "--chromium", str(CHROMIUM), "--expect", ""],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def test_a_report_passes_with_its_heatmap_first(glance_store: Store, tmp_path: Path) -> None:
    done = _check(html_report(glance_store.records, glance_store.traces), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "heatmap first on the page: 2 workloads x 5 backends" in done.stdout


def test_a_missing_heatmap_fails(glance_store: Store, tmp_path: Path) -> None:
    page = html_report(glance_store.records, glance_store.traces)
    without = re.sub(r"<section id='glance'>.*?</section>", "", page, count=1, flags=re.S)
    done = _check(without, tmp_path)
    assert done.returncode == 1
    assert "the heatmap (#glance table.heatmap) is missing" in done.stderr


def test_an_empty_heatmap_cell_fails(glance_store: Store, tmp_path: Path) -> None:
    page = html_report(glance_store.records, glance_store.traces)
    emptied = re.sub(r"(<td class='cell none'[^>]*>)skipped(</td>)", r"\1\2", page, count=1)
    assert emptied != page
    done = _check(emptied, tmp_path)
    assert done.returncode == 1
    assert "has empty cells" in done.stderr
