"""Sessions: `compare` is the main job; `tests`, `lint` and `typecheck` keep the code honest."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


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
    if session.posargs:
        report = Path(session.posargs[0])
    else:
        report = _small_report(session, Path(session.create_tmp()))
    screenshot = report.with_suffix(".png")
    session.run(
        "python", "tools/report_check.py", str(report), "--screenshot", str(screenshot),
        "--chromium", chromium,
    )  # fmt: skip


def _small_report(session: nox.Session, tmp: Path) -> Path:
    """A report from short real runs: the seed pair, and a fanout sweep for the scaling plot."""
    store = tmp / "report-check.jsonl"
    store.unlink(missing_ok=True)
    settings = ["--repeat", "3", "--warmup", "0", "--out", str(store)]
    session.run("concbench", "run", "seed", "-p", "scale=0.2", *settings)
    session.run("concbench", "run", "seed-blocking", "-p", "scale=0.2", *settings)
    session.run("concbench", "run", "fanout", "-p", "tasks=10,100,1000", "-p", "seconds=0.05",
                *settings)  # fmt: skip
    report = store.with_suffix(".html")
    session.run("concbench", "report", str(store), "--html", str(report))
    return report


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
