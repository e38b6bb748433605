"""The ``concbench`` command: a thin chain of parse, plan, run and report over the framework.

Everything a user types is checked while planning, before the first worker starts, so a
typo in the last parameter never costs the runs before it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .framework.model import ModelError
from .framework.params import ParameterError, parse_assignments
from .framework.records import RunRecord, Status
from .framework.registry import Registry, UnknownNameError, default_registry
from .framework.runner import Job, Runner, RunSettings, plan
from .framework.store import ResultStore, StoreError, read_records
from .framework.terminal import render_records

__all__ = ["main"]

_USER_ERRORS = (ParameterError, UnknownNameError, ModelError, StoreError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:  # nox, CI logs and pipes: keep tables whole instead of 80 columns
        console.width = max(console.width, 160)
    try:
        result: int = args.command(args, console)
    except _USER_ERRORS as exc:
        Console(stderr=True).print(f"[bold red]concbench: error:[/] {escape(str(exc))}")
        return 2
    except KeyboardInterrupt:
        Console(stderr=True).print("[yellow]interrupted; finished runs are in the result store[/]")
        return 130
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concbench",
        description="Measure what concurrency really costs: ideal vs serial vs measured.",
    )
    parser.add_argument("--version", action="version", version=f"concbench {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="backends (with availability) and scenarios")
    listing.set_defaults(command=cmd_list)

    run = commands.add_parser("run", help="run one scenario on some or all backends")
    run.add_argument("scenario", help="scenario name (see `concbench list`)")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="scenario parameter; repeat for several",
    )
    _add_backend_arguments(run)
    _add_settings_arguments(run)
    run.set_defaults(command=cmd_run)

    compare = commands.add_parser("compare", help="the default matrix on every backend")
    compare.add_argument(
        "-s",
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="only these scenarios (default: every scenario in the matrix)",
    )
    _add_backend_arguments(compare)
    _add_settings_arguments(compare)
    compare.set_defaults(command=cmd_compare)

    report = commands.add_parser("report", help="re-render stored result files")
    report.add_argument("files", nargs="+", type=Path, metavar="FILE")
    report.set_defaults(command=cmd_report)
    return parser


def _add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-b",
        "--backend",
        action="append",
        default=[],
        metavar="NAME",
        help="backend to run; repeat for several (default: all)",
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="backend option, given to every selected backend that declares it",
    )


def _add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeat", type=int, default=3, help="counted runs per process (default 3)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs first (default 1)")
    parser.add_argument(
        "--processes", type=int, default=1, help="fresh worker processes (default 1)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run (default 60)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON Lines result store to append to (default: results/<command>-<time>.jsonl)",
    )


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    registry = default_registry()
    backends = Table(title="backends", title_justify="left")
    for column in ("name", "available", "options", "description"):
        backends.add_column(column, overflow="fold")
    for name, backend in sorted(registry.backends.items()):
        reason = backend.unavailable_reason()
        options = ", ".join(f"{p.name}={p.default} ({p.help})" for p in backend.options)
        backends.add_row(
            escape(name),
            "[green]yes[/]" if reason is None else f"[red]no[/]: {escape(reason)}",
            escape(options),
            escape(backend.description),
        )
    console.print(backends)

    scenarios = Table(title="scenarios", title_justify="left")
    for column in ("name", "parameters (default: allowed; help)", "summary"):
        scenarios.add_column(column, overflow="fold")
    for name, scenario in sorted(registry.scenarios.items()):
        params = "\n".join(
            f"{p.name}={p.default}: {p.allowed()}; {p.help}" for p in scenario.params
        )
        scenarios.add_row(escape(name), escape(params), escape(scenario.summary))
    console.print(scenarios)

    for plugin in registry.broken:
        console.print(
            f"[red]broken plugin[/] {escape(plugin.group)}:{escape(plugin.name)} "
            f"({escape(plugin.value)}): {escape(plugin.reason)}"
        )
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    registry = default_registry()
    settings = _settings(args)
    params = parse_assignments(args.param, flag="-p/--param")
    jobs = plan(registry, args.scenario, params, _backends(registry, args))
    return _execute(jobs, settings, _out(args, "run"), console)


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    registry = default_registry()
    settings = _settings(args)
    for name in args.scenario:
        registry.scenario(name)  # unknown names fail here, with a suggestion
    backends = _compare_variants(registry, _backends(registry, args), named=bool(args.backend))
    jobs: list[Job] = []
    for name, scenario in registry.scenarios.items():
        if args.scenario and name not in args.scenario:
            continue
        for params in scenario.compare:
            jobs += plan(registry, name, params, backends, matrix=True)
    if not jobs:
        raise ParameterError("no scenario in the compare matrix matches --scenario")
    return _execute(jobs, settings, _out(args, "compare"), console)


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    records: list[RunRecord] = []
    for path in args.files:
        records += read_records(path)
    render_records(records, console)
    return 0


def _settings(args: argparse.Namespace) -> RunSettings:
    return RunSettings(
        repeat=args.repeat, warmup=args.warmup, processes=args.processes, timeout_s=args.timeout
    )


def _backends(
    registry: Registry, args: argparse.Namespace
) -> list[tuple[str, Mapping[str, object]]]:
    """Selected backends, each with the ``-o`` options it declares; unclaimed options fail."""
    names = args.backend or sorted(registry.backends)
    for name in names:
        registry.backend(name)
    options = parse_assignments(args.option, flag="-o/--option")
    claimed: set[str] = set()
    selected: list[tuple[str, Mapping[str, object]]] = []
    for name in dict.fromkeys(names):
        declared = {option.name for option in registry.backend(name).options}
        claimed |= declared & options.keys()
        selected.append((name, {k: v for k, v in options.items() if k in declared}))
    for option in options.keys() - claimed:
        allowed = "; ".join(
            f"{name}: {', '.join(o.name for o in registry.backend(name).options) or 'none'}"
            for name, _ in selected
        )
        raise ParameterError(
            f"-o/--option: no selected backend has option {option!r} (options: {allowed})"
        )
    return selected


def _compare_variants(
    registry: Registry, selected: list[tuple[str, Mapping[str, object]]], *, named: bool
) -> list[tuple[str, Mapping[str, object]]]:
    """Each backend once per option set its ``compare`` lists, with the user's ``-o`` on top.

    A backend whose ``compare`` is empty stays out of the default matrix, unless ``-b``
    names it: then it runs with its defaults and the user's options.
    """
    variants: list[tuple[str, Mapping[str, object]]] = []
    for name, given in selected:
        backend = registry.backend(name)
        sets = backend.compare or (({},) if named else ())
        seen: set[tuple[tuple[str, object], ...]] = set()
        for variant in sets:
            options = {**variant, **given}
            key = tuple(sorted(backend.resolve_options(options).items()))
            if key not in seen:
                seen.add(key)
                variants.append((name, options))
    return variants


def _out(args: argparse.Namespace, command: str) -> Path:
    if args.out is not None:
        return Path(args.out)
    return Path("results") / f"{command}-{datetime.now():%Y%m%d-%H%M%S}.jsonl"


def _execute(jobs: list[Job], settings: RunSettings, out: Path, console: Console) -> int:
    store = ResultStore(out)
    with _progress(console, jobs, settings) as observer:
        records = Runner(store, settings, observer).run(jobs)
    render_records(records, console)
    faults = sum(r.status in (Status.FAILED, Status.TIMEOUT, Status.CRASHED) for r in records)
    summary = f"{len(records)} records in [bold]{escape(str(out))}[/]"
    if faults:
        summary += f" ([red]{faults} failed, timed out or crashed[/]: see the notes column)"
    console.print(summary)
    return 0


class _ProgressObserver:
    """Draws one bar over every planned run; faults and skips advance past the lost runs."""

    def __init__(self, progress: Progress, total: int, runs_per_job: int) -> None:
        self.progress = progress
        self.bar = progress.add_task("starting", total=total)
        self.runs_per_job = runs_per_job
        self.left_in_job = 0

    def job_started(self, job: Job, runs: int) -> None:
        self.progress.advance(self.bar, self.left_in_job)  # runs a fault made impossible
        self.left_in_job = 1 if job.skip_reason else runs
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        self.progress.update(self.bar, description=f"{job.scenario}({params}) on {job.backend}")

    def recorded(self, record: RunRecord) -> None:
        self.progress.advance(self.bar, 1)
        self.left_in_job -= 1

    def close(self) -> None:
        self.progress.advance(self.bar, self.left_in_job)


@contextmanager
def _progress(console: Console, jobs: list[Job], settings: RunSettings) -> Iterator[Any]:
    runs = settings.repeat * settings.processes
    total = sum(1 if job.skip_reason else runs for job in jobs)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        observer = _ProgressObserver(progress, total, runs)
        yield observer
        observer.close()
