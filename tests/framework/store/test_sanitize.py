"""Names and error texts from plugins and stores print as written, never as commands."""

from __future__ import annotations

import io
import sys
import time
import unicodedata

import pytest
from rich.console import Console

from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.sanitize import MAX_SHOWN, for_terminal, shorten, visible

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


def _hidden_by_category(code: int) -> bool:
    category = unicodedata.category(chr(code))
    if chr(code) in "\t\n":
        return False
    return category in ("Cc", "Cf", "Cs", "Zl", "Zp")


def test_every_control_format_surrogate_and_separator_character_is_shown_escaped() -> None:
    """Zero-width characters spoof names as well as bidi overrides do ("asyncio\\u200b" looks
    like "asyncio"), and a lone surrogate cannot even be encoded to print."""
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if _hidden_by_category(code) and visible(chr(code)) == chr(code)
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\ud800name", "\\ud800name"),
        ("async\u200bio", "async\\u200bio"),
        ("line\u2028sep", "line\\u2028sep"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("arabic mark\u061c", "arabic mark\\u061c"),
    ],
)
def test_invisible_and_unencodable_characters_become_escapes(text: str, shown: str) -> None:
    assert visible(text) == shown
    visible(text).encode("utf-8")  # a lone surrogate would raise UnicodeEncodeError


def test_a_huge_text_is_shortened_keeping_its_head_and_tail() -> None:
    text = "head " + "x" * 50_000_000 + " tail\x1b"
    started = time.perf_counter()
    shown = visible(text)
    assert time.perf_counter() - started < 1.0
    assert len(shown) <= MAX_SHOWN + 60
    assert shown.startswith("head x")
    assert shown.endswith("x tail\\x1b")
    assert "[... 49,999," in shown
    assert "characters cut ...]" in shown
    assert shorten("short", 10) == "short"
