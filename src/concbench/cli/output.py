"""What a sweep and a report print after the tables, in the same order for both: the
canary's drift notes, the report files and timelines asked for, and the summary at a
glance last, where the eye lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from ..framework.analysis.drift import sweep_notes
from ..framework.reports.outputs import Outputs, load_traces
from ..framework.store.records import RunRecord
from ..framework.store.sanitize import for_terminal as escape
from ..framework.store.sweeps import read_sweeps

__all__ = ["print_glance", "print_sweep_notes", "report_files"]


def print_sweep_notes(stores: Sequence[Path], console: Console) -> None:
    """The drift each store's sweeps measured with their canary (one line per sweep)."""
    for store in stores:
        for note in sweep_notes(read_sweeps(store)):
            console.print(escape(note))


def report_files(
    records: list[RunRecord], stores: list[Path], outputs: Outputs, timeline: bool, console: Console
) -> None:
    """The terminal timelines and the report files the user asked for."""
    if not (outputs or timeline):
        return
    traces = load_traces(stores)
    if timeline:
        from ..framework.reports.terminal_timeline import print_timelines

        print_timelines(records, traces, console)
    notes = [note for store in stores for note in sweep_notes(read_sweeps(store))]
    for what, path in outputs.write(records, traces, [str(store) for store in stores], notes):
        console.print(f"{what}: [bold]{escape(str(path))}[/]")


def print_glance(records: list[RunRecord], console: Console) -> None:
    """The compact summary, last: the answer most people came for, where the eye lands."""
    from ..framework.analysis.glance import glance
    from ..framework.analysis.summary import group_records
    from ..framework.reports.glance import print_glance as print_table

    console.print()
    print_table(glance(group_records(records)), console)
