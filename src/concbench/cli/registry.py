"""The plugin registry the commands use, looked up on :mod:`concbench.cli` when called.

Tests, and a user's own scripts, replace ``concbench.cli.default_registry`` to run a
command on their plugins alone; looking it up on the package at call time, rather than
importing it into each command module, keeps that one name the only place to replace.
"""

from __future__ import annotations

from .. import cli as package
from ..framework.measure.registry import Registry

__all__ = ["registry"]


def registry() -> Registry:
    return package.default_registry()
