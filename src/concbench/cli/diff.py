"""``concbench diff``: two result stores row by row, and a gate for CI (``--fail-above``).

A change is called only when the test finds it and its whole interval lies beyond the
noise threshold, so an A/A pair of sweeps does not fail a build.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from ..framework.analysis.stats import DEFAULT_NOISE
from ..framework.model.params import ParameterError
from ..framework.reports.outputs import check_output, write_output
from ..framework.store.resultstore import StoreError, kept_files, read_records
from ..framework.store.sanitize import for_terminal as escape
from ..framework.store.sweeps import read_sweeps
from . import argtypes

if TYPE_CHECKING:
    from ..framework.reports.diff import DiffRow

__all__ = ["add_parser", "cmd_diff"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = commands.add_parser("diff", help="compare two result files row by row")
    diff.add_argument("base", type=Path, metavar="BASE", help="the baseline result file")
    diff.add_argument("new", type=Path, metavar="NEW", help="the result file to judge")
    diff.add_argument(
        "--fail-above",
        type=argtypes.percentage,
        default=None,
        metavar="PCT",
        help="exit 1 when a row is significantly slower by more than PCT (e.g. 10%%), "
        "or ran in BASE and only fails in NEW",
    )
    diff.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    diff.add_argument(
        "--noise",
        type=argtypes.noise,
        default=None,
        metavar="PCT",
        help="call a change only when its whole interval lies beyond PCT "
        f"(default {DEFAULT_NOISE * 100:.0f}%%, from A/A sweeps: docs/reproducibility.md)",
    )
    diff.add_argument(
        "--markdown", type=Path, default=None, metavar="OUT", help="the diff table as Markdown"
    )
    diff.set_defaults(command=cmd_diff)


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from ..framework.analysis.drift import between_stores
    from ..framework.measure.environment import env_path, read_environments
    from ..framework.reports.diff import (
        HEADERS,
        INSTRUCTION_NOISE,
        NUMERIC,
        Verdict,
        diff_cells,
        diff_records,
        power_warnings,
    )
    from ..framework.reports.markdown import table
    from ..framework.reports.terminal_timeline import diff_table

    if not 0 < args.alpha < 1:
        raise ParameterError(f"--alpha must be between 0 and 1, got {args.alpha!r}")
    noise = DEFAULT_NOISE if args.noise is None else args.noise
    kept = kept_files([args.base, args.new], "a result store being compared")
    if args.markdown is not None:
        check_output("--markdown", args.markdown, kept)
    sides = {"BASE": read_records(args.base), "NEW": read_records(args.new)}
    for side, path in (("BASE", args.base), ("NEW", args.new)):
        if not sides[side]:
            raise StoreError(f"{side} {path}: no records, so there is nothing to compare")
    rows = diff_records(
        sides["BASE"],
        sides["NEW"],
        args.alpha,
        noise,
        base_envs=read_environments(env_path(args.base)),
        new_envs=read_environments(env_path(args.new)),
    )
    console.print(diff_table(rows, args.fail_above))
    console.print(
        f"slower/faster: the processes' medians differ (p < {args.alpha:g}) and the whole "
        f"interval of the change lies beyond the noise threshold of {_shown_pct(noise)}"
    )
    if any(row.label.endswith("[instructions]") for row in rows):
        console.print(
            "\\[instructions] rows: instructions per task under callgrind, judged at a noise "
            f"threshold of {_shown_pct(INSTRUCTION_NOISE)}"
        )
    machine = between_stores(read_sweeps(args.base), read_sweeps(args.new))
    if machine:
        console.print(escape(machine))
    for warning in power_warnings(rows, args.alpha, noise):
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    compared = [row for row in rows if row.verdict not in (Verdict.ONLY_BASE, Verdict.ONLY_NEW)]
    if not compared:  # a renamed scenario or backend, or the wrong file: say so, never pass
        console.print(
            "[yellow]warning:[/] no row is in both BASE and NEW (same scenario, parameters "
            "and backend): nothing was compared"
        )
    if args.markdown is not None:
        markdown = table(HEADERS, map(diff_cells, rows), NUMERIC) + "\n"
        if machine:
            markdown += f"\n{machine}\n"
        write_output(args.markdown, markdown, kept)
        console.print(f"Markdown: [bold]{escape(str(args.markdown))}[/]")
    if args.fail_above is None:
        return 0
    return _gate(rows, args.fail_above, console, compared=bool(compared))


def _gate(rows: Sequence[DiffRow], threshold: float, console: Console, *, compared: bool) -> int:
    """``--fail-above``: 1 when a row regressed beyond ``threshold``, or nothing was compared."""
    if not compared:
        console.print("[red]--fail-above: nothing was compared, so nothing passed the gate[/]")
        return 1
    gate = _shown_pct(threshold)
    failing = [row for row in rows if row.fails(threshold)]
    if failing:
        console.print(
            f"[red]{len(failing)} row(s) regressed beyond {gate}[/]: "
            + escape(", ".join(f"{row.label} on {row.workload}" for row in failing))
        )
        return 1
    console.print(f"no regression beyond {gate} was called")
    return 0


def _shown_pct(fraction: float) -> str:
    """``0.1`` -> ``10%``, ``0.005`` -> ``0.5%``, ``1e306`` -> ``1e+308%``: never 300 digits."""
    return f"{fraction * 100:g}%"
