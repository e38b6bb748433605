"""How a sweep is measured: the run settings and the CPU calibration, from the options.

:class:`~concbench.framework.measure.runner.RunSettings` checks the numbers when it is
made, before planning, so a bad combination fails before the first worker starts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..framework.analysis.stats import min_processes
from ..framework.measure.calibration import Calibration, from_store, stored_rate
from ..framework.measure.runner import MAX_PROCESSES, RETRIES_DISTURBED, RunSettings
from ..framework.model.params import ParameterError
from ..framework.reports.diff import CALIBRATION_TOLERANCE

__all__ = ["calibration", "max_processes", "run_settings"]


def run_settings(args: argparse.Namespace) -> RunSettings:
    """The settings; ``--keep-disturbed`` alone retries nothing, since a disturbed run
    that counts needs no second try."""
    retries = args.retries_disturbed
    if retries and args.keep_disturbed:  # the runner would drop the retries in silence
        raise ParameterError(
            f"--retries-disturbed {retries} does nothing with --keep-disturbed: disturbed "
            "runs are counted, not run again; give one of the two"
        )
    if retries is None:
        retries = 0 if args.keep_disturbed else RETRIES_DISTURBED
    return RunSettings(
        repeat=args.repeat,
        warmup=args.warmup,
        processes=args.processes,
        timeout_s=args.timeout,
        retries_disturbed=retries,
        keep_disturbed=args.keep_disturbed,
        order_seed=args.order_seed,
        measure=args.measure,
        max_processes=max_processes(args.processes, args.max_processes),
    )


def max_processes(processes: int, given: int | None) -> int | None:
    """``--max-processes``, or by default three times ``--processes`` when that is enough for the
    test to call a change at all: fewer were asked for on purpose (a quick look)."""
    if given is not None:
        return given
    return min(3 * processes, MAX_PROCESSES) if processes >= min_processes() else None


def calibration(args: argparse.Namespace, out: Path, resuming: bool) -> Calibration | None:
    """``--calibration``'s store, checked before anything runs; when resuming, the rate the
    sweep began with (its runs must do the same work); else None: the runner measures."""
    began = stored_rate(out) if resuming and out.exists() else None
    if args.calibration is not None:
        given = from_store(args.calibration)
        if began is not None and abs(given.rate / began - 1) > CALIBRATION_TOLERANCE:
            raise ParameterError(
                f"--calibration: {args.calibration} has a CPU rate of {given.rate:.4g} "
                f"iterations/s, but the sweep in {out} began with {began:.4g}: its remaining "
                "runs would do different work than the stored ones; resume without --calibration"
            )
        return given
    if began is not None:
        return Calibration(began, f"resumed {out}")
    return None
