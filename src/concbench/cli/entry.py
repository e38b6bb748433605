"""The command's one way out: every command returns its exit status through :func:`main`.

A :class:`~concbench.framework.model.errors.UserError` becomes one red line and exit
status 2, an interrupt exit status 130, and a warning one yellow line: the user reads
what to fix, never a traceback or Python's ``file.py:294: UserWarning:`` prefix.
Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from rich.console import Console

from ..framework.model.errors import UserError
from ..framework.store.sanitize import for_terminal as escape  # rich markup and control characters
from .parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
