"""``concbench report``: the tables, notes and report files of stored sweeps, re-rendered
without running anything, so a store measured once can be read again in any format.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from ..framework.reports.terminal_tables import render_records
from ..framework.store.resultstore import StoreError, kept_files, read_stores
from .options import add_output_arguments
from .output import print_glance, print_sweep_notes, report_files
from .targets import outputs

__all__ = ["add_parser", "cmd_report"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", help="re-render stored result files")
    report.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_output_arguments(report)
    report.set_defaults(command=cmd_report)


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    files = outputs(args, kept_files(args.files, "the result store"))
    records = read_stores(args.files)
    if not records:
        raise StoreError(_nothing_to_report(args.files))
    render_records(records, console)
    print_sweep_notes(args.files, console)
    report_files(records, args.files, files, args.timeline, console)
    print_glance(records, console)
    return 0


def _nothing_to_report(paths: Sequence[Path]) -> str:
    """An empty store is an error, not an empty table: exit 2 tells a script it read nothing."""
    if len(paths) == 1:
        return f"nothing to report: {paths[0]} holds no records (an empty result store)"
    return f"nothing to report: none of the {len(paths)} result stores holds a record"
