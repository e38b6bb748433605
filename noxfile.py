"""Sessions: `compare` is the main job; `tests`, `lint` and `typecheck` keep the code honest."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def compare(session: nox.Session) -> None:
    """Run the default matrix on every backend; extra arguments go to `concbench compare`."""
    session.install(".[all]")
    session.run("concbench", "compare", *session.posargs)


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
