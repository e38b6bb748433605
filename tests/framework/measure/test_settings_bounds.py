"""--repeat, --warmup and --processes are bounded like parameters, and planning a sweep
never materialises its runs: a huge count is refused at once, not after eating memory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from concbench.cli import main
from concbench.framework.measure.resume import Stored, job_key
from concbench.framework.measure.runner import (
    MAX_PROCESSES,
    MAX_REPEAT,
    RunSettings,
)
from concbench.framework.model.params import ParameterError

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("flag", "allowed"),
    [
        ("--repeat", f"an integer from 1 to {MAX_REPEAT}"),
        ("--warmup", f"an integer from 0 to {MAX_REPEAT}"),
        ("--processes", f"an integer from 1 to {MAX_PROCESSES}"),
    ],
)
def test_a_huge_count_is_refused_by_the_argument_parser(
    flag: str, allowed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    started = time.perf_counter()
    with pytest.raises(SystemExit) as stop:
        main(["run", "seed", "-b", "asyncio", "-p", "scale=0", flag, HUGE, "--out", str(out)])
    assert time.perf_counter() - started < 5
    assert stop.value.code == 2
    assert f"argument {flag}: must be {allowed}, got '{HUGE}'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"repeat": MAX_REPEAT + 1}, f"--repeat must be an integer from 1 to {MAX_REPEAT}"),
        ({"warmup": MAX_REPEAT + 1}, f"--warmup must be an integer from 0 to {MAX_REPEAT}"),
        ({"processes": 10**20}, f"--processes must be an integer from 1 to {MAX_PROCESSES}"),
    ],
)
def test_run_settings_repeat_the_bounds_for_api_users(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        RunSettings(**settings)


def test_planning_the_largest_sweep_allowed_takes_no_time_and_no_memory() -> None:
    key = job_key("seed", {}, "asyncio", {}, "CPython")
    started = time.perf_counter()
    todo = Stored().todo(key, skip=False, processes=MAX_PROCESSES, repeat=MAX_REPEAT)
    assert sum(len(runs) for _, runs in todo) == MAX_PROCESSES * MAX_REPEAT
    assert time.perf_counter() - started < 0.5
    assert list(todo[3][1][:3]) == [0, 1, 2]
