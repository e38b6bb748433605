"""The package's import rules hold, and the checker catches a planted upward import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import concbench
from support.layering import WING_RANK, violations

PACKAGE = Path(concbench.__file__).parent


def test_the_package_keeps_its_layers() -> None:
    assert [str(v) for v in violations(PACKAGE)] == []


def test_every_framework_module_lives_in_a_wing() -> None:
    loose = [
        path.name for path in (PACKAGE / "framework").glob("*.py") if path.name != "__init__.py"
    ]
    assert loose == []
    assert {
        p.name for p in (PACKAGE / "framework").iterdir() if p.is_dir() and p.name != "__pycache__"
    } == set(WING_RANK)


def test_every_wing_says_what_it_is() -> None:
    for wing in WING_RANK:
        doc = (PACKAGE / "framework" / wing / "__init__.py").read_text(encoding="utf-8")
        assert doc.startswith('"""'), wing
        assert len(doc.split('"""')[1]) > 80, wing


@pytest.mark.parametrize(
    ("where", "line", "rule"),
    [
        ("framework/model/params.py", "from ..store.records import RunRecord", "higher wing store"),
        ("framework/store/records.py", "from ..measure import runner", "higher wing measure"),
        (
            "framework/analysis/stats.py",
            "from concbench.framework.reports import html",
            "higher wing reports",
        ),
        ("framework/measure/runner.py", "from ..reports import outputs", "sibling wings"),
        ("framework/reports/html.py", "from ..measure.runner import Runner", "sibling wings"),
        (
            "framework/model/backend.py",
            "from concbench.backends import asyncio_backend",
            "knows no backend",
        ),
        ("framework/__init__.py", "from concbench.scenarios import seed", "knows no backend"),
        ("framework/analysis/summary.py", "import concbench.cli", "knows no backend"),
        (
            "backends/trio_backend.py",
            "from concbench.scenarios.seed import seed",
            "never imports a scenario",
        ),
    ],
)
def test_a_planted_import_is_caught(tmp_path: Path, where: str, line: str, rule: str) -> None:
    copy = tmp_path / "concbench"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / where
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    found = violations(copy)
    assert len(found) == 1, found
    assert rule in found[0].rule
    assert found[0].module == "concbench." + where.removesuffix(".py").replace("/", ".")
