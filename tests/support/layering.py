"""The import rules of the package, checked on the source text.

``framework/`` is cut into wings that follow the data's way: a run is described
(``model``), kept (``store``), read (``analysis``), and then either carried out
(``measure``) or shown (``reports``). A wing may import only wings below it; ``measure``
and ``reports`` are siblings and import neither each other. The package's ``__init__``
files are façades and may re-export from any wing below them.

Outside the framework: backends and scenarios depend on the framework, never on each
other, and the framework never imports them, the CLI or the test helpers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WING_RANK", "Violation", "violations"]

WING_RANK = {"model": 0, "store": 1, "analysis": 2, "measure": 3, "reports": 3}
"""A wing may import a wing of lower rank; equal ranks are siblings, not layers."""

OUTSIDE_FRAMEWORK = ("backends", "scenarios", "cli", "testing", "pytest_plugin", "__main__")


@dataclass(frozen=True)
class Violation:
    module: str
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported}: {self.rule}"


def violations(package_dir: Path) -> list[Violation]:
    """Every import in ``package_dir`` (the ``concbench`` package) that breaks a rule."""
    found: list[Violation] = []
    for path in sorted(package_dir.rglob("*.py")):
        module = _module_name(package_dir, path)
        for imported in _imports(path, module):
            rule = _broken_rule(module, imported)
            if rule:
                found.append(Violation(module, imported, rule))
    return found


def _module_name(package_dir: Path, path: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts)


def _imports(path: Path, module: str) -> Iterator[str]:
    """Absolute names of the modules ``path`` imports, relative imports resolved."""
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    if is_package:
        package = package[:-1]  # "a.b.__init__" -> package "a.b"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if node.module:
                yield name
            else:  # `from .. import store`: the names are modules
                yield from (f"{name}.{alias.name}" for alias in node.names)


def _part(name: str, index: int) -> str | None:
    parts = name.split(".")
    return parts[index] if len(parts) > index else None


def _broken_rule(module: str, imported: str) -> str | None:
    if not imported.startswith("concbench.") or module.endswith(".__init__"):
        return None if not module.endswith(".__init__") else _facade_rule(module, imported)
    area, target_area = _part(module, 1), _part(imported, 1)
    if area == "framework":
        if target_area in OUTSIDE_FRAMEWORK:
            return "framework/ knows no backend, scenario, CLI or test helper"
        return _wing_rule(module, imported)
    if area == "backends" and target_area == "scenarios":
        return "a backend never imports a scenario"
    if area == "scenarios" and target_area == "backends":
        return "a scenario never imports a backend"
    return None


def _facade_rule(module: str, imported: str) -> str | None:
    """A package's __init__ may re-export from below itself, never from outside it."""
    if _part(module, 1) == "framework" and _part(imported, 1) in OUTSIDE_FRAMEWORK:
        return "framework/ knows no backend, scenario, CLI or test helper"
    return None


def _wing_rule(module: str, imported: str) -> str | None:
    wing, target = _part(module, 2), _part(imported, 2)
    if wing not in WING_RANK or target not in WING_RANK or wing == target:
        return None
    if WING_RANK[target] < WING_RANK[wing]:
        return None
    if WING_RANK[target] == WING_RANK[wing]:
        return f"{wing} and {target} are sibling wings and import neither each other"
    return f"{wing} (rank {WING_RANK[wing]}) may not import the higher wing {target}"
