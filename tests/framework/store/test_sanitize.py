"""Names and error texts from plugins and stores print as written, never as commands."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.sanitize import for_terminal, visible

HOSTILE = "\x1b[2J\x1b]0;owned\x07 [bold red]loud[/] \u202eevil\r"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
        ("\u202eevil", "\\u202eevil"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("plain ünïcode ✓", "plain ünïcode ✓"),
    ],
)
def test_control_characters_become_visible_escapes(text: str, shown: str) -> None:
    assert visible(text) == shown


def render(markup: str) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    console.print(markup)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_terminal_text_prints_exactly_as_written() -> None:
    out = render(for_terminal(HOSTILE))
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "[bold red]loud[/]" in out
    assert "\\x1b[2J\\x1b]0;owned\\x07" in out


def test_a_report_of_a_hostile_store_shows_its_text_harmlessly() -> None:
    record = RunRecord(
        scenario="seed" + HOSTILE,
        params={"label": HOSTILE},
        backend="evil[/]",
        options={"mode": "[link=file:///etc/passwd]x[/link]"},
        status=Status.FAILED,
        tasks=1,
        serial_s=1.0,
        ideal_s=1.0,
        python="3.11.7",
        error="Traceback ...\nRuntimeError: " + HOSTILE,
    )
    console = Console(file=io.StringIO(), width=400, color_system=None)
    render_records([record], console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in out
    assert "evil[/](mode=[link=file:///etc/passwd]x[/link])" in out
    assert "failed: RuntimeError: \\x1b[2J" in out
