"""Sessions: `compare` is the main job; `tests`, `lint` and `typecheck` keep the code honest."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.download_python = "never"  # interpreters come from the machine, never a download

PYTHONS = ["3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"]
"""Interpreters `compare-pythons` runs on, where found (the ``t`` ones free-threaded
builds); the missing ones are skipped."""
ROOT = Path(__file__).parent
PYTHONS_RESULTS = ROOT / "results" / f"pythons-{datetime.now():%Y%m%d-%H%M%S}"


def _load_tool(name: str) -> ModuleType:
    """A module of tools/ (standard library only): nox runs before any environment exists."""
    spec = importlib.util.spec_from_file_location(
        f"concbench_tools_{name}", ROOT / "tools" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _expose_pythons(specs: list[str]) -> None:
    """nox looks for ``pythonX.Y[t]`` on PATH, where pyenv's shims answer only for the
    selected version: link each interpreter found (pyenv's included, each checked by running
    it: a ``python3.13t`` must be free-threaded) into one directory first on PATH."""
    pythons = _load_tool("pythons")
    links = ROOT / ".nox" / "pythons"
    for spec in specs:
        found = pythons.find(spec)
        if found is not None:
            links.mkdir(parents=True, exist_ok=True)
            link = links / f"python{spec}"
            link.unlink(missing_ok=True)
            link.symlink_to(found.path)
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ.get('PATH', '')}"


if "compare-pythons" in " ".join(sys.argv):  # running each candidate costs a fraction of a second
    _expose_pythons(PYTHONS)


@nox.session
def compare(session: nox.Session) -> None:
    """Run the default matrix on every backend, then write the HTML report and Markdown
    tables next to the result store; extra arguments go to `concbench compare`."""
    session.install(".[all]")
    store = Path("results") / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    reports = [
        "--html",
        str(store.with_suffix(".html")),
        "--markdown",
        str(store.with_suffix(".md")),
    ]
    session.run("concbench", "compare", "--out", str(store), *reports, *session.posargs)


@nox.session(name="report-check")
def report_check(session: nox.Session) -> None:
    """Render a report in headless Chromium: it loads offline without errors, every plot has
    a size, and a screenshot is saved beside it. Give a report to check as the argument
    (default: one made here from short real runs). Installs Debian's chromium if missing."""
    chromium = shutil.which("chromium")
    if chromium is None:
        session.run("apt-get", "update", "-q", external=True)
        session.run(
            "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", external=True
        )
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
    session.install(".[all]")
    expect: list[str] = []
    if session.posargs:
        report = Path(session.posargs[0])
    else:  # its own report has every plot, the saturation plot included
        report = _small_report(session, Path(session.create_tmp()))
        expect = ["--expect", "scaling,efficiency,saturation,timelines"]
    screenshot = report.with_suffix(".png")
    session.run(
        "python", "tools/report_check.py", str(report), "--screenshot", str(screenshot),
        "--chromium", chromium, *expect,
    )  # fmt: skip


def _small_report(session: nox.Session, tmp: Path) -> Path:
    """A report from short real runs: the seed pair, a fanout sweep for the scaling plot and
    an arrivals sweep for the saturation plot."""
    store = tmp / "report-check.jsonl"
    store.unlink(missing_ok=True)
    settings = ["--repeat", "3", "--warmup", "0", "--out", str(store)]
    session.run("concbench", "run", "seed", "-p", "scale=0.2", *settings)
    session.run("concbench", "run", "seed-blocking", "-p", "scale=0.2", *settings)
    session.run("concbench", "run", "fanout", "-p", "tasks=10,100,1000", "-p", "seconds=0.05",
                *settings)  # fmt: skip
    session.run("concbench", "run", "arrivals", "-p", "rate=200,2000", "-p", "duration=0.3",
                "-b", "asyncio", "-b", "threads", *settings)  # fmt: skip
    report = store.with_suffix(".html")
    session.run("concbench", "report", str(store), "--html", str(report))
    return report


@nox.session(name="compare-pythons", python=PYTHONS)
def compare_pythons(session: nox.Session) -> None:
    """The matrix on each CPython found (pyenv's too, free-threaded builds included), one
    environment each, merged into one report with the interpreter as a column (a
    free-threaded one labelled with the GIL state its workers ran with); extra arguments go
    to `concbench compare`."""
    session.install(".[all]")
    out = PYTHONS_RESULTS / f"compare-{session.python}.jsonl"
    session.run("concbench", "compare", "--out", str(out), *session.posargs)
    session.notify("compare-pythons-report")


@nox.session(name="compare-pythons-report")
def compare_pythons_report(session: nox.Session) -> None:
    """The merged report of the `compare-pythons` sessions of this nox invocation."""
    files = sorted(  # the stores, not the environments and traces kept beside them
        path
        for path in PYTHONS_RESULTS.glob("compare-*.jsonl")
        if not path.name.endswith((".env.jsonl", ".traces.jsonl"))
    )
    if not files:
        session.skip("nothing to merge: run `nox -s compare-pythons`")
    session.install(".")
    session.run("concbench", "report", *map(str, files))


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite against every backend whose library installs here, in two worker
    processes (pytest-xdist): 6 minutes in one, 4 in two on the 2-core machine. Tests that
    need two free cores check for them and skip with the reason."""
    session.install(".[all,test]")
    session.run("pytest", "-n", "auto", "--maxprocesses=2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install(".[all,typecheck]", "nox")
    session.run("mypy")
