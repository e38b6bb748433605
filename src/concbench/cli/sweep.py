"""Carrying out the jobs ``run`` and ``compare`` planned: the one place a sweep starts.

Both commands plan, then hand their jobs here, where the last checks (the store to
resume, the calibration to reuse) run before the first worker starts; resuming,
interruption, the progress bar and what is printed afterwards are the same for both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ..framework.measure.environment import collect
from ..framework.measure.interrupt import Interrupted
from ..framework.measure.runner import Job, Runner, RunSettings
from ..framework.reports.outputs import Outputs
from ..framework.reports.terminal_tables import render_records
from ..framework.store.records import Status
from ..framework.store.resultstore import ResultStore, sweep_lock
from ..framework.store.sanitize import for_terminal as escape
from .output import print_glance, print_sweep_notes, report_files
from .progress import progress
from .registry import registry
from .resume import already_stored, left_to_do
from .settings import calibration

__all__ = ["execute"]


def execute(
    jobs: list[Job],
    settings: RunSettings,
    args: argparse.Namespace,
    out: Path,
    console: Console,
    *,
    outputs: Outputs,
) -> int:
    """The sweep; a resumed one holds its store from planning to the last record, so that
    two resumes of one store never both run the same missing runs."""
    if not args.resume:
        return _sweep(jobs, settings, args, out, console, outputs=outputs)
    with sweep_lock(out):
        return _sweep(jobs, settings, args, out, console, outputs=outputs)


def _sweep(
    jobs: list[Job],
    settings: RunSettings,
    args: argparse.Namespace,
    out: Path,
    console: Console,
    *,
    outputs: Outputs,
) -> int:
    stored = already_stored(args)
    calibrated = calibration(args, out, stored is not None)
    store = ResultStore(out)
    environment = collect(registry().backends.values())
    runner = Runner(store, settings, environment=environment, calibration=calibrated)
    total = sum(len(runs) for job in jobs for _, runs in runner.todo(job, stored))
    earlier = stored.records_of({job.key for job in jobs}) if stored else []
    if stored is not None:
        left = left_to_do(jobs, stored, len(earlier), total)
        console.print(f"resuming {escape(str(out))}: {left}")
    try:
        with progress(console, total, settings) as observer:
            runner.observer = observer
            records = runner.run(jobs, stored)
    except Interrupted as stop:
        render_records(earlier + stop.records, console)
        again = "--resume" if args.out else f"--resume --out {out}"
        Console(stderr=True).print(
            f"[yellow]interrupted by {stop.signal_name}[/]: {len(stop.records)} finished runs "
            f"were stored in [bold]{escape(str(out))}[/]; run the same command with "
            f"{escape(again)} to do only the missing runs"
        )
        return 128 + stop.signum
    records = earlier + records
    render_records(records, console)
    faults = sum(r.status in (Status.FAILED, Status.TIMEOUT, Status.CRASHED) for r in records)
    summary = f"{len(records)} records in [bold]{escape(str(out))}[/]"
    if stored is not None:
        summary += f" ({len(records) - len(earlier)} new)"
    if faults:
        summary += f" ([red]{faults} failed, timed out or crashed[/]: see the notes column)"
    console.print(summary)
    print_sweep_notes([out], console)
    report_files(records, [out], outputs, args.timeline, console)
    print_glance(records, console)
    return 0
