"""``concbench compare``: the default matrix, every scenario's ``compare`` parameter sets
on every backend's ``compare`` option sets, so one command gives the comparable picture.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from ..framework.measure.runner import Job, plan
from ..framework.model.params import ParameterError
from ..framework.store.sanitize import for_terminal as escape
from .options import add_backend_arguments, add_output_arguments, add_settings_arguments
from .registry import registry
from .selection import backends, compare_variants
from .settings import run_settings
from .sweep import execute
from .targets import checked_out

__all__ = ["add_parser", "cmd_compare"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = commands.add_parser("compare", help="the default matrix on every backend")
    compare.add_argument(
        "-s",
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="only these scenarios (default: every scenario in the matrix)",
    )
    add_backend_arguments(compare)
    add_settings_arguments(compare)
    add_output_arguments(compare)
    compare.set_defaults(command=cmd_compare)


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    plugins = registry()
    settings = run_settings(args)
    out, outputs = checked_out(args, "compare")
    for name in args.scenario:
        plugins.scenario(name)  # unknown names fail here, with a suggestion
    variants = compare_variants(plugins, backends(plugins, args), named=bool(args.backend))
    jobs: list[Job] = []
    for name, scenario in plugins.scenarios.items():
        if args.scenario and name not in args.scenario:
            continue
        for params in scenario.compare:
            jobs += plan(plugins, name, params, variants, matrix=True)
    if not jobs:
        raise ParameterError("no scenario in the compare matrix matches --scenario")
    from ..framework.measure.doctor import diagnose, summary_line

    console.print(escape(summary_line(diagnose())))
    return execute(jobs, settings, args, out, console, outputs=outputs)
