"""Timelines in the terminal: one row per lane, drawn from real runs."""

from __future__ import annotations

from rich.console import Console

from concbench.framework.reports.terminal_timeline import print_timelines, timeline_text
from concbench.framework.reports.timeline import build_timeline
from support.plugins import HOSTILE
from support.stores import FANOUT_TASKS, Store

WIDTH = 60


def rows(store: Store, scenario: str, backend: str, **params: object) -> dict[str, str]:
    text = timeline_text(build_timeline(store.trace_of(scenario, backend, **params)), WIDTH)
    lines = text.plain.splitlines()
    return {line[:9].strip(): line[9:] for line in lines[1:] if line[:9].strip()}


def test_seed_shows_main_and_both_tasks_running_at_once(store: Store) -> None:
    lanes = rows(store, "seed", "asyncio")
    assert list(lanes)[:3] == ["main", "task 0", "task 1"]
    middle = WIDTH // 4  # main's own step takes the first half; check inside it
    for name in ("main", "task 0", "task 1"):
        assert lanes[name][middle] == "█"
    assert lanes["main"][WIDTH - 2] == "░"  # main is gathering while the tasks finish
    assert lanes["main"][WIDTH] == "◂"
    assert lanes["task 0"][0] == lanes["task 1"][0] == "▸"


def test_seed_blocking_on_asyncio_shows_the_tasks_one_after_another(store: Store) -> None:
    lanes = rows(store, "seed-blocking", "asyncio")
    first_bar = {name: lanes[name].index("█") for name in ("task 0", "task 1")}
    last_bar = {name: lanes[name].rindex("█") for name in ("task 0", "task 1")}
    # main blocks 1/5 of the run, then task 0 for 2/5, then task 1 for 2/5
    assert lanes["main"].rindex("█") <= first_bar["task 0"]
    assert last_bar["task 0"] <= first_bar["task 1"]
    assert "·" in lanes["task 1"][: first_bar["task 1"]]  # spawned, waiting its turn
    assert first_bar["task 1"] >= 0.5 * WIDTH


def test_many_tasks_become_density_rows(store: Store) -> None:
    lanes = rows(store, "fanout", "threads", tasks=FANOUT_TASKS[1])
    assert list(lanes) == ["main", "spawned", "running", "ended", f"{FANOUT_TASKS[1]} tasks;"]
    assert lanes["ended"].rstrip()[-1] == "█"  # every task has ended by the finish
    assert lanes["spawned"].rstrip()[-1] == "█"


def test_print_timelines_titles_each_and_never_reads_names_as_markup(
    hostile_store: Store,
) -> None:
    console = Console(record=True, width=120)
    print_timelines(hostile_store.records, hostile_store.traces, console)
    text = console.export_text()
    out = " ".join(text.split())  # undo rich's wrapping of the long title
    assert f"<i>scenario</i> | $x_1$ (seconds=0.02, <u>copies</u>|=2) on {HOSTILE}" in out
    # the plugin runs its tasks one after another and records no step ends: lanes still show
    lanes = {line[:9].strip(): line[9:] for line in text.splitlines()}
    assert lanes["task 0"].count("█") > 10
    assert lanes["task 1"].count("█") > 10
    assert lanes["task 0"].rindex("█") <= lanes["task 1"].index("█")
