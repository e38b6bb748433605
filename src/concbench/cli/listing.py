"""``concbench list``: what is installed here and whether it can run, with the fix for
what cannot, so a user learns why a backend's rows are skipped before running a sweep.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from ..framework.measure.registry import Registry
from ..framework.measure.services import SERVICES
from ..framework.store.sanitize import for_terminal as escape
from .registry import registry

__all__ = ["add_parser", "cmd_list"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = commands.add_parser("list", help="backends (with availability) and scenarios")
    listing.set_defaults(command=cmd_list)


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    plugins = registry()
    backends = Table(title="backends", title_justify="left")
    for column in ("name", "available", "options", "description"):
        backends.add_column(column, overflow="fold")
    for name, backend in sorted(plugins.backends.items()):
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
    for name, scenario in sorted(plugins.scenarios.items()):
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
    _list_libraries(plugins, console)

    for plugin in plugins.broken:
        console.print(
            f"[red]broken plugin[/] {escape(plugin.group)}:{escape(plugin.name)} "
            f"({escape(plugin.value)}): {escape(plugin.reason)}"
        )
    for name, warning in sorted(plugins.warnings.items()):
        console.print(f"[yellow]warning[/]: backend {escape(name)}: {escape(warning)}")
    return 0


def _list_libraries(plugins: Registry, console: Console) -> None:
    """The client libraries and drivers scenarios use, and the servers they talk to: which
    are available here, and why the others are not (with the fix)."""
    libraries = Table(title="clients and drivers", title_justify="left")
    for column in ("library", "used by", "available"):
        libraries.add_column(column, overflow="fold")
    for _, scenario in sorted(plugins.scenarios.items()):
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
