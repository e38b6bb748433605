"""Values read from a store must be possible: a corrupt number is refused naming the file
and line, before any statistics are drawn from it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import StoreError, read_records
from concbench.framework.store.values import MAX_STORED_TEXT


def good() -> dict[str, Any]:
    return RunRecord(
        scenario="seed",
        params={"scale": 0.1},
        backend="asyncio",
        status=Status.OK,
        tasks=2,
        serial_s=0.25,
        ideal_s=0.1,
        python="3.11.7",
        wall_s=0.101,
        overhead_s=0.001,
        cpu_s=0.002,
        peak_rss_kib=30_000,
        parts=Decomposition({Part.REST: -1e-18}),
        sleep_late_mean_s=-1e-6,
        figures={"pool_startup_s": 0.2},
    ).to_dict()


def write(path: Path, *records: dict[str, Any]) -> Path:
    lines = [json.dumps(record) for record in records]  # allow_nan: as a careless tool would
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wall_s", float("nan"), "'wall_s' must be a finite number, got nan"),
        ("wall_s", float("inf"), "'wall_s' must be a finite number, got inf"),
        ("cpu_s", float("-inf"), "'cpu_s' must be a finite number, got -inf"),
        ("wall_s", 1e308, "'wall_s' must be at most 1e+07 seconds, got 1e+308"),
        ("serial_s", 1e300, "'serial_s' must be at most 1e+15 seconds, got 1e+300"),
        ("wall_s", -0.5, "'wall_s' must be >= 0, got -0.5"),
        ("spawn_spread_s", -1.0, "'spawn_spread_s' must be >= 0, got -1.0"),
        ("tasks", -3, "'tasks' must be >= 0, got -3"),
        ("peak_rss_kib", 10**30, "'peak_rss_kib' must be at most 1e+15, got 10000000000"),
        ("figures", {"x": "s"}, "'figures.x' must be a number, got 's'"),
        ("figures", {"x_s": float("nan")}, "'figures.x_s' must be a finite number, got nan"),
        ("figures", [1, 2], "'figures' must be an object of numbers, got list"),
        ("parts", {"rest": 1e308}, "'parts.rest' must be at most 1e+07 seconds, got 1e+308"),
        ("params", {"scale": float("nan")}, "'params.scale' must be a finite number, got nan"),
    ],
)
def test_impossible_values_are_refused_naming_file_line_and_field(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    bad = good() | {field: value}
    path = write(tmp_path / "r.jsonl", good(), bad)
    with pytest.raises(StoreError) as caught:
        read_records(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert message in str(caught.value)


def test_signed_figures_and_good_records_are_read(tmp_path: Path) -> None:
    """Overhead and the unexplained part may be negative (a timer that fired early)."""
    record = good() | {"overhead_s": -0.002, "parts": {"rest": -0.002}}
    assert len(read_records(write(tmp_path / "r.jsonl", good(), record))) == 2


def test_every_part_may_be_negative_even_one_named_like_a_count(tmp_path: Path) -> None:
    """``parts.steps`` is seconds, not the record's ``steps`` count: a channel hand-off that
    waited less than the ideal's wait makes it negative (pipeline on threads did, and the
    run was refused as "must be >= 0")."""
    negative = {part.value: -0.0005 for part in Part}
    record = good() | {"parts": negative}
    [read] = read_records(write(tmp_path / "r.jsonl", record))
    assert read.parts[Part.STEPS] == -0.0005


def test_a_50_mb_error_line_is_read_quickly_and_shortened_keeping_its_ends(
    tmp_path: Path,
) -> None:
    error = "Traceback (most recent call last):\n" + "x" * 50_000_000 + "\nRuntimeError: end"
    record = good() | {"status": "failed", "wall_s": None, "error": error}
    path = write(tmp_path / "r.jsonl", record)
    started = time.perf_counter()
    [read] = read_records(path)
    assert time.perf_counter() - started < 10
    assert read.error is not None
    assert len(read.error) <= MAX_STORED_TEXT + 100
    assert read.error.startswith("Traceback")
    assert read.error.endswith("RuntimeError: end")


def test_report_of_a_store_with_a_50_mb_error_line_takes_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from concbench.cli import main

    record = good() | {
        "status": "failed",
        "wall_s": None,
        "error": "RuntimeError: " + "x" * 50_000_000,
    }
    path = write(tmp_path / "r.jsonl", good(), record)
    started = time.perf_counter()
    assert main(["report", str(path)]) == 0
    assert time.perf_counter() - started < 20  # before: still running after 120 s
    assert "characters cut" in capsys.readouterr().out


def test_diff_against_runs_of_nan_fails_naming_the_line_instead_of_passing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe of issue 12: half the new runs 4x slower, half NaN. Before, the NaN runs
    sorted as fastest and diff said "faster", p=0.0008, exit 0 under --fail-above."""
    from concbench.cli import main

    base = write(tmp_path / "base.jsonl", *[good() | {"run": run} for run in range(8)])
    slower = [good() | {"run": run, "wall_s": 0.404} for run in range(4)]
    nan = [good() | {"run": run, "wall_s": float("nan")} for run in range(4, 8)]
    new = write(tmp_path / "new.jsonl", *slower, *nan)
    assert main(["diff", str(base), str(new), "--fail-above", "10%"]) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert f"{new}:5: corrupt record: field 'wall_s' must be a finite number, got nan" in error
