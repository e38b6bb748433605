"""Children that receive a Ctrl-C as they would in a terminal."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["sigint_as_in_a_terminal"]


@contextmanager
def sigint_as_in_a_terminal() -> Iterator[None]:
    """Start children with SIGINT at its default while inside.

    A shell starts a background job (``cmd &``, a CI step run that way) with SIGINT
    ignored, and an ignored signal stays ignored across exec, so a child Python would
    never see the Ctrl-C a test sends it. A handler set from Python is reset to the
    default on exec instead: children started inside get Python's usual
    KeyboardInterrupt, as under a terminal.
    """
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if before is not None:
            signal.signal(signal.SIGINT, before)
