"""The built-in backends hold primitives only: the step dispatch is the skeleton's, once."""

from __future__ import annotations

import re
from pathlib import Path

import concbench.backends

BACKENDS = Path(concbench.backends.__file__).parent
DISPATCH = re.compile(r"\bkind\s+is\b|\bkind\s*==|StepKind\.\w+\s*:")
"""A comparison with a step's kind, or a table keyed by kinds: a dispatch of its own."""


def offences(text: str) -> list[str]:
    found = [line.strip() for line in text.splitlines() if DISPATCH.search(line)]
    return found + [line.strip() for line in text.splitlines() if line.startswith("class Shared")]


def test_no_backend_module_dispatches_steps_or_keeps_a_shared_holder() -> None:
    found = {
        path.name: offences(path.read_text(encoding="utf-8"))
        for path in sorted(BACKENDS.glob("*.py"))
    }
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_catches_a_dispatch_and_a_holder() -> None:
    planted = "class Shared:\n    pass\n\nif step.kind is StepKind.SLEEP:\n    pass\n"
    assert offences(planted) == ["if step.kind is StepKind.SLEEP:", "class Shared:"]
