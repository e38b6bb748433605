"""``concbench doctor``: what on this machine makes numbers unstable, and what to change,
before a sweep spends its time on numbers that will not repeat.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from ..framework.store.sanitize import for_terminal as escape

__all__ = ["add_parser", "cmd_doctor"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor", help="what on this machine makes numbers unstable, and what to change"
    )
    doctor.set_defaults(command=cmd_doctor)


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    from ..framework.measure.doctor import Level, diagnose

    styles = {Level.OK: "green", Level.WARN: "yellow", Level.UNKNOWN: "dim"}
    table = Table(title="what makes numbers unstable here", title_justify="left")
    for column in ("check", "verdict", "finding", "advice"):
        table.add_column(column, overflow="fold")
    for check in diagnose():
        style = styles[check.level]
        table.add_row(
            escape(check.name),
            f"[{style}]{escape(check.level.value)}[/]",
            escape(check.finding),
            escape(check.advice),
        )
    console.print(table)
    return 0
