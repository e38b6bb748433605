"""tools/pythons.py, which `nox -s compare-pythons` uses to find interpreters, against the
real interpreters on this machine: a name is never trusted, each candidate is run."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import pytest

from support.pythons import tool

pythons = tool()


def test_an_interpreter_says_what_it_is_when_run() -> None:
    found = pythons.describe(Path(sys.executable))
    assert found is not None
    assert found.version == tuple(sys.version_info[:3])
    assert found.free_threaded == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert found.gil_enabled == getattr(sys, "_is_gil_enabled", lambda: True)()


def test_python_3_13_reports_its_gil_through_sys_is_gil_enabled() -> None:
    found = pythons.find("3.13")
    if found is None:
        pytest.skip("no Python 3.13 with a GIL on PATH or under pyenv")
    assert found.version[:2] == (3, 13)
    assert not found.free_threaded
    assert found.gil_enabled  # the function exists from 3.13 on, and says so


def test_free_threaded_builds_are_found_where_installed() -> None:
    found = [build for spec in ("3.13t", "3.14t") if (build := pythons.find(spec)) is not None]
    if not found:
        pytest.skip("no free-threaded build (python3.13t, python3.14t) on PATH or under pyenv")
    for build in found:
        assert build.free_threaded
        assert build.spec.endswith("t")


def link(target: Path, at: Path) -> Path:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)
    return at


def test_a_name_is_not_trusted_a_t_build_must_be_free_threaded(tmp_path: Path) -> None:
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        pytest.skip("this interpreter is free-threaded itself")
    real = Path(sys.executable).resolve()
    major, minor = sys.version_info[:2]
    bin_dir = tmp_path / "bin"
    link(real, bin_dir / f"python{major}.{minor}t")  # a GIL build under a free-threaded name
    pyenv = tmp_path / "pyenv"
    link(real, pyenv / "versions" / f"{major}.{minor}.99t" / "bin" / f"python{major}.{minor}t")
    assert pythons.find(f"{major}.{minor}t", path=str(bin_dir), pyenv_root=pyenv) is None

    installed = link(
        real, pyenv / "versions" / f"{major}.{minor}.7" / "bin" / f"python{major}.{minor}"
    )
    link(real, pyenv / "versions" / f"{major}.{minor}0.1" / "bin" / f"python{major}.{minor}")
    found = pythons.find(f"{major}.{minor}", path=os.devnull, pyenv_root=pyenv)
    assert found is not None
    assert found.path == installed  # not the 3.110 directory
    assert not found.free_threaded


def test_a_shim_that_does_not_run_is_passed_over(tmp_path: Path) -> None:
    shim = tmp_path / "bin" / "python3.12"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    assert pythons.describe(shim) is None
    assert pythons.find("3.12", path=str(shim.parent), pyenv_root=tmp_path / "none") is None


@pytest.mark.parametrize("spec", ["3", "3.13tt", "python3.13", "3.x"])
def test_a_malformed_spec_is_refused_saying_what_is_allowed(spec: str) -> None:
    with pytest.raises(ValueError, match=r"expected X\.Y or X\.Yt"):
        pythons.parse_spec(spec)
