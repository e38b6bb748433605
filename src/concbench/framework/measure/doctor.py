"""What on this machine makes numbers unstable, each with a one-line verdict and advice.

Every figure concbench reports is a wall time, so anything else that takes a core, moves
the clock speed or delays a timer moves it too. The checks read Linux's own accounting
(``/proc``, ``/sys``) under a root directory, so that a test can hand them a tree of its
own; a file that is missing or unreadable gives the verdict "not readable here" rather
than a guess.
"""

from __future__ import annotations

import enum
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Check",
    "Level",
    "ProcessTimes",
    "busiest",
    "cpu_times",
    "diagnose",
    "parse_cpu_list",
    "read_process_times",
    "summary_line",
]

SAMPLE_S = 0.25
"""How long the checks watch the machine to see who uses the CPU now (and the steal time)."""
BUSY_SHARE = 0.10
"""A process using more than this share of one core while we watch is named."""
LOAD_PER_CORE = 0.5
"""A load average beyond this per available core means other programs wait for, or take,
the cores a run needs."""
STEAL_SHARE = 0.01
"""Steal time beyond this share of the CPU: the hypervisor gave the cores to other VMs."""
DEFAULT_SLACK_NS = 50_000
"""Linux's default timer slack."""
MAX_CPUS = 8192
"""The kernel's largest ``NR_CPUS``: a cpu list naming a higher CPU is damaged, and reading
it as a range would build a set of billions of numbers."""
MAX_LOAD = 4_194_304
"""``PID_MAX_LIMIT``: a load average counts tasks, so none can be higher."""


class Level(str, enum.Enum):
    OK = "ok"
    WARN = "warn"
    UNKNOWN = "not readable here"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    finding: str
    advice: str = ""


@dataclass(frozen=True)
class ProcessTimes:
    """CPU ticks (user + system) of every process, at one moment."""

    at: float
    ticks: Mapping[int, tuple[str, int]]
    """pid -> (command name, ticks)."""


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def parse_cpu_list(text: str) -> set[int]:
    """``0-3,8,10-11`` -> {0, 1, 2, 3, 8, 10, 11}, the kernel's list format.

    A ``ValueError`` for anything else, or for a CPU beyond :data:`MAX_CPUS`.
    """
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        low_text, _, high_text = part.partition("-")
        low, high = int(low_text), int(high_text or low_text)
        if not 0 <= low <= high < MAX_CPUS:
            raise ValueError(f"not a range of CPUs: {part!r}")
        cpus.update(range(low, high + 1))
    return cpus


def read_process_times(root: Path) -> ProcessTimes:
    """Ticks of every process in ``root/proc``; processes that vanish meanwhile are skipped."""
    ticks: dict[int, tuple[str, int]] = {}
    proc = root / "proc"
    try:
        entries = list(proc.iterdir())
    except OSError:
        entries = []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        text = _read(entry / "stat")
        if text is None:
            continue
        # the command is in parentheses and may itself hold spaces and parentheses
        name = text[text.find("(") + 1 : text.rfind(")")]
        fields = text[text.rfind(")") + 2 :].split()
        try:
            ticks[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))  # utime, stime
        except (IndexError, ValueError):
            continue
    return ProcessTimes(time.monotonic(), ticks)


def busiest(
    before: ProcessTimes, after: ProcessTimes, hz: int, exclude: Iterable[int] = ()
) -> list[tuple[str, int, float]]:
    """(name, pid, share of one core) of the processes that used more than
    :data:`BUSY_SHARE` of a core between the two readings, busiest first."""
    elapsed = after.at - before.at
    if elapsed <= 0:
        return []
    skip = set(exclude)
    found = []
    for pid, (name, ticks) in after.ticks.items():
        if pid in skip or pid not in before.ticks:
            continue
        share = (ticks - before.ticks[pid][1]) / hz / elapsed
        if share > BUSY_SHARE:
            found.append((name, pid, share))
    return sorted(found, key=lambda item: -item[2])


def cpu_times(root: Path) -> list[int] | None:
    """The aggregate ``cpu`` line of ``/proc/stat``: user, nice, system, idle, iowait, irq,
    softirq, steal, ... in ticks since boot."""
    text = _read(root / "proc" / "stat")
    if text is None:
        return None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            try:
                return [int(value) for value in fields[1:]]
            except ValueError:
                return None
    return None


def diagnose(
    root: Path = Path("/"), *, sample_s: float = SAMPLE_S, cores: Sequence[int] | None = None
) -> list[Check]:
    """Every check, in the order a user should act on them. ``cores`` are the CPUs this
    process may use (default: its affinity)."""
    available = sorted(cores if cores is not None else _affinity())
    stat_before = cpu_times(root)
    processes_before = read_process_times(root)
    if sample_s > 0:
        time.sleep(sample_s)
    processes_after = read_process_times(root)
    stat_after = cpu_times(root)
    hz = _clock_ticks()
    return [
        _load(root, available),
        _busy(processes_before, processes_after, hz),
        _cores(available),
        _smt(root, available),
        _steal(stat_before, stat_after),
        _governor(root, available),
        _turbo(root),
        _timer_slack(root),
    ]


def summary_line(checks: Sequence[Check]) -> str:
    """One line for the top of a sweep: the warnings' findings, or that there are none."""
    warnings = [check for check in checks if check.level is Level.WARN]
    if not warnings:
        return "doctor: nothing found that makes numbers unstable"
    return (
        f"doctor: {len(warnings)} thing(s) may make numbers unstable: "
        + "; ".join(check.finding for check in warnings)
        + " (`concbench doctor` says what to change)"
    )


def _affinity() -> set[int]:
    if hasattr(os, "sched_getaffinity"):
        return os.sched_getaffinity(0)
    return set(range(os.cpu_count() or 1))  # pragma: no cover - not on Linux


def _clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not on POSIX
        return 100


def _load(root: Path, cores: Sequence[int]) -> Check:
    text = _read(root / "proc" / "loadavg")
    try:
        load = float((text or "").split()[0])
    except (IndexError, ValueError):
        load = math.nan
    if not 0 <= load <= MAX_LOAD:  # nan, inf, negative: a damaged file, not a load
        return Check("load", Level.UNKNOWN, "/proc/loadavg is not readable here")
    finding = f"load average {load:.2f} over the last minute on {len(cores)} core(s)"
    if load > LOAD_PER_CORE * max(len(cores), 1):
        return Check(
            "load",
            Level.WARN,
            finding,
            "other programs want the cores a run needs: wait for them to finish, or stop "
            "them; runs they disturb are flagged",
        )
    return Check("load", Level.OK, finding)


def _busy(before: ProcessTimes, after: ProcessTimes, hz: int) -> Check:
    if not after.ticks:
        return Check("busy processes", Level.UNKNOWN, "/proc/<pid>/stat is not readable here")
    busy = busiest(before, after, hz, exclude={os.getpid()})
    if not busy:
        return Check("busy processes", Level.OK, "no other process is using the CPU now")
    named = ", ".join(f"{name} (pid {pid}, {share:.0%} of a core)" for name, pid, share in busy[:3])
    return Check(
        "busy processes",
        Level.WARN,
        f"busy now: {named}",
        "stop them, or measure when they are done: each takes CPU time from the runs",
    )


def _cores(cores: Sequence[int]) -> Check:
    total = os.cpu_count() or len(cores)
    finding = f"{len(cores)} of {total} core(s) available to this process"
    if len(cores) < 2:
        return Check(
            "cores",
            Level.WARN,
            finding,
            "parallel backends (threads on a free-threaded build, processes, dask) cannot "
            "show parallelism on one core: give the process more cores (taskset, cgroups)",
        )
    return Check("cores", Level.OK, finding)


def _smt(root: Path, cores: Sequence[int]) -> Check:
    shared: list[str] = []
    for core in cores:
        text = _read(root / f"sys/devices/system/cpu/cpu{core}/topology/thread_siblings_list")
        try:
            siblings = parse_cpu_list(text or "") & set(cores)
        except ValueError:  # damaged
            text = None
        if text is None:
            return Check("SMT siblings", Level.UNKNOWN, "cpu topology is not readable here (/sys)")
        if len(siblings) > 1:
            shared.append(",".join(map(str, sorted(siblings))))
    if shared:
        pairs = sorted(set(shared))
        return Check(
            "SMT siblings",
            Level.WARN,
            f"cores {'; '.join(pairs)} are hyper-threads of one physical core",
            "parallel work on siblings shares one core's execution units: pin runs to one "
            "thread per core (taskset -c), or turn SMT off",
        )
    return Check("SMT siblings", Level.OK, "every available core is a physical core of its own")


def _steal(before: list[int] | None, after: list[int] | None) -> Check:
    if before is None or after is None or len(after) < 8:
        return Check("VM steal", Level.UNKNOWN, "/proc/stat is not readable here")
    delta = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(delta[:8])
    if total > 0:
        share, when = delta[7] / total, "while we watched"
    else:  # no tick passed (or a fixed tree): the share since boot
        share, when = after[7] / max(sum(after[:8]), 1), "since boot"
    if not 0 <= share <= 1:  # counters that went back, or negative: damaged
        return Check("VM steal", Level.UNKNOWN, "/proc/stat is not readable here")
    finding = f"the hypervisor took {share:.1%} of the CPU {when}"
    if share > STEAL_SHARE:
        return Check(
            "VM steal",
            Level.WARN,
            finding,
            "other virtual machines share this host's cores, and numbers move with their "
            "load: measure on a dedicated host, or compare only runs interleaved in one sweep",
        )
    return Check("VM steal", Level.OK, finding)


def _governor(root: Path, cores: Sequence[int]) -> Check:
    governors = {
        text.strip()
        for core in cores
        if (text := _read(root / f"sys/devices/system/cpu/cpu{core}/cpufreq/scaling_governor"))
    }
    if not governors:
        return Check(
            "CPU governor",
            Level.UNKNOWN,
            "the cpufreq governor is not readable here (common in VMs: the host sets the speed)",
        )
    finding = f"governor {', '.join(sorted(governors))}"
    if governors != {"performance"}:
        return Check(
            "CPU governor",
            Level.WARN,
            finding,
            "the clock speed follows the load, so the first part of a run is slower: "
            "`sudo cpupower frequency-set -g performance`",
        )
    return Check("CPU governor", Level.OK, finding)


def _turbo(root: Path) -> Check:
    no_turbo = _read(root / "sys/devices/system/cpu/intel_pstate/no_turbo")
    boost = _read(root / "sys/devices/system/cpu/cpufreq/boost")
    if no_turbo is not None:
        on = no_turbo.strip() == "0"
        knob = "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"
    elif boost is not None:
        on = boost.strip() == "1"
        knob = "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost"
    else:
        return Check("turbo", Level.UNKNOWN, "turbo/boost is not readable here")
    if on:
        return Check(
            "turbo",
            Level.WARN,
            "turbo boost is on",
            f"the clock rises and falls with temperature and load: `{knob}`",
        )
    return Check("turbo", Level.OK, "turbo boost is off")


def _timer_slack(root: Path) -> Check:
    text = _read(root / "proc" / "self" / "timerslack_ns")
    try:
        slack_ns = int((text or "").strip())
    except ValueError:
        slack_ns = -1
    if slack_ns < 0:
        return Check("timer slack", Level.UNKNOWN, "/proc/self/timerslack_ns is not readable here")
    finding = f"timer slack {slack_ns / 1000:g} µs: a sleep may end that much late"
    if slack_ns > DEFAULT_SLACK_NS:
        return Check(
            "timer slack",
            Level.WARN,
            finding,
            "above the kernel's 50 µs (a container or power setting): sleeps and timers "
            "report lateness that is the slack's; run outside that setting",
        )
    return Check("timer slack", Level.OK, finding)
