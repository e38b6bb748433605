"""Solo times: each ``call`` step measured alone on its backend, before the counted runs.

A modelled step has a nominal duration the scenario states; the scenario's own code has
none. The nearest thing to "what it would take with perfect concurrency" is what it takes
alone: the same call, on the same backend, in the same worker, one call at a time. That
**solo time** becomes the step's nominal duration (``seconds``), so serial, ideal and the
decomposition are computed from it exactly as for every other step; what a call takes
beyond it in a counted run is contention (the ``call`` part of the overhead).

A call is measured through the backend itself, as a run of one task that makes the call
several times in a row (with its resources made outside the measured region, as in every
run), and the median of those calls is kept: the first call of a process pays for caches
and connections that later ones find warm, and the median ignores such a call.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable
from typing import Any

from ..model.backend import Backend
from ..model.calls import calls_in, solo_workload, with_solo
from ..model.recorder import Recorder
from ..model.trace import Trace
from ..model.workload import Step, StepKind, Workload

__all__ = ["SOLO_MAX", "SOLO_MIN", "SOLO_TARGET_S", "nominal_fields", "solo_times"]

SOLO_TARGET_S = 0.1
"""About how long the solo calls of one call take in all: enough repeats of a fast call
for a steady median, few of a slow one."""
SOLO_MIN = 3
"""Fewest solo calls per call: the median of three ignores one call that was disturbed."""
SOLO_MAX = 25


def solo_times(
    backend: Backend, workload: Workload, run: Callable[[Workload], Trace] | None = None
) -> dict[str, float]:
    """Each call's solo time on ``backend``, by call name (``workload`` is bound to it).

    ``run`` executes one solo workload and returns its checked trace; the worker's runs
    each again while other programs disturb it, as it does a counted run (a solo time
    taken while another program held the core would inflate the ideal of every run).
    """
    execute = run or (lambda alone: _execute(backend, alone))
    solo: dict[str, float] = {}
    for target in calls_in(workload):
        step = Step(StepKind.CALL, 0.0, target=target)
        [probe] = _durations(execute(solo_workload(step, 1, workload)))
        repeats = max(SOLO_MIN, min(SOLO_MAX, math.ceil(SOLO_TARGET_S / max(probe, 1e-6))))
        solo[target.name] = statistics.median(
            _durations(execute(solo_workload(step, repeats, workload)))
        )
    return solo


def nominal_fields(workload: Workload, solo: dict[str, float]) -> tuple[Workload, dict[str, Any]]:
    """The workload with each call's solo time as its nominal duration, and the record
    fields that follow from it: the solo times, and serial, ideal and machine bound, which
    the parent could not know when it planned the job."""
    timed = with_solo(workload, solo)
    return timed, {
        "solo_s": solo,
        "serial_s": timed.serial_s,
        "ideal_s": timed.ideal_s,
        "machine_bound_s": timed.machine_bound_s(os.cpu_count() or 1),
    }


def _execute(backend: Backend, workload: Workload) -> Trace:
    recorder = Recorder(workload)
    backend.execute(workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    return trace


def _durations(trace: Trace) -> list[float]:
    """Each step's duration in a run of one task, in seconds."""
    steps = trace.step_offsets[1]
    if not trace.has_steps:  # a backend that records no step ends: the task's mean
        return [trace.wall_s / steps] * steps
    return [ns / 1e9 for ns in trace.step_durations_ns(0)]
