"""Report rows: one per backend, or per backend and interpreter when stores are merged."""

from __future__ import annotations

import dataclasses

from rich.console import Console

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord, Status


def record(backend: str, python: str, wall_s: float) -> RunRecord:
    return RunRecord(
        scenario="seed",
        params={"scale": 1.0},
        backend=backend,
        status=Status.OK,
        tasks=2,
        serial_s=2.5,
        ideal_s=1.0,
        python=python,
        implementation=f"CPython {python}",
        wall_s=wall_s,
    )


def test_one_interpreter_gives_one_row_per_backend_and_no_python_column() -> None:
    records = [record("asyncio", "3.11.7", 1.01), record("asyncio", "3.11.7", 1.03)]
    [group] = group_records(records)
    assert [(row.label, row.python, row.wall.n if row.wall else 0) for row in group.rows] == [
        ("asyncio", "", 2)
    ]
    console = Console(record=True, width=200)
    render_records(records, console)
    assert "python" not in console.export_text()


def test_several_interpreters_give_a_row_each_and_a_python_column() -> None:
    records = [
        record("asyncio", "3.11.7", 1.01),
        record("trio", "3.11.7", 1.02),
        record("asyncio", "3.12.1", 1.05),
    ]
    [group] = group_records(records)
    assert [(row.label, row.python) for row in group.rows] == [
        ("asyncio", "CPython 3.11.7"),  # one backend's interpreters one under the other
        ("asyncio", "CPython 3.12.1"),
        ("trio", "CPython 3.11.7"),
    ]
    assert group.rows[1].wall is not None
    assert group.rows[1].wall.median == 1.05
    console = Console(record=True, width=200)
    render_records(records, console)
    text = console.export_text()
    assert "python" in text
    assert "CPython 3.12.1" in text


def cpu_on(
    backend: str, implementation: str, gil: bool | None, wall_s: float, path: str = "general"
) -> RunRecord:
    """A run of the cpu scenario as a worker of that interpreter records it (the worker
    checks the sweep's calibration only for workloads with cpu steps)."""
    return RunRecord(
        scenario="cpu",
        params={"tasks": 2, "seconds": 0.1},
        backend=backend,
        status=Status.OK,
        tasks=2,
        serial_s=0.2,
        ideal_s=0.1,
        python=implementation.split()[1],
        implementation=implementation,
        wall_s=wall_s,
        calibration_drift=0.01,
        gil_enabled=gil,
        task_path=path,
    )


FREE = "CPython 3.13.1 free-threaded"


def test_a_free_threaded_build_is_labelled_with_the_gil_state_its_workers_ran_with() -> None:
    records = [
        cpu_on("threads", "CPython 3.13.1", True, 0.21),
        cpu_on("threads", FREE, False, 0.11),
        cpu_on("threads", FREE, True, 0.21),  # PYTHON_GIL=1, or an extension re-enabled it
    ]
    [group] = group_records(records)
    assert [row.python for row in group.rows] == [
        "CPython 3.13.1",
        f"{FREE} (GIL off)",
        f"{FREE} (GIL on)",
    ]
    without = "cpu steps on threads ran without the GIL"
    assert [without in row.note for row in group.rows] == [False, True, False]


def test_without_the_gil_the_note_is_for_cpu_work_on_threads_only() -> None:
    asyncio_row = cpu_on("asyncio", FREE, False, 0.21)
    no_cpu = dataclasses.replace(cpu_on("threads", FREE, False, 0.11), calibration_drift=None)
    for records in ([asyncio_row], [no_cpu]):
        [group] = group_records(records)
        assert "without the GIL" not in group.rows[0].note


def test_rows_that_took_different_task_paths_say_so() -> None:
    records = [
        cpu_on("asyncio", "CPython 3.11.7", True, 0.2, path="plain fan-out"),
        cpu_on("mine", "CPython 3.11.7", True, 0.2, path=""),  # writes its own routine
    ]
    [group] = group_records(records)
    notes = {row.label: row.note for row in group.rows}
    assert notes["asyncio"] == (
        "tasks took the plain fan-out fast path, other rows the backend's own routine: "
        "bookkeeping differs"
    )
    assert notes["mine"].startswith("tasks took the backend's own routine, other rows the plain")
    same = [cpu_on(name, "CPython 3.11.7", True, 0.2) for name in ("asyncio", "trio")]
    assert all("path" not in row.note for row in group_records(same)[0].rows)
    older = dataclasses.replace(records[1], gil_enabled=None)  # a store that recorded neither
    assert all("path" not in row.note for row in group_records([records[0], older])[0].rows)


def test_a_blocked_loops_waits_are_no_part_of_the_machines_drift() -> None:
    """seed-blocking on an event loop: 1.5 s of its 2.5 s is time.sleep holding the loop,
    nominal time like the ideal, so the rerun interval does not widen it by the machine's
    drift between sweeps; without the blocked part it would by about 15% of 1.5 s."""
    from concbench.framework.model.parts import Decomposition, Part

    runs = [
        dataclasses.replace(
            record("asyncio", "3.11.7", wall),
            process=process,
            seq=process,
            run=0,
            parts=Decomposition({Part.BLOCKED: wall - 1.0 - 0.001}),
        )
        for process, wall in enumerate([2.5012, 2.5015, 2.5011, 2.5018, 2.5014])
    ]
    [group] = group_records(runs)
    wall = group.rows[0].wall
    assert wall is not None
    assert wall.rerun_high - wall.rerun_low < 0.01 * wall.median
    unblocked = [dataclasses.replace(run, parts=Decomposition()) for run in runs]
    [group] = group_records(unblocked)
    wide = group.rows[0].wall
    assert wide is not None
    assert wide.rerun_high - wide.rerun_low > 0.4  # 2 x 15% of the 1.5 s overhead


def test_a_row_whose_other_processes_were_disturbed_is_not_told_to_add_processes() -> None:
    """Six processes ran, three kept clean runs: the advice says so, not "--processes 5"."""
    runs = [
        dataclasses.replace(
            record("asyncio", "3.11.7", 1.0 + 0.01 * process),
            process=process,
            seq=process,
            run=0,
            disturbed=process >= 3,
            counted=process < 3,
        )
        for process in range(6)
    ]
    [group] = group_records(runs)
    warnings = " ".join(group.rows[0].warnings)
    assert "only 3 of the 6 processes that ran" in warnings
    assert "use --processes" not in warnings
