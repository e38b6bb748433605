"""Rows of ``call`` workloads: serial and ideal from the workers' solo times, per row."""

from __future__ import annotations

import dataclasses

from concbench.framework.analysis.summary import group_records
from concbench.framework.store.records import RunRecord, Status

BASE = RunRecord(
    scenario="s",
    params={},
    backend="asyncio",
    status=Status.OK,
    tasks=2,
    serial_s=0.0,  # the plan's, before any solo time: calls count 0
    ideal_s=0.0,
    python="3",
    wall_s=0.05,
)


def records(backend: str, solo: float, process: int) -> RunRecord:
    return dataclasses.replace(
        BASE,
        backend=backend,
        solo_s={"nap": solo},
        serial_s=2 * solo,
        ideal_s=solo,
        machine_bound_s=solo,
        process=process,
    )


def test_a_rows_ideal_is_the_median_of_its_workers_and_the_caption_says_per_row() -> None:
    runs = [records("asyncio", s, p) for p, s in enumerate((0.020, 0.022, 0.021))]
    runs += [records("threads", 0.030, 0)]
    [group] = group_records(runs)
    asyncio, threads = group.rows
    assert asyncio.ideal_s == 0.021
    assert asyncio.serial_s == 0.042
    assert asyncio.overhead_s == 0.05 - 0.021
    assert threads.ideal_s == 0.030
    assert "solo: nap 21.00 ms" in asyncio.note
    assert group.reference == (
        "serial 42.00 ms-60.00 ms, ideal 21.00 ms-30.00 ms: ideal per row (the calls' solo "
        "times differ per backend)"
    )


def test_rows_whose_solo_ideals_agree_share_one_and_a_skipped_row_is_left_out() -> None:
    runs = [records("asyncio", 0.020, 0), records("trio", 0.0201, 0)]
    skipped = dataclasses.replace(BASE, backend="threads", status=Status.SKIPPED, wall_s=None)
    [group] = group_records([*runs, skipped])
    assert group.reference == "serial 40.10 ms, ideal 20.05 ms (from solo times)"
    assert [row.ideal_s for row in group.rows] == [0.020, 0.0201, 0.0]


def test_workloads_without_calls_keep_the_planned_reference() -> None:
    plain = dataclasses.replace(BASE, serial_s=0.2, ideal_s=0.1)
    [group] = group_records([plain])
    assert group.reference == "serial 200.00 ms, ideal 100.00 ms"
    assert group.rows[0].note == ""


def test_a_row_with_offloaded_calls_gives_the_hand_off_per_call() -> None:
    offloads = dataclasses.replace(
        BASE, offload_steps=10, handoff_mean_s=0.0001, handoff_p99_s=0.0003, ideal_s=0.05
    )
    [group] = group_records([offloads])
    assert "hand-off 100.00 µs per offloaded call (p99 300.00 µs)" in group.rows[0].note
