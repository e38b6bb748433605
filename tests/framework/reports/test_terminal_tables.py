"""The terminal table, rendered to text by a real rich console."""

from __future__ import annotations

from rich.console import Console

from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord, Status


def record(tasks: int, steps: int | None, ideal: float, wall: float) -> RunRecord:
    return RunRecord(
        scenario="s",
        params={"tasks": tasks},
        backend="asyncio",
        status=Status.OK,
        tasks=tasks,
        serial_s=ideal,
        ideal_s=ideal,
        python="3.11",
        wall_s=wall,
        overhead_s=wall - ideal,
        steps=steps,
    )


def rendered(*records: RunRecord) -> str:
    console = Console(width=200, record=True)
    with console.capture() as captured:
        render_records(records, console)
    return captured.get()


def test_a_per_step_column_appears_only_when_tasks_have_several_steps() -> None:
    timers = rendered(record(tasks=1, steps=1000, ideal=1.0, wall=1.1))
    assert "per step" in timers
    assert "+100.00 µs" in timers  # 0.1 s late over 1000 sleeps
    assert "+100.00 ms" in timers  # per task: the single task carries it all
    fanout = rendered(record(tasks=100, steps=100, ideal=0.1, wall=0.11))
    assert "per step" not in fanout


def test_an_ideal_of_zero_shows_dashes_for_the_ratios_and_the_cost_per_task() -> None:
    text = rendered(record(tasks=1000, steps=0, ideal=0.0, wall=0.02))
    lines = text.splitlines()
    header = [cell.strip() for cell in next(line for line in lines if "% ideal" in line).split("┃")]
    row = next(line for line in lines if "asyncio" in line)
    cells = dict(zip(header, (cell.strip() for cell in row.split("│")), strict=True))
    assert cells["per task"] == "+20.00 µs"
    assert cells["% ideal"] == "-"
    assert cells["eff."] == "-"
    assert "per step" not in text
