"""Find CPython interpreters by spec (``3.12``, or ``3.13t`` for a free-threaded build), on
PATH or installed by pyenv, and say what each one is by running it.

Standard library only: the noxfile loads it before any environment exists, and the tests
load it to find an interpreter other than their own. A name is not trusted: pyenv's shims
answer for versions that are not selected, and a ``python3.13`` may be a free-threaded
build, so each candidate runs and reports its version and whether it has a GIL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Interpreter", "candidates", "describe", "find", "parse_spec"]

_SPEC = re.compile(r"^(\d+)\.(\d+)(t?)$")
_PROBE = (
    "import json, sys, sysconfig; print(json.dumps({"
    "'version': list(sys.version_info[:3]), "
    "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')), "
    "'gil_enabled': getattr(sys, '_is_gil_enabled', lambda: True)()}))"
)


@dataclass(frozen=True)
class Interpreter:
    """What an interpreter said about itself."""

    path: Path
    version: tuple[int, int, int]
    free_threaded: bool
    """Built without the GIL (``Py_GIL_DISABLED``)."""
    gil_enabled: bool
    """Whether it runs with the GIL now: a free-threaded build re-enables it with
    ``PYTHON_GIL=1`` or for an extension module that does not declare support."""

    @property
    def spec(self) -> str:
        return f"{self.version[0]}.{self.version[1]}{'t' if self.free_threaded else ''}"


def parse_spec(spec: str) -> tuple[tuple[int, int], bool]:
    """``"3.13t"`` -> ``((3, 13), True)``; refuses anything else with what is allowed."""
    match = _SPEC.match(spec)
    if not match:
        raise ValueError(f"interpreter spec {spec!r}: expected X.Y or X.Yt (free-threaded)")
    return (int(match[1]), int(match[2])), bool(match[3])


def candidates(spec: str, path: str | None = None, pyenv_root: Path | None = None) -> list[Path]:
    """Executables that may be ``spec``, best first: pyenv's installs (newest patch first),
    then ``pythonX.Y[t]`` on ``path`` (default: PATH)."""
    (major, minor), _ = parse_spec(spec)
    name = f"python{spec}"
    root = pyenv_root or Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = [
        version / "bin" / name
        for version in sorted((root / "versions").glob(f"{major}.{minor}*"), key=_newest_first)
        if (version / "bin" / name).is_file() and _same_minor(version.name, major, minor)
    ]
    on_path = shutil.which(name, path=path)
    if on_path:
        found.append(Path(on_path))
    return found


def _same_minor(directory: str, major: int, minor: int) -> bool:
    """pyenv names versions 3.13.1, 3.13.1t, 3.13t-dev: not 3.130."""
    return re.match(rf"^{major}\.{minor}(\D|$)", directory) is not None


def _newest_first(directory: Path) -> list[int]:
    return [-int(number) for number in re.findall(r"\d+", directory.name)[:3]]


@cache
def describe(executable: Path) -> Interpreter | None:
    """Run ``executable`` and read what it is; None when it does not run (a pyenv shim for a
    version not selected exits 127) or says something unexpected."""
    try:
        done = subprocess.run(
            [str(executable), "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        data = json.loads(done.stdout)
        major, minor, micro = (int(part) for part in data["version"])
        return Interpreter(
            executable,
            (major, minor, micro),
            bool(data["free_threaded"]),
            bool(data["gil_enabled"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def find(spec: str, path: str | None = None, pyenv_root: Path | None = None) -> Interpreter | None:
    """The first candidate that is what ``spec`` says: that version, and free-threaded
    exactly when the spec ends in ``t`` (so a 3.13 row and a 3.13t row never mix)."""
    for candidate in candidates(spec, path, pyenv_root):
        found = describe(candidate)
        if found is not None and found.spec == spec:
            return found
    return None
