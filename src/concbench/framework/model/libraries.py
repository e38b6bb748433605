"""Libraries a workload's own code needs (an HTTP client, a database driver).

A backend names its library in ``Backend.requires``; a scenario whose ``call`` steps use a
client library names it here, so that a missing one makes the job ``skipped`` with the
extra to install, instead of an import error inside the worker. Nothing is imported to
find out: ``importlib.util.find_spec`` says whether it could be.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Library", "missing_reason"]


@dataclass(frozen=True, slots=True)
class Library:
    """One importable library, the extra that installs it, and what it is for."""

    module: str
    """The top-level module to import (``httpx``, ``psycopg_pool``)."""
    extra: str
    """``concbench[extra]`` installs it (``http``, ``postgres``)."""
    use: str = ""
    """For ``concbench list``: what uses it (``http client=httpx``)."""

    def missing_reason(self) -> str | None:
        """Why it cannot be imported here, with the fix; ``None`` when it can."""
        try:
            found = importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):  # a parent package that fails, a bad name
            found = False
        if found:
            return None
        return f"{self.module} is not installed: install concbench[{self.extra}]"


def missing_reason(libraries: Iterable[Library]) -> str | None:
    """The first library of ``libraries`` that is missing, as a skip reason."""
    for library in libraries:
        reason = library.missing_reason()
        if reason:
            return reason
    return None
