"""The ``concbench`` command: a thin chain of parse, plan, run and report over the framework.

Everything a user types is checked while planning, before the first worker starts, so a
typo in the last parameter never costs the runs before it.

A façade over modules with one job each: :mod:`.entry` turns errors into exit statuses,
:mod:`.parser` assembles the commands, each command module (:mod:`.listing`, :mod:`.run`,
:mod:`.compare`, :mod:`.report`, :mod:`.diff`, :mod:`.doctor`) declares its own options
and does its work. ``default_registry`` is bound here because the commands look it up on
this package when they run (:mod:`.registry`): a test or a script that replaces
``concbench.cli.default_registry`` runs every command on its own plugins.
"""

from __future__ import annotations

from ..framework.measure.registry import default_registry as default_registry
from .entry import main as main
from .parser import build_parser

__all__ = ["main"]

_parser = build_parser
"""The parser under the name it had when the command was one module; tests read the
commands from it (tests/test_docs.py)."""
