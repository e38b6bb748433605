"""The shipped pytest plugin, used the way a user would: a test file run by pytest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from concbench.framework.measure.registry import default_registry

USER_TEST = """
from concbench.framework import Task, Workload, sleep


def test_sleeps_overlap(concbench_backend):
    workload = Workload(tasks=(Task((sleep(0.2),)),) * 2)
    trace = concbench_backend.run(workload)
    assert trace.wall_s < 0.75 * workload.serial_s
"""


@pytest.mark.timing
def test_the_fixture_runs_a_check_once_per_backend_variant(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    registry = default_registry()
    expected = sum(len(cls.compare or ({},)) for cls in registry.backends.values())
    outcomes = re.findall(
        r"^test_user\.py::test_sleeps_overlap\[(.+?)\] (PASSED|SKIPPED)", done.stdout, re.M
    )
    assert len(outcomes) == expected, done.stdout
    assert ("anyio", "PASSED") in outcomes
    assert ("gevent", "PASSED") in outcomes  # in a fresh process
    for name, cls in registry.backends.items():
        if cls.unavailable_reason():
            assert (name, "SKIPPED") in outcomes


def run_user_test(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *options, "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_backends_are_chosen_by_name(tmp_path: Path) -> None:
    done = run_user_test(tmp_path, "--concbench-backend", "threads", "--concbench-backend", "trio")
    ran = re.findall(r"^test_user\.py::test_sleeps_overlap\[(.+?)\] ", done.stdout, re.M)
    assert sorted(ran) == ["threads", "trio"], done.stdout  # run or skipped: only these


def test_an_unknown_backend_name_is_a_usage_error_naming_the_known_ones(tmp_path: Path) -> None:
    done = run_user_test(tmp_path, "--concbench-backend", "asyncoi")
    assert done.returncode == 4  # pytest's usage error
    assert "--concbench-backend: unknown backend 'asyncoi'; known: " in done.stderr
    assert "asyncio" in done.stderr
    assert "Traceback" not in done.stderr
