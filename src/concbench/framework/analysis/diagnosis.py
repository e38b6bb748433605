"""One sentence per result row naming the dominant cause of its overhead, with its figure.

The sentence is chosen from the overhead decomposition (framework/decompose.py), taking
medians over the row's runs. Thresholds, all documented here:

- An overhead below :data:`NEGLIGIBLE_S` or :data:`NEGLIGIBLE_FRACTION` of the ideal is
  "at the ideal": no cause is named for noise.
- The dominant cause is the largest part; a second part is named too when it holds at
  least :data:`SECOND_CAUSE_FRACTION` of the overhead.
- CPU excess is put down to the GIL when the process used less than
  :data:`GIL_CORES` cores' worth of CPU time while more cores were free; to other
  processes when it used less than :data:`ELSEWHERE_CORES` (the work ran in a pool or a
  cluster, whose CPU time this process does not see); otherwise to the work exceeding
  the machine's cores.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from ..store.records import RunRecord, Status
from .units import fmt_seconds

__all__ = ["diagnose", "median_of"]

NEGLIGIBLE_S = 0.001
NEGLIGIBLE_FRACTION = 0.02
SECOND_CAUSE_FRACTION = 0.25
GIL_CORES = 1.3
ELSEWHERE_CORES = 0.5


def median_of(records: Sequence[RunRecord], field: str) -> float | None:
    """Median of a numeric record field over the ok runs that have it."""
    values = [
        value
        for record in records
        if record.status is Status.OK and isinstance(value := getattr(record, field), (int, float))
    ]
    return statistics.median(values) if values else None


def diagnose(records: Sequence[RunRecord]) -> str:
    """The row's diagnosis, or "" when no run finished."""
    ok = [record for record in records if record.status is Status.OK]
    if not ok:
        return ""
    overhead = median_of(ok, "overhead_s") or 0.0
    ideal = ok[0].ideal_s
    if abs(overhead) < max(NEGLIGIBLE_S, NEGLIGIBLE_FRACTION * ideal):
        return f"at the ideal: overhead {fmt_seconds(overhead, signed=True)}"
    parts = {name: median_of(ok, f"part_{name}_s") for name in _SENTENCES}
    ranked = sorted(
        ((value, name) for name, value in parts.items() if value is not None and value > 0),
        reverse=True,
    )
    if not ranked:
        return f"overhead {fmt_seconds(overhead, signed=True)}; no trace to explain it"
    # a part can exceed the overhead when another is negative (a lane shorter than the
    # critical path): the sentence never claims more than the whole overhead
    sentences = [_SENTENCES[ranked[0][1]](ok, min(ranked[0][0], max(overhead, 0.0)))]
    if len(ranked) > 1 and ranked[1][0] >= SECOND_CAUSE_FRACTION * abs(overhead):
        sentences.append(_SENTENCES[ranked[1][1]](ok, ranked[1][0]))
    return "; ".join(sentences)


def _blocked(ok: Sequence[RunRecord], part: float) -> str:
    steps = median_of(ok, "blocked_steps") or 0
    in_tasks = median_of(ok, "blocked_tasks_s") or 0.0
    in_main = median_of(ok, "blocked_main_s") or 0.0
    where = f"{fmt_seconds(in_tasks)} in tasks"
    if in_main:
        where += f", {fmt_seconds(in_main)} in main"
    return (
        f"loop blocked by {steps:.0f} non-yielding steps ({where}): "
        f"{fmt_seconds(part)} of the overhead"
    )


def _cpu(ok: Sequence[RunRecord], part: float) -> str:
    wall = median_of(ok, "wall_s") or 0.0
    cpu = median_of(ok, "cpu_s") or 0.0
    cores = ok[0].cores or 1
    busy = cpu / wall if wall else 0.0
    if busy < ELSEWHERE_CORES:
        return (
            f"CPU work took {fmt_seconds(part)} longer than calibrated, in other processes "
            f"(this one used {busy:.1f} of {cores} cores)"
        )
    if cores > 1 and busy < GIL_CORES:
        ratio = wall / ok[0].ideal_s if ok[0].ideal_s else 0.0
        return (
            f"CPU work serialised by the GIL: {ratio:.1f}x the ideal, "
            f"{busy:.1f} of {cores} cores busy"
        )
    bound = ok[0].machine_bound_s or ok[0].ideal_s
    return f"CPU work exceeds {cores} cores: machine bound {fmt_seconds(bound)}"


def _sleep_late(ok: Sequence[RunRecord], part: float) -> str:
    mean = median_of(ok, "sleep_late_mean_s") or 0.0
    p99 = median_of(ok, "sleep_late_p99_s") or 0.0
    return (
        f"each sleep woke {fmt_seconds(mean)} late on average "
        f"(p99 {fmt_seconds(p99)}: timer rounding and slack)"
    )


def _io_late(ok: Sequence[RunRecord], part: float) -> str:
    mean = median_of(ok, "io_late_mean_s") or 0.0
    p99 = median_of(ok, "io_late_p99_s") or 0.0
    return (
        f"each request took {fmt_seconds(mean)} longer than the server's latency on average "
        f"(p99 {fmt_seconds(p99)}: connecting, syscalls, waking up to the answer)"
    )


def _spawn(ok: Sequence[RunRecord], part: float) -> str:
    tasks = ok[0].tasks or 1
    return f"spawning took {fmt_seconds(part)} ({fmt_seconds(part / tasks)} per task)"


def _start(ok: Sequence[RunRecord], part: float) -> str:
    median = median_of(ok, "start_latency_median_s") or 0.0
    return (
        f"the last task waited {fmt_seconds(part)} for a busy scheduler "
        f"(median start latency {fmt_seconds(median)})"
    )


def _pool(ok: Sequence[RunRecord], part: float) -> str:
    return f"the last task queued {fmt_seconds(part)} for a free worker of the pool"


def _join(ok: Sequence[RunRecord], part: float) -> str:
    return f"gathering took {fmt_seconds(part)} after the last task ended"


def _steps(ok: Sequence[RunRecord], part: float) -> str:
    return f"steps overran their nominal time by {fmt_seconds(part)}"


def _rest(ok: Sequence[RunRecord], part: float) -> str:
    return f"{fmt_seconds(part)} not explained by the trace"


_SENTENCES: dict[str, Callable[[Sequence[RunRecord], float], str]] = {
    "blocked": _blocked,
    "cpu": _cpu,
    "sleep_late": _sleep_late,
    "io_late": _io_late,
    "spawn": _spawn,
    "pool": _pool,
    "start": _start,
    "join": _join,
    "steps": _steps,
    "rest": _rest,
}
