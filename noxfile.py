"""Sessions: `compare` is the main job; `tests`, `lint` and `typecheck` keep the code honest."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.download_python = "never"  # interpreters come from the machine, never a download

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
"""Interpreters `compare-pythons` runs on, where found; the missing ones are skipped."""
ROOT = Path(__file__).parent
PYTHONS_RESULTS = ROOT / "results" / f"pythons-{datetime.now():%Y%m%d-%H%M%S}"


def _expose_pyenv_pythons(versions: list[str]) -> None:
    """nox looks for ``pythonX.Y`` on PATH, where pyenv's shims answer only for the selected
    version; link every interpreter pyenv has installed into one directory first on PATH."""
    installed = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    links = ROOT / ".nox" / "pythons"
    for version in versions:
        found = sorted(
            installed.glob(f"{version}.*/bin/python{version}"),
            key=lambda path: [int(part) for part in path.parents[1].name.split(".")[:3]],
        )
        if found:
            links.mkdir(parents=True, exist_ok=True)
            link = links / f"python{version}"
            link.unlink(missing_ok=True)
            link.symlink_to(found[-1])
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ.get('PATH', '')}"


_expose_pyenv_pythons(PYTHONS)


@nox.session
def compare(session: nox.Session) -> None:
    """Run the default matrix on every backend; extra arguments go to `concbench compare`."""
    session.install(".[all]")
    session.run("concbench", "compare", *session.posargs)


@nox.session(name="compare-pythons", python=PYTHONS)
def compare_pythons(session: nox.Session) -> None:
    """The matrix on each CPython found (pyenv's too), one environment each, merged into one
    report with the interpreter as a column; extra arguments go to `concbench compare`."""
    session.install(".[all]")
    out = PYTHONS_RESULTS / f"compare-{session.python}.jsonl"
    session.run("concbench", "compare", "--out", str(out), *session.posargs)
    session.notify("compare-pythons-report")


@nox.session(name="compare-pythons-report")
def compare_pythons_report(session: nox.Session) -> None:
    """The merged report of the `compare-pythons` sessions of this nox invocation."""
    files = sorted(PYTHONS_RESULTS.glob("compare-*.jsonl"))
    if not files:
        session.skip("nothing to merge: run `nox -s compare-pythons`")
    session.install(".")
    session.run("concbench", "report", *map(str, files))


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite against every backend whose library installs here."""
    session.install(".[all,test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install(".[all,typecheck]", "nox")
    session.run("mypy")
