"""Other interpreters on this machine, found as ``nox -s compare-pythons`` finds them
(tools/pythons.py, loaded by path: tools/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["interpreter_at_least", "tool"]

TOOL = Path(__file__).resolve().parents[2] / "tools" / "pythons.py"


def tool() -> ModuleType:
    """tools/pythons.py as a module."""
    found = sys.modules.get("concbench_tools_pythons")
    if found is not None:
        return found
    spec = importlib.util.spec_from_file_location("concbench_tools_pythons", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def interpreter_at_least(version: tuple[int, int]) -> str | None:
    """A CPython with a GIL of ``version`` or newer, up to 3.14, or None."""
    for minor in range(version[1], 15):
        found = tool().find(f"{version[0]}.{minor}")
        if found is not None:
            return str(found.path)
    return None
