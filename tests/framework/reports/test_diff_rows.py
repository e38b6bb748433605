"""Which rows diff matches and how it judges them: interpreters, instruction counts.

The records are written here, since what is tested is the matching and the rule, not a
measurement; the diff of real timed stores is tested in test_diff.py.
"""

from __future__ import annotations

import dataclasses

from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.reports.diff import Verdict, diff_cells, diff_records
from concbench.framework.store.records import RunRecord, Status


def _run(
    process: int,
    wall_s: float | None = 0.1,
    *,
    python: str = "3.11.7",
    instructions: int | None = None,
    rate: float | None = None,
    parts: Decomposition | None = None,
) -> RunRecord:
    return RunRecord(
        scenario="spawn",
        params={"tasks": 100},
        backend="asyncio",
        status=Status.OK,
        tasks=100,
        serial_s=0.0,
        ideal_s=0.0,
        python=python,
        process=process,
        seq=process,
        wall_s=wall_s,
        instructions=instructions,
        measure="instructions" if instructions is not None else "time",
        calibration_rate=rate,
        parts=parts or Decomposition(),
    )


def _timed(scale: float, python: str) -> list[RunRecord]:
    return [_run(p, 0.1 * scale * (1 + 0.001 * p), python=python) for p in range(5)]


def test_stores_of_several_interpreters_are_matched_interpreter_by_interpreter() -> None:
    base = _timed(1.0, "3.11.7") + _timed(2.0, "3.12.1")
    new = _timed(1.0, "3.11.7") + _timed(2.0, "3.12.1")
    rows = diff_records(base, new)
    assert [(row.python, row.verdict) for row in rows] == [
        ("3.11.7", Verdict.SAME),
        ("3.12.1", Verdict.SAME),
    ]  # pooled, or one side's 3.11 row against the other's 3.12, either would be slower
    assert diff_cells(rows[1])[1] == "asyncio (3.12.1)"


def test_one_interpreter_a_side_is_matched_whatever_it_is() -> None:
    [row] = diff_records(_timed(1.0, "3.11.7"), _timed(1.5, "3.12.1"))
    assert row.verdict is Verdict.SLOWER
    assert row.python == ""


def _counted(per_run: int, processes: int = 5, rate: float | None = None) -> list[RunRecord]:
    return [
        _run(p, 3.0 + p, instructions=per_run + 7 * p, rate=rate, parts=Decomposition())
        for p in range(processes)
    ]


def test_instruction_counts_are_judged_at_a_one_percent_noise_threshold() -> None:
    [same] = diff_records(_counted(10_000_000), _counted(10_020_000))  # +0.2%
    assert same.verdict is not Verdict.SLOWER
    [slower] = diff_records(_counted(10_000_000), _counted(10_300_000))  # +3%
    assert slower.verdict is Verdict.SLOWER
    assert slower.fails(0.02)
    assert not slower.fails(0.05)
    cells = diff_cells(slower)
    assert cells[2] == "100,000 instr/task"  # the count, not the meaningless wall time
    assert cells[4] == "+3.0%"


def test_instruction_counts_of_cpu_work_at_different_rates_are_not_judged() -> None:
    cpu = Decomposition({Part.CPU: 0.01})
    base = [_run(p, instructions=10_000_000, rate=4.0e7, parts=cpu) for p in range(5)]
    new = [_run(p, instructions=11_000_000, rate=4.4e7, parts=cpu) for p in range(5)]
    [row] = diff_records(base, new)
    assert row.verdict is Verdict.CALIBRATION
    assert "--calibration BASE" in row.reason


def test_a_free_threaded_build_with_and_without_the_gil_gives_two_rows_not_one() -> None:
    """The report keys such rows by GIL state (summary.interpreter_label); diff must too, or
    one row silently replaced the other."""
    import dataclasses

    free = "CPython 3.13.1 free-threaded"

    def runs(scale: float, gil: bool) -> list[RunRecord]:
        return [
            dataclasses.replace(run, implementation=free, python="3.13.1", gil_enabled=gil)
            for run in _timed(scale, "3.13.1")
        ]

    side = runs(1.0, False) + runs(2.0, True)
    rows = diff_records(side, side)
    assert [(row.python, row.verdict) for row in rows] == [
        (f"{free} (GIL off)", Verdict.SAME),
        (f"{free} (GIL on)", Verdict.SAME),
    ]


def test_a_side_that_mixes_cpu_rates_within_a_row_is_not_judged() -> None:
    """Two sweeps at different rates appended to one store: the row's runs did different
    work. Before, only the first record's rate was looked at, and the row was judged."""
    cpu = Decomposition({Part.CPU: 0.01})
    base = [_run(p, 0.1 * (1 + 0.001 * p), rate=4.0e7, parts=cpu) for p in range(5)]
    new = [_run(p, 0.1 * (1 + 0.001 * p), rate=4.0e7, parts=cpu) for p in range(5)]
    new += [_run(p + 5, 0.2 * (1 + 0.001 * p), rate=8.0e7, parts=cpu) for p in range(5)]
    [row] = diff_records(base, new)
    assert row.verdict is Verdict.CALIBRATION
    assert "new mixes CPU rates 4e+07, 8e+07" in row.reason
    [same] = diff_records(base, new[:5])  # one rate a side, the same: judged
    assert same.verdict is Verdict.SAME


def test_an_instruction_count_that_was_run_again_is_left_out() -> None:
    """An older store ran disturbed instruction runs again: the replaced first attempt
    (which paid first-call costs) made a 30% interval out of one run."""
    base = [dataclasses.replace(r, attempt=0) for r in _counted(10_000_000)]
    first = [dataclasses.replace(r, instructions=13_000_000, counted=False) for r in base]
    again = [dataclasses.replace(r, attempt=1) for r in base]
    [row] = diff_records(base, [*first, *again])
    assert row.comparison is not None
    assert row.comparison.change == 0
    assert row.comparison.ci_high - row.comparison.ci_low < 0.001
