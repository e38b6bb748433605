"""The doctor on this machine's real /proc and /sys, and on a root directory of our own for
the parsing of each file: a real file tree, read by the same code."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from concbench.framework.measure.doctor import (
    BUSY_SHARE,
    Level,
    busiest,
    cpu_times,
    diagnose,
    parse_cpu_list,
    read_process_times,
    summary_line,
)

NAMES = [
    "load",
    "busy processes",
    "cores",
    "SMT siblings",
    "VM steal",
    "CPU governor",
    "turbo",
    "timer slack",
]
linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")


@linux
def test_every_check_gives_a_verdict_on_this_machine() -> None:
    checks = diagnose(sample_s=0.05)
    assert [check.name for check in checks] == NAMES
    for check in checks:
        assert check.finding
        assert (check.level is Level.WARN) == bool(check.advice)  # advice goes with a warning
    by_name = {check.name: check for check in checks}
    cores = len(os.sched_getaffinity(0))
    assert by_name["cores"].finding.startswith(f"{cores} of {os.cpu_count()} core(s)")
    slack = int(Path("/proc/self/timerslack_ns").read_text())
    assert f"timer slack {slack / 1000:g} µs" in by_name["timer slack"].finding
    assert by_name["load"].level is not Level.UNKNOWN
    assert by_name["VM steal"].level is not Level.UNKNOWN


@linux
def test_the_load_is_the_kernels_load_average() -> None:
    [load] = [check for check in diagnose(sample_s=0) if check.name == "load"]
    shown = float(load.finding.split()[2])
    assert abs(shown - os.getloadavg()[0]) < 0.5 + 0.2 * shown  # it moves, slowly


@linux
def test_a_process_spinning_is_named_when_it_takes_a_share_of_a_core() -> None:
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        before = read_process_times(Path("/"))
        time.sleep(0.5)
        after = read_process_times(Path("/"))
    finally:
        spinner.kill()
        spinner.wait()
    hz = os.sysconf("SC_CLK_TCK")
    found = {pid: share for _, pid, share in busiest(before, after, hz)}
    name, ticks = after.ticks[spinner.pid]
    share = (ticks - before.ticks[spinner.pid][1]) / hz / (after.at - before.at)
    assert name.startswith("python")
    assert share <= 1.1  # one thread: at most one core, give or take a tick
    assert (spinner.pid in found) == (share > BUSY_SHARE)  # on a busy machine it may not be
    assert os.getpid() not in {pid for _, pid, _ in busiest(before, after, hz, [os.getpid()])}


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


UNSTABLE = {
    "proc/loadavg": "3.50 2.00 1.00 3/200 4242\n",
    "proc/stat": "cpu  1000 0 500 8000 10 0 5 485 0 0\ncpu0 500 0 250 4000 5 0 2 243 0 0\n",
    "proc/4242/stat": "4242 (my (odd) prog) R 1 4242 4242 0 -1 4194304 0 0 0 0 700 100 0 0 "
    "20 0 1 0 100 0 0\n",
    "proc/self/timerslack_ns": "100000\n",
    "sys/devices/system/cpu/cpu0/topology/thread_siblings_list": "0-1\n",
    "sys/devices/system/cpu/cpu1/topology/thread_siblings_list": "0-1\n",
    "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": "powersave\n",
    "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": "powersave\n",
    "sys/devices/system/cpu/intel_pstate/no_turbo": "0\n",
}


def test_each_file_is_parsed_from_a_root_of_our_own(tmp_path: Path) -> None:
    root = _tree(tmp_path, UNSTABLE)
    checks = {check.name: check for check in diagnose(root, sample_s=0, cores=[0])}
    assert checks["load"].level is Level.WARN
    assert checks["load"].finding == "load average 3.50 over the last minute on 1 core(s)"
    assert checks["cores"].level is Level.WARN  # one core: no parallelism to show
    assert checks["SMT siblings"].level is Level.OK  # cpu1, its sibling, is not ours
    assert checks["VM steal"].level is Level.WARN
    assert "took 4.9% of the CPU since boot" in checks["VM steal"].finding  # 485 / 10000
    assert checks["CPU governor"].finding == "governor powersave"
    assert "cpupower frequency-set -g performance" in checks["CPU governor"].advice
    assert checks["turbo"].finding == "turbo boost is on"
    assert "no_turbo" in checks["turbo"].advice
    assert checks["timer slack"].level is Level.WARN
    assert checks["timer slack"].finding.startswith("timer slack 100 µs")
    both = {check.name: check for check in diagnose(root, sample_s=0, cores=[0, 1])}
    assert both["SMT siblings"].level is Level.WARN
    assert both["SMT siblings"].finding == "cores 0,1 are hyper-threads of one physical core"
    assert both["load"].level is Level.WARN  # 3.5 on 2 cores


def test_process_times_and_cpu_lines_are_parsed(tmp_path: Path) -> None:
    root = _tree(tmp_path, UNSTABLE)
    times = read_process_times(root)
    assert times.ticks == {4242: ("my (odd) prog", 800)}  # utime 700 + stime 100
    assert cpu_times(root) == [1000, 0, 500, 8000, 10, 0, 5, 485, 0, 0]
    later = type(times)(times.at + 2.0, {4242: ("my (odd) prog", 900)})
    assert busiest(times, later, hz=100) == [("my (odd) prog", 4242, 0.5)]
    assert parse_cpu_list("0-3,8,10-11\n") == {0, 1, 2, 3, 8, 10, 11}


def test_a_quiet_machine_gets_ok_verdicts(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proc/loadavg": "0.10 0.05 0.01 1/100 7\n",
            "proc/stat": "cpu  1000 0 500 8000 10 0 5 0 0 0\n",
            "proc/1/stat": "1 (init) S 0 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 1 0 0\n",
            "proc/self/timerslack_ns": "50000\n",
            "sys/devices/system/cpu/cpu0/topology/thread_siblings_list": "0\n",
            "sys/devices/system/cpu/cpu1/topology/thread_siblings_list": "1\n",
            "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": "performance\n",
            "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": "performance\n",
            "sys/devices/system/cpu/cpufreq/boost": "0\n",
        },
    )
    checks = diagnose(root, sample_s=0, cores=[0, 1])
    assert {check.name: check.level for check in checks} == dict.fromkeys(NAMES, Level.OK)
    assert summary_line(checks) == "doctor: nothing found that makes numbers unstable"


def test_missing_files_are_not_readable_here_and_never_a_guess(tmp_path: Path) -> None:
    checks = diagnose(tmp_path, sample_s=0, cores=[0, 1])
    unknown = [check.name for check in checks if check.level is Level.UNKNOWN]
    assert unknown == [name for name in NAMES if name != "cores"]  # cores: from the process
    assert all("not readable here" in check.finding for check in checks if check.name in unknown)
    damaged = _tree(tmp_path / "damaged", {"proc/loadavg": "", "proc/stat": "cpu x y\n"})
    by_name = {check.name: check for check in diagnose(damaged, sample_s=0, cores=[0])}
    assert by_name["load"].level is Level.UNKNOWN
    assert by_name["VM steal"].level is Level.UNKNOWN


def test_the_summary_line_names_each_warning(tmp_path: Path) -> None:
    line = summary_line(diagnose(_tree(tmp_path, UNSTABLE), sample_s=0, cores=[0]))
    assert line.startswith("doctor: 6 thing(s) may make numbers unstable: load average 3.50")
    assert "turbo boost is on" in line
    assert line.endswith("(`concbench doctor` says what to change)")


@pytest.mark.parametrize(
    ("name", "text", "check"),
    [
        ("proc/loadavg", "nan 1 1 1/1 1\n", "load"),
        ("proc/loadavg", "inf 1 1 1/1 1\n", "load"),
        ("proc/loadavg", "-3 1 1 1/1 1\n", "load"),
        ("proc/loadavg", "1e308 1 1 1/1 1\n", "load"),
        ("sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-zz\n", "SMT siblings"),
        # a damaged list read as a range would build billions of CPUs: past the kernel's
        # largest CPU number it is damaged (9000 is small enough to cost nothing if read)
        ("sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-9000\n", "SMT siblings"),
        ("proc/stat", "cpu  1000 0 500 8000 10 0 5 -485 0 0\n", "VM steal"),
        ("proc/self/timerslack_ns", "-5\n", "timer slack"),
    ],
)
def test_a_damaged_file_is_not_readable_here_never_a_traceback_or_a_wild_figure(
    tmp_path: Path, name: str, text: str, check: str
) -> None:
    """A container or a broken /proc may hand back anything: the check says it cannot
    tell, and every other check still gets its verdict."""
    root = _tree(tmp_path, {**UNSTABLE, name: text})
    checks = {found.name: found for found in diagnose(root, sample_s=0, cores=[0, 1])}
    assert list(checks) == NAMES
    assert checks[check].level is Level.UNKNOWN, checks[check]
    assert "not readable here" in checks[check].finding
    assert len(summary_line(list(checks.values()))) < 1000


def test_files_that_cannot_be_read_give_not_readable_here(tmp_path: Path) -> None:
    """Directories where the files should be: reading each fails as an unreadable file
    does (tests run as root, whom file modes do not stop)."""
    for name in UNSTABLE:
        (tmp_path / name).mkdir(parents=True)
    checks = diagnose(tmp_path, sample_s=0, cores=[0, 1])
    unknown = [check.name for check in checks if check.level is Level.UNKNOWN]
    assert unknown == [name for name in NAMES if name != "cores"]
