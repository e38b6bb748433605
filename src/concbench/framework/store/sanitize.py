"""Text from plugins and result files, made safe to show.

Names, parameter values and error texts come from code and files that others wrote. In a
terminal, a control character can clear the screen, move the cursor or set the window
title; a bidirectional override or a zero-width character can make one name look like
another (``asyncio\\u200b`` beside ``asyncio``); a lone surrogate cannot even be encoded
to be printed or written; and rich reads ``[bold]`` as markup. Every such text passes
through here before it is shown, in every format: reports in other formats escape
:func:`visible` text with their own rules (``html.escape``, Markdown's backslashes).

A text is also shortened to :data:`MAX_SHOWN` characters first: a 50 MB error line would
otherwise take minutes to lay out in a table, and nobody reads it there.
"""

from __future__ import annotations

import re

from rich.markup import escape

__all__ = ["MAX_SHOWN", "for_terminal", "shorten", "visible"]

MAX_SHOWN = 1000
"""The longest text a report shows in one place; the rest is cut from the middle."""

_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls except tab and newline; DEL
    # format characters (Unicode category Cf): the soft hyphen, Arabic and Syriac marks,
    # zero-width spaces and joiners, bidirectional marks, embeddings, overrides and
    # isolates, invisible operators, the byte-order mark, interlinear annotations, tags
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e"  # with the line and paragraph separators (Zl, Zp)
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff]"  # lone surrogates (Cs): JSON can carry them, UTF-8 cannot
)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to about ``limit`` characters, keeping its head and its tail (where a
    traceback names the exception) and saying how much was cut."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    head = limit - tail
    return f"{text[:head]} [... {len(text) - head - tail:,} characters cut ...] {text[-tail:]}"


def visible(text: str, limit: int = MAX_SHOWN) -> str:
    """``text``, shortened, with every control, format and surrogate character shown as
    an escape (ESC becomes ``\\x1b``, a right-to-left override ``\\u202e``).

    Newlines and tabs are kept: they are layout, not commands.
    """
    return _HIDDEN.sub(_escape_one, shorten(text, limit))


def for_terminal(text: object, limit: int = MAX_SHOWN) -> str:
    """``text`` as rich markup that prints exactly as written: visible controls, no markup."""
    return escape(visible(str(text), limit))
