"""A sweep shows how far it has got and about when it ends, in a terminal and in a log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.measure import progress
from concbench.framework.measure.progress import clock, progress_line, time_left


def test_the_time_left_is_the_pace_so_far_over_the_runs_left() -> None:
    assert time_left(10.0, 2, 6) == pytest.approx(20.0)  # 5 s a run, 4 runs to go
    assert time_left(10.0, 6, 6) == 0.0
    assert time_left(0.0, 0, 6) is None  # no pace before the first run


def test_a_progress_line_names_the_runs_the_times_and_the_job() -> None:
    line = progress_line(3, 12, 95.0, "http(tasks=50) on trio")
    assert line == "3/12 runs, 0:01:35 elapsed, about 0:04:45 left: now http(tasks=50) on trio"
    assert progress_line(0, 12, 0.0, "x") == "0/12 runs, 0:00:00 elapsed: now x"
    assert clock(3 * 3600 + 61.4) == "3:01:01"


def test_a_sweep_into_a_log_prints_progress_lines_with_an_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "LOG_EVERY_S", 0.0)  # a line at every worker process
    argv = ["run", "seed", "-p", "scale=0.01", "-b", "asyncio", "--processes", "3"]
    argv += ["--max-processes", "3", "--warmup", "0", "--out", str(tmp_path / "r.jsonl")]
    assert main(argv) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if " runs, " in line]
    # the clock starts before the sweep's canary and calibration: 0:00:00 when quiet
    first = r"0/3 runs, \d:\d\d:\d\d elapsed: now seed\(scale=0.01\) on asyncio"
    later = r"[12]/3 runs, \d:\d\d:\d\d elapsed, about \d:\d\d:\d\d left: now seed\(scale=0.01\)"
    assert len(lines) == 3, lines
    assert re.fullmatch(first, lines[0]), lines
    assert all(re.fullmatch(later + " on asyncio", line) for line in lines[1:]), lines
