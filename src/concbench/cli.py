"""The ``concbench`` command: a thin chain of parse, plan, run and report over the framework.

Everything a user types is checked while planning, before the first worker starts, so a
typo in the last parameter never costs the runs before it.
"""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .framework.analysis.drift import sweep_notes
from .framework.analysis.stats import DEFAULT_NOISE, min_processes
from .framework.measure.calibration import Calibration, from_store, stored_rate
from .framework.measure.environment import collect
from .framework.measure.interrupt import Interrupted
from .framework.measure.registry import Registry, default_registry
from .framework.measure.resume import Stored
from .framework.measure.runner import (
    MAX_PROCESSES,
    MAX_REPEAT,
    MAX_RETRIES,
    RETRIES_DISTURBED,
    Job,
    Runner,
    RunSettings,
    plan,
    plan_sweep,
)
from .framework.measure.services import SERVICES
from .framework.model.errors import UserError
from .framework.model.params import ParameterError, did_you_mean, parse_assignments, shown
from .framework.model.sweep import expand
from .framework.reports.outputs import (
    Outputs,
    check_output,
    exporters,
    load_traces,
    write_output,
)
from .framework.reports.terminal_tables import render_records
from .framework.store.records import RunRecord, Status
from .framework.store.resultstore import (
    ResultStore,
    StoreError,
    check_store_target,
    kept_files,
    read_records,
    read_stores,
    sweep_lock,
)
from .framework.store.sanitize import for_terminal as escape  # rich markup and control characters
from .framework.store.sweeps import read_sweeps

__all__ = ["main"]

_EPILOG = """\
`concbench COMMAND --help` lists a command's options; `concbench list` shows the
backends and scenarios installed here.

Documentation, in the source tree: README.md (what concbench measures, how to read a
table), then docs/commands.md (every command and option), docs/scenarios.md,
docs/backends.md, docs/reports.md, docs/statistics.md, docs/reproducibility.md,
docs/reliability.md, docs/plugins.md, docs/performance.md and docs/architecture.md."""


DEFAULT_PROCESSES = 5
"""Five processes a side let the test call a change (4 is the least at alpha 0.05, with no
room for one odd process); chosen by A/A measurement within the compare budget
(docs/reproducibility.md)."""
DEFAULT_REPEAT = 1
"""Runs within a process are repeated measures: a second one costs as much as a new process
and tells less (docs/reproducibility.md)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:  # nox, CI logs and pipes: keep tables whole instead of 80 columns
        console.width = max(console.width, 160)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            result: int = args.command(args, console)
        except UserError as exc:  # its message says what is allowed; a traceback would hide it
            Console(stderr=True).print(
                f"[bold red]concbench: error:[/] {escape(_one_line(str(exc)))}", soft_wrap=True
            )
            return 2
        except KeyboardInterrupt:
            Console(stderr=True).print(
                "[yellow]interrupted; finished runs are in the result store[/]"
            )
            return 130
    return result


def _one_line(message: str) -> str:
    """The message on one line, however long: a script greps it, a terminal wraps it."""
    return " ".join(line.strip() for line in message.splitlines())


def _show_warning(  # noqa: PLR0917 - the signature of warnings.showwarning
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """A warning as one line for the user, without Python's ``cli.py:294: UserWarning:``."""
    Console(stderr=True, soft_wrap=True).print(
        f"[yellow]concbench: warning:[/] {escape(str(message))}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concbench",
        description="Measure what concurrency really costs: ideal vs serial vs measured.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the epilog's lines
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
        help="scenario parameter; repeat for several; a comma list (tasks=10,100) runs each value",
    )
    _add_backend_arguments(run)
    _add_settings_arguments(run)
    _add_output_arguments(run)
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
    _add_output_arguments(compare)
    compare.set_defaults(command=cmd_compare)

    report = commands.add_parser("report", help="re-render stored result files")
    report.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _add_output_arguments(report)
    report.set_defaults(command=cmd_report)

    diff = commands.add_parser("diff", help="compare two result files row by row")
    diff.add_argument("base", type=Path, metavar="BASE", help="the baseline result file")
    diff.add_argument("new", type=Path, metavar="NEW", help="the result file to judge")
    diff.add_argument(
        "--fail-above",
        type=_percentage,
        default=None,
        metavar="PCT",
        help="exit 1 when a row is significantly slower by more than PCT (e.g. 10%%), "
        "or ran in BASE and only fails in NEW",
    )
    diff.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    diff.add_argument(
        "--noise",
        type=_noise,
        default=None,
        metavar="PCT",
        help="call a change only when its whole interval lies beyond PCT "
        f"(default {DEFAULT_NOISE * 100:.0f}%%, from A/A sweeps: docs/reproducibility.md)",
    )
    diff.add_argument(
        "--markdown", type=Path, default=None, metavar="OUT", help="the diff table as Markdown"
    )
    diff.set_defaults(command=cmd_diff)

    doctor = commands.add_parser(
        "doctor", help="what on this machine makes numbers unstable, and what to change"
    )
    doctor.set_defaults(command=cmd_doctor)
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
        "--repeat",
        type=_integer(1, MAX_REPEAT),
        default=DEFAULT_REPEAT,
        help=f"counted runs per process (default {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--warmup",
        type=_integer(0, MAX_REPEAT),
        default=1,
        help="discarded runs first in each process, at a tenth of the durations (default 1)",
    )
    parser.add_argument(
        "--processes",
        type=_integer(1, MAX_PROCESSES),
        default=DEFAULT_PROCESSES,
        help=f"fresh worker processes per job, the unit of the statistics "
        f"(default {DEFAULT_PROCESSES})",
    )
    parser.add_argument(
        "--max-processes",
        type=_integer(1, MAX_PROCESSES),
        default=None,
        metavar="N",
        help="add processes, up to N a job, to rows whose spread would hide a 20%% change "
        "(default: twice --processes, from 4 processes on; equal to --processes turns it off)",
    )
    parser.add_argument(
        "--timeout", type=_seconds, default=60.0, help="seconds per run (default 60)"
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
        type=_integer(0, MAX_RETRIES),
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
        type=_integer(0, 2**63 - 1),
        default=None,
        metavar="N",
        help="seed of the shuffled, interleaved order of worker processes (default: drawn, "
        "and recorded in the environment file)",
    )


def _integer(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type whose error says what is allowed, like every other check."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be an integer from {minimum} to {maximum}, got {text!r}"
            )
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
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


def _outputs(args: argparse.Namespace, kept: Mapping[Path, str]) -> Outputs:
    """The report files asked for, checked against ``kept`` before anything runs."""
    paths = {exporter.name: getattr(args, f"export_{exporter.name}") for exporter in exporters()}
    outputs = Outputs(paths, kept=kept)
    outputs.check()
    return outputs


def _checked_out(args: argparse.Namespace, command: str) -> tuple[Path, Outputs]:
    """The ``--out`` store and the report files, every path checked before anything runs."""
    if args.resume and args.out is None:
        raise ParameterError("--resume needs --out FILE, the result store of the sweep to continue")
    out = _out(args, command)
    check_store_target(out)
    return out, _outputs(args, kept_files([out], "the --out store"))


def _percentage(text: str) -> float:
    """``10%`` or ``10`` -> 0.10."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < math.inf:  # an infinite threshold would turn the gate off
        raise argparse.ArgumentTypeError(f"expected a percentage >= 0 such as 10%, got {text!r}")
    return value / 100


def _noise(text: str) -> float:
    """``--noise``: a percentage from 0% to 100%, as a fraction."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(
            f"expected a percentage from 0% to 100% such as 10%, got {text!r}"
        )
    return value / 100


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
            f"{p.name}={p.default}: {p.allowed()}; {p.help}"
            + (
                f" (run sweeps {scenario.sweeps[p.name]} unless given)"
                if p.name in scenario.sweeps
                else ""
            )
            for p in scenario.params
        )
        scenarios.add_row(escape(name), escape(params), escape(scenario.summary))
    console.print(scenarios)
    _list_libraries(registry, console)

    for plugin in registry.broken:
        console.print(
            f"[red]broken plugin[/] {escape(plugin.group)}:{escape(plugin.name)} "
            f"({escape(plugin.value)}): {escape(plugin.reason)}"
        )
    for name, warning in sorted(registry.warnings.items()):
        console.print(f"[yellow]warning[/]: backend {escape(name)}: {escape(warning)}")
    return 0


def _list_libraries(registry: Registry, console: Console) -> None:
    """The client libraries and drivers scenarios use, and the servers they talk to: which
    are available here, and why the others are not (with the fix)."""
    libraries = Table(title="clients and drivers", title_justify="left")
    for column in ("library", "used by", "available"):
        libraries.add_column(column, overflow="fold")
    for _, scenario in sorted(registry.scenarios.items()):
        for library in scenario.libraries:
            reason = library.missing_reason()
            libraries.add_row(
                escape(library.module),
                escape(library.use or scenario.name),
                "[green]yes[/]" if reason is None else f"[red]no[/]: {escape(reason)}",
            )
    if libraries.row_count:
        console.print(libraries)
    services = Table(title="servers (started by concbench for a job)", title_justify="left")
    for column in ("service", "available", "description"):
        services.add_column(column, overflow="fold")
    for name, service in SERVICES.items():
        reason = service.unavailable()
        services.add_row(
            escape(name),
            "[green]yes[/]" if reason is None else f"[red]no[/]: {escape(reason)}",
            escape(service.summary),
        )
    console.print(services)


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    registry = default_registry()
    settings = _settings(args)
    out, outputs = _checked_out(args, "run")
    params = parse_assignments(args.param, flag="-p/--param")
    swept = registry.scenario(args.scenario).sweeps  # what the scenario sweeps unless given
    params = {name: values for name, values in swept.items() if name not in params} | params
    backends = _backends(registry, args)
    jobs = plan_sweep(registry, args.scenario, expand(params, flag="-p/--param"), backends)
    return _execute(jobs, settings, args, out, console, outputs=outputs)


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    registry = default_registry()
    settings = _settings(args)
    out, outputs = _checked_out(args, "compare")
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
    from .framework.measure.doctor import diagnose, summary_line

    console.print(escape(summary_line(diagnose())))
    return _execute(jobs, settings, args, out, console, outputs=outputs)


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    from .framework.measure.doctor import Level, diagnose

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


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    outputs = _outputs(args, kept_files(args.files, "the result store"))
    records = read_stores(args.files)
    if not records:
        raise StoreError(_nothing_to_report(args.files))
    render_records(records, console)
    _print_sweep_notes(args.files, console)
    _report_files(records, args.files, outputs, args.timeline, console)
    _print_glance(records, console)
    return 0


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from .framework.measure.environment import env_path, read_environments
    from .framework.reports.diff import HEADERS, NUMERIC, diff_cells, diff_records, power_warnings
    from .framework.reports.markdown import table
    from .framework.reports.terminal_timeline import diff_table

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
        f"interval of the change lies beyond the noise threshold of {noise:.0%}"
    )
    for warning in power_warnings(rows, args.alpha, noise):
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    if args.markdown is not None:
        write_output(args.markdown, table(HEADERS, map(diff_cells, rows), NUMERIC) + "\n", kept)
        console.print(f"Markdown: [bold]{escape(str(args.markdown))}[/]")
    if args.fail_above is None:
        return 0
    failing = [row for row in rows if row.fails(args.fail_above)]
    if failing:
        console.print(
            f"[red]{len(failing)} row(s) regressed beyond {args.fail_above:.0%}[/]: "
            + escape(", ".join(f"{row.label} on {row.workload}" for row in failing))
        )
        return 1
    console.print(f"no regression beyond {args.fail_above:.0%} was called")
    return 0


def _settings(args: argparse.Namespace) -> RunSettings:
    retries = args.retries_disturbed
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
        max_processes=_max_processes(args.processes, args.max_processes),
    )


def _max_processes(processes: int, given: int | None) -> int | None:
    """``--max-processes``, or by default twice ``--processes`` when that is enough for the
    test to call a change at all: fewer were asked for on purpose (a quick look)."""
    if given is not None:
        return given
    return min(2 * processes, MAX_PROCESSES) if processes >= min_processes() else None


def _calibration(args: argparse.Namespace, out: Path, resuming: bool) -> Calibration | None:
    """``--calibration``'s store, checked before anything runs; when resuming, the rate the
    sweep began with (its runs must do the same work); else None: the runner measures."""
    if args.calibration is not None:
        return from_store(args.calibration)
    if resuming and out.exists():
        rate = stored_rate(out)
        if rate is not None:
            return Calibration(rate, f"resumed {out}")
    return None


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
        if name in registry.warnings:  # it runs, but its rows may be explained wrongly
            Console(stderr=True, soft_wrap=True).print(
                f"warning: backend {escape(name)}: {escape(registry.warnings[name])}"
            )
        declared = {option.name for option in registry.backend(name).options}
        claimed |= declared & options.keys()
        selected.append((name, {k: v for k, v in options.items() if k in declared}))
    for option in options.keys() - claimed:
        allowed = "; ".join(
            f"{name}: {', '.join(o.name for o in registry.backend(name).options) or 'none'}"
            for name, _ in selected
        )
        known = [o.name for name, _ in selected for o in registry.backend(name).options]
        raise ParameterError(
            f"-o/--option: no selected backend has option {shown(option)}"
            f"{did_you_mean(option, known)} (options: {allowed})"
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


def _nothing_to_report(paths: Sequence[Path]) -> str:
    if len(paths) == 1:
        return f"nothing to report: {paths[0]} holds no records (an empty result store)"
    return f"nothing to report: none of the {len(paths)} result stores holds a record"


def _out(args: argparse.Namespace, command: str) -> Path:
    if args.out is not None:
        return Path(args.out)
    return Path("results") / f"{command}-{datetime.now():%Y%m%d-%H%M%S}.jsonl"


def _stored(args: argparse.Namespace) -> Stored | None:
    """With ``--resume``, what the store in ``--out`` already holds; read before anything runs."""
    if args.retry_faults and not args.resume:
        raise ParameterError("--retry-faults only applies with --resume")
    if not args.resume:
        return None
    if args.out is None:
        raise ParameterError("--resume needs --out FILE, the result store of the sweep to continue")
    if not Path(args.out).exists():
        return Stored()  # interrupted before its first record: nothing is done yet
    return Stored.of(read_records(args.out), retry_faults=args.retry_faults, measure=args.measure)


def _execute(
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
    stored = _stored(args)
    calibration = _calibration(args, out, stored is not None)
    store = ResultStore(out)
    environment = collect(default_registry().backends.values())
    runner = Runner(store, settings, environment=environment, calibration=calibration)
    total = sum(len(runs) for job in jobs for _, runs in runner.todo(job, stored))
    earlier = stored.records_of({job.key for job in jobs}) if stored else []
    if stored is not None:
        left = _left_to_do(jobs, stored, len(earlier), total)
        console.print(f"resuming {escape(str(out))}: {left}")
    try:
        with _progress(console, total, settings) as observer:
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
    _print_sweep_notes([out], console)
    _report_files(records, [out], outputs, args.timeline, console)
    _print_glance(records, console)
    return 0


def _print_sweep_notes(stores: Sequence[Path], console: Console) -> None:
    """The drift each store's sweeps measured with their canary (one line per sweep)."""
    for store in stores:
        for note in sweep_notes(read_sweeps(store)):
            console.print(escape(note))


def _report_files(
    records: list[RunRecord], stores: list[Path], outputs: Outputs, timeline: bool, console: Console
) -> None:
    """The terminal timelines and the report files the user asked for."""
    if not (outputs or timeline):
        return
    traces = load_traces(stores)
    if timeline:
        from .framework.reports.terminal_timeline import print_timelines

        print_timelines(records, traces, console)
    notes = [note for store in stores for note in sweep_notes(read_sweeps(store))]
    for what, path in outputs.write(records, traces, [str(store) for store in stores], notes):
        console.print(f"{what}: [bold]{escape(str(path))}[/]")


def _print_glance(records: list[RunRecord], console: Console) -> None:
    """The compact summary, last: the answer most people came for, where the eye lands."""
    from .framework.analysis.glance import glance
    from .framework.analysis.summary import group_records
    from .framework.reports.glance import print_glance

    console.print()
    print_glance(glance(group_records(records)), console)


def _left_to_do(jobs: list[Job], stored: Stored, earlier: int, todo: int) -> str:
    faulted = sum(job.key in stored.faulted for job in jobs)
    line = f"{earlier} records of this sweep are stored, "
    line += f"{todo} runs to do" if todo else "nothing left to do"
    if faulted:
        line += f"; {faulted} jobs ended in a fault and are not run again (--retry-faults does)"
    return line


class _ProgressObserver:
    """Draws one bar over every planned run; faults and skips advance past the lost runs."""

    def __init__(self, progress: Progress, total: int, runs_per_job: int) -> None:
        self.progress = progress
        self.bar = progress.add_task("starting", total=total)
        self.total = total
        self.runs_per_job = runs_per_job
        self.left_in_job = 0

    def job_started(self, job: Job, runs: int) -> None:
        self.progress.advance(self.bar, self.left_in_job)  # runs a fault made impossible
        self.left_in_job = 1 if job.skip_reason else runs
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        self.progress.update(
            self.bar, description=escape(f"{job.scenario}({params}) on {job.backend}")
        )

    def recorded(self, record: RunRecord) -> None:
        self.progress.advance(self.bar, 1)
        self.left_in_job -= 1

    def more_planned(self, runs: int) -> None:
        self.total += runs
        self.progress.update(self.bar, total=self.total)

    def close(self) -> None:
        self.progress.advance(self.bar, self.left_in_job)


@contextmanager
def _progress(console: Console, total: int, settings: RunSettings) -> Iterator[Any]:
    runs = settings.repeat * settings.processes
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
