"""The program's parser: its description, ``--version``, the pointer to the docs, and the
commands in the order ``--help`` lists them. Each command module adds its own options, so
an option's help text sits beside the code that reads it.
"""

from __future__ import annotations

import argparse

from .. import __version__
from . import compare, diff, doctor, listing, report, run

__all__ = ["build_parser"]

_EPILOG = """\
`concbench COMMAND --help` lists a command's options; `concbench list` shows the
backends and scenarios installed here.

Documentation, in the source tree: README.md (what concbench measures, how to read a
table), then docs/commands.md (every command and option), docs/scenarios.md,
docs/backends.md, docs/reports.md, docs/statistics.md, docs/reproducibility.md,
docs/reliability.md, docs/plugins.md, docs/performance.md and docs/architecture.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concbench",
        description="Measure what concurrency really costs: ideal vs serial vs measured.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the epilog's lines
    )
    parser.add_argument("--version", action="version", version=f"concbench {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for command in (listing, run, compare, report, diff, doctor):
        command.add_parser(commands)
    return parser
