"""The machine and interpreter a result store was measured on.

Timings mean little without their context: a kernel's timer slack, a CPU governor, the
GIL, a library version can each move a number by more than the effect being studied.
One environment object is written per store (``<store>.env.jsonl``) and every run record
carries its ``env`` id, so merged stores stay attributable.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import sysconfig
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model.backend import Backend
from ..store.resultstore import StoreError, append_line, side_file
from ..store.targets import read_regular

__all__ = ["collect", "env_path", "environment_id", "read_environments", "write_environment"]

_VOLATILE = ("collected_at", "load_average")
"""Fields that change between runs on the same machine; left out of the id."""


def collect(backends: Iterable[type[Backend]] = ()) -> dict[str, Any]:
    env: dict[str, Any] = {
        "collected_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "hostname": platform.node(),
        "system": platform.system(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "timer_slack_ns": _int(_read("/proc/self/timerslack_ns")),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "python_build": " ".join(platform.python_build()),
        "compiler": platform.python_compiler(),
        "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": _gil_enabled(),
        "clocks": {
            "perf_counter": _clock(time.get_clock_info("perf_counter")),
            "monotonic": _clock(time.get_clock_info("monotonic")),
        },
        "perf_counter_ns_step": _clock_step(),
        "libraries": _library_versions(backends),
    }
    return env


def environment_id(env: dict[str, Any]) -> str:
    stable = {key: value for key, value in env.items() if key not in _VOLATILE}
    return hashlib.sha1(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:12]


def env_path(store_path: str | os.PathLike[str]) -> Path:
    return side_file(store_path, "env")


def write_environment(store_path: str | os.PathLike[str], env: dict[str, Any]) -> str:
    """Add ``env`` beside the store unless an identical one is there; return its id."""
    identity = environment_id(env)
    path = env_path(store_path)
    if identity not in read_environments(path):
        append_line(path, json.dumps({"id": identity, **env}))
    return identity


def read_environments(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Environments by id. A damaged line (not JSON, not UTF-8) is dropped: it is context,
    not results. A path that cannot be read (a directory) is a :class:`StoreError`."""
    try:
        lines = read_regular(path).split(b"\n")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    found: dict[str, dict[str, Any]] = {}
    for line in lines:
        try:
            data = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found[data["id"]] = data
    return found


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _cpu_model() -> str:
    info = _read("/proc/cpuinfo") or ""
    for line in info.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor()


def _gil_enabled() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)
    return bool(check()) if check is not None else True


def _clock(info: Any) -> dict[str, Any]:
    return {"implementation": info.implementation, "resolution_s": info.resolution}


def _clock_step() -> int:
    """The smallest non-zero step perf_counter_ns shows here, measured."""
    smallest = 1 << 62
    for _ in range(1000):
        first = time.perf_counter_ns()
        second = time.perf_counter_ns()
        while second == first:
            second = time.perf_counter_ns()
        smallest = min(smallest, second - first)
    return smallest


def _library_versions(backends: Iterable[type[Backend]]) -> dict[str, str]:
    """Versions of concbench and of every installed distribution a backend requires."""
    distributions = importlib.metadata.packages_distributions()
    names = {"concbench", "rich"}
    for backend in backends:
        for module in backend.requires:
            names.update(distributions.get(module, ()))
    versions = {}
    for name in sorted(names):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions
