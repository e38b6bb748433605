"""The options ``run`` and ``compare`` share (backends, settings, reproducibility), and the
report-file options they share with ``report``: declared once, so the commands cannot
drift apart in spelling, defaults or help.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..framework.measure.runner import MAX_PROCESSES, MAX_REPEAT, MAX_RETRIES, RETRIES_DISTURBED
from ..framework.reports.outputs import exporters
from .argtypes import integer, seconds

__all__ = [
    "DEFAULT_PROCESSES",
    "DEFAULT_REPEAT",
    "add_backend_arguments",
    "add_output_arguments",
    "add_settings_arguments",
]

DEFAULT_PROCESSES = 5
"""Five processes a side let the test call a change (4 is the least at alpha 0.05, with no
room for one odd process); chosen by A/A measurement within the compare budget
(docs/reproducibility.md)."""
DEFAULT_REPEAT = 1
"""Runs within a process are repeated measures: a second one costs as much as a new process
and tells less (docs/reproducibility.md)."""


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """``-b`` and ``-o``: which backends, and their options (checked by :mod:`.selection`)."""
    parser.add_argument(
        "-b",
        "--backend",
        action="append",
        default=[],
        metavar="NAME",
        help="backend to run; repeat for several (default: the default matrix, every backend "
        "but those it leaves out, such as dask: docs/commands.md)",
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="backend option, given to every selected backend that declares it",
    )


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """How a sweep is measured and where it is stored; the numbers are refused here, while
    parsing, and the combinations by :mod:`.settings` and :mod:`.resume`."""
    parser.add_argument(
        "--repeat",
        type=integer(1, MAX_REPEAT),
        default=DEFAULT_REPEAT,
        help=f"counted runs per process (default {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--warmup",
        type=integer(0, MAX_REPEAT),
        default=1,
        help="discarded runs first in each process, at a tenth of the durations (default 1)",
    )
    parser.add_argument(
        "--processes",
        type=integer(1, MAX_PROCESSES),
        default=DEFAULT_PROCESSES,
        help=f"fresh worker processes per job, the unit of the statistics "
        f"(default {DEFAULT_PROCESSES})",
    )
    parser.add_argument(
        "--max-processes",
        type=integer(1, MAX_PROCESSES),
        default=None,
        metavar="N",
        help="add processes, up to N a job, to rows whose spread would hide a 20%% change "
        "(default: three times --processes, from 4 processes on; equal to --processes turns "
        "it off)",
    )
    parser.add_argument(
        "--timeout", type=seconds, default=60.0, help="seconds per run (default 60)"
    )
    parser.add_argument(
        "--measure",
        default="time",
        metavar="WHAT",
        help="time (default), or instructions: count each run's instructions under "
        "valgrind's callgrind, repeatable on a busy machine; waiting is not counted, "
        "and time limits grow 200x",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON Lines result store to append to (default: results/<command>-<time>.jsonl)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep stored in --out: run only the runs it lacks "
        "(jobs that ended in a fault are not run again)",
    )
    parser.add_argument(
        "--retry-faults",
        action="store_true",
        help="with --resume, run again the jobs that failed, timed out or crashed",
    )
    _add_reproducibility_arguments(parser)


def _add_reproducibility_arguments(parser: argparse.ArgumentParser) -> None:
    """Calibration, disturbed runs and order in time (docs/reproducibility.md)."""
    group = parser.add_argument_group("reproducibility (docs/reproducibility.md)")
    group.add_argument(
        "--calibration",
        type=Path,
        default=None,
        metavar="FROM_STORE",
        help="reuse the CPU calibration of this result store, so cpu steps do the same work "
        "as in that sweep (default: measure once, before the first job)",
    )
    group.add_argument(
        "--retries-disturbed",
        type=integer(0, MAX_RETRIES),
        default=None,
        metavar="N",
        help="run a run disturbed by other programs again, up to N times "
        f"(default {RETRIES_DISTURBED}; 0 with --keep-disturbed)",
    )
    group.add_argument(
        "--keep-disturbed",
        action="store_true",
        help="count runs disturbed by other programs in the statistics (default: shown, left out)",
    )
    group.add_argument(
        "--order-seed",
        type=integer(0, 2**63 - 1),
        default=None,
        metavar="N",
        help="seed of the shuffled, interleaved order of worker processes (default: drawn, "
        "and recorded in the environment file)",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """One option per registered report format (framework/reports/exporters.py)."""
    reports = parser.add_argument_group("report files")
    for exporter in exporters():
        reports.add_argument(
            exporter.option,
            type=Path,
            metavar=exporter.metavar,
            dest=f"export_{exporter.name}",
            help=exporter.help,
        )
    reports.add_argument(
        "--timeline", action="store_true", help="draw one run per backend in the terminal"
    )
