"""``concbench run``: one scenario, swept over its parameters, on some or all backends.

A parameter the scenario sweeps (``http``'s clients) runs every listed value unless the
user gives it, one row per value, so ``run http`` alone compares them; a value the user
gives always wins over the sweep. Without ``-b`` the backends are the default matrix, as
in ``compare``, so that a scenario's default sweep takes minutes: a job left out of it is
a skipped row naming the ``-b`` that runs it (docs/scenarios.md).
"""

from __future__ import annotations

import argparse
import dataclasses

from rich.console import Console

from ..framework.measure.registry import Registry
from ..framework.measure.runner import Job, plan_sweep
from ..framework.model.params import parse_assignments
from ..framework.model.sweep import expand
from .options import add_backend_arguments, add_output_arguments, add_settings_arguments
from .registry import registry
from .selection import backends
from .settings import run_settings
from .sweep import execute
from .targets import checked_out

__all__ = ["add_parser", "cmd_run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run one scenario on some or all backends")
    run.add_argument("scenario", help="scenario name (see `concbench list`)")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="scenario parameter; repeat for several; a comma list (tasks=10,100) runs each value",
    )
    add_backend_arguments(run)
    add_settings_arguments(run)
    add_output_arguments(run)
    run.set_defaults(command=cmd_run)


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    plugins = registry()
    settings = run_settings(args)
    out, outputs = checked_out(args, "run")
    params = parse_assignments(args.param, flag="-p/--param")
    swept = plugins.scenario(args.scenario).sweeps  # what the scenario sweeps unless given
    params = {name: values for name, values in swept.items() if name not in params} | params
    selected = backends(plugins, args)
    named = bool(args.backend)  # else the default matrix: what would take far longer is opt-in
    sets = expand(params, flag="-p/--param")
    jobs = plan_sweep(plugins, args.scenario, sets, selected, matrix=not named)
    if not named:
        jobs = [_unless_in_matrix(plugins, job) for job in jobs]
    return execute(jobs, settings, args, out, console, outputs=outputs)


def _unless_in_matrix(plugins: Registry, job: Job) -> Job:
    """A job of a backend that stays out of the default matrix (dask: its cluster start-up
    costs seconds a worker process), skipped with the ``-b`` that runs it."""
    if job.skip_reason or plugins.backend(job.backend).compare:
        return job
    reason = f"left out of the default matrix; `-b {job.backend}` runs it"
    return dataclasses.replace(job, skip_reason=reason, note="")
