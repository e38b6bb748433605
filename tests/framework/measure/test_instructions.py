"""Instruction mode: real workers under valgrind's callgrind, counting only the measured run."""

from __future__ import annotations

from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.analysis.summary import group_records
from concbench.framework.measure.instructions import unavailable_reason
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.model.params import ParameterError
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore
from support.hog import hog_on_my_cpu

SMALL, LARGE = 300, 1000
"""Spawn sizes; a task of the spawn scenario costs about 45,000 instructions on asyncio."""

needs_callgrind = pytest.mark.skipif(
    unavailable_reason() is not None, reason=unavailable_reason() or ""
)


def sweep(path: Path, tasks: int, processes: int, measure: str) -> list[RunRecord]:
    jobs = plan(default_registry(), "spawn", {"tasks": str(tasks)}, [("asyncio", {})])
    # no warm-up: a run under callgrind is slow, and the first run repeats across processes too
    settings = RunSettings(repeat=1, warmup=0, processes=processes, measure=measure)
    records = Runner(ResultStore(path), settings).run(jobs)
    assert [r.status for r in records] == [Status.OK] * processes, [r.error for r in records]
    return records


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[RunRecord]]:
    """Small spawns counted in two worker processes, a large one in a third."""
    directory = tmp_path_factory.mktemp("instructions")
    return {
        SMALL: sweep(directory / "small.jsonl", SMALL, 2, "instructions"),
        LARGE: sweep(directory / "large.jsonl", LARGE, 1, "instructions"),
    }


@needs_callgrind
def test_the_count_repeats_across_processes_and_grows_with_the_tasks(
    counted: dict[int, list[RunRecord]],
) -> None:
    first, second = (record.instructions or 0 for record in counted[SMALL])
    assert first > SMALL * 10_000  # the run was counted (no interpreter does a task for less)
    assert abs(first - second) <= 0.01 * max(first, second)  # two fresh processes, within 1%
    [large] = counted[LARGE]
    assert (large.instructions or 0) > 2 * max(first, second)  # 3.3x the tasks: far more
    # only the run: start-up and imports (hundreds of millions under callgrind) are not in it
    assert (large.instructions or 0) < LARGE * 200_000


@needs_callgrind
def test_counted_runs_are_marked_and_kept_out_of_the_timing_statistics(
    counted: dict[int, list[RunRecord]], tmp_path: Path
) -> None:
    timed = sweep(tmp_path / "timed.jsonl", SMALL, 1, "time")
    assert timed[0].measure == "time"
    assert timed[0].instructions is None
    assert {record.measure for record in counted[SMALL]} == {"instructions"}
    [group] = group_records([*timed, *counted[SMALL]])
    by_label = {row.label: row for row in group.rows}
    assert set(by_label) == {"asyncio", "asyncio [instructions]"}  # never mixed in one row
    row = by_label["asyncio [instructions]"]
    assert row.wall is None  # no timing statistics on runs under callgrind
    assert row.vs_best is None
    assert row.ok_runs == 2
    counts = sorted(record.instructions or 0 for record in counted[SMALL])
    assert row.instructions_per_task is not None
    assert counts[0] / SMALL <= row.instructions_per_task <= counts[1] / SMALL
    assert "instructions per task" in row.note
    assert "waiting" in row.note  # the report says what cannot be counted
    assert by_label["asyncio"].wall is not None
    assert by_label["asyncio"].instructions_per_task is None


def test_without_valgrind_the_option_is_refused_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which no valgrind can be found
    if unavailable_reason() and "valgrind" not in (unavailable_reason() or ""):
        pytest.skip(unavailable_reason() or "")  # not x86_64 Linux: refused for that instead
    with pytest.raises(ParameterError, match="apt-get install valgrind"):
        RunSettings(measure="instructions")
    out = tmp_path / "r.jsonl"
    argv = ["run", "spawn", "-b", "asyncio", "--measure", "instructions", "--out", str(out)]
    assert main(argv) == 2
    assert "apt-get install valgrind" in capsys.readouterr().err
    assert not out.exists()  # refused before anything ran


def test_an_unknown_measure_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ParameterError, match="--measure must be one of time, instructions"):
        RunSettings(measure="cycles")


@needs_callgrind
def test_beside_a_hog_counted_runs_are_neither_run_again_nor_called_unreliable(
    tmp_path: Path,
) -> None:
    """Under callgrind every run waits for its CPU beside a hog and is marked disturbed;
    an instruction count does not depend on that. Before, each run was run again (seconds
    each under callgrind), the row counted every attempt ("median of 3 runs" for one run)
    and its notes said "all 1 runs disturbed by other programs: figures unreliable"."""
    jobs = plan(default_registry(), "spawn", {"tasks": "10"}, [("asyncio", {})])
    settings = RunSettings(repeat=1, warmup=0, measure="instructions", retries_disturbed=2)
    with hog_on_my_cpu():
        records = Runner(ResultStore(tmp_path / "r.jsonl"), settings).run(jobs)
    assert [(r.status, r.attempt, r.counted) for r in records] == [(Status.OK, 0, True)]
    [group] = group_records(records)
    [row] = group.rows
    assert "disturbed" not in row.note
    assert "unreliable" not in row.note
    assert "instructions per task" in row.note
