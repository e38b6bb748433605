"""Report rows: one per backend, or per backend and interpreter when stores are merged."""

from __future__ import annotations

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
