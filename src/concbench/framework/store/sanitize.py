"""Text from plugins and result files, made safe to show.

Names, parameter values and error texts come from code and files that others wrote. In a
terminal, a control character can clear the screen, move the cursor or set the window
title, a bidirectional override can make text read differently from what it is, and
rich reads ``[bold]`` as markup. Every such text passes through here before it is shown;
reports in other formats escape :func:`visible` text with their own rules (``html.escape``,
Markdown's backslashes).
"""

from __future__ import annotations

import re

from rich.markup import escape

__all__ = ["for_terminal", "visible"]

_HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls except tab and newline; DEL
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional marks, embeddings, isolates
)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (ESC becomes ``\\x1b``).

    Newlines and tabs are kept: they are layout, not commands.
    """
    return _HIDDEN.sub(_escape_one, text)


def for_terminal(text: object) -> str:
    """``text`` as rich markup that prints exactly as written: visible controls, no markup."""
    return escape(visible(str(text)))
