"""Planning: every name, parameter and option resolved into jobs before anything runs.

A sweep may take hours, so a typo in its last parameter set must not surface after the
first ones ran: planning builds every workload, resolves every backend's options, checks
the open files and servers a workload needs, and asks each backend whether it can run
here, all up front. A backend that cannot still yields a job, carrying the reason, so
the report shows the hole instead of hiding it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..model.calls import CallVariant, calls_in, check_calls, choose
from ..model.calls import skip_reason as call_skip_reason
from ..model.params import ParameterError
from ..model.workload import StepKind, Workload
from .ioserver import check_open_files, open_files_needed
from .job import Job
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from .services import check_services
from .services import unavailable_reason as services_unavailable

__all__ = ["plan", "plan_sweep"]


def plan(
    registry: Registry,
    scenario: str,
    params: Mapping[str, object],
    backends: Sequence[tuple[str, Mapping[str, object]]],
    *,
    matrix: bool = False,
) -> list[Job]:
    """Resolve one scenario against several backends; raises before anything runs.

    ``backends`` pairs each backend name with its options. A backend that cannot run here
    or cannot express the workload still yields a job, marked with the reason to skip it;
    so does one that asks to be left out of the default matrix, when ``matrix`` is set.
    """
    recipe = registry.scenario(scenario)
    resolved = recipe.resolve(params)
    workload = recipe.build(**resolved)
    uses_calls = StepKind.CALL in workload.kinds
    if uses_calls:
        check_calls(workload)  # every function importable by name, as a worker will need
    if workload.io_connections:
        given = ", ".join(f"{name}={value}" for name, value in resolved.items())
        check_open_files(
            open_files_needed(workload.io_connections), f"scenario {scenario!r} ({given})"
        )
    check_services(workload, f"scenario {scenario!r}")
    service_reason = services_unavailable(workload)
    cores = os.cpu_count() or 1
    jobs = []
    for name, given_options in backends:
        backend = registry.backend(name)
        options = backend.resolve_options(given_options)
        config = {option.name: option.default for option in backend.options} | options
        variants = backend.call_variants(config)
        reason = (
            service_reason
            or backend.unavailable_reason(config)
            or backend.unsupported_reason(workload)
            or (call_skip_reason(workload, variants, name) if uses_calls else None)
            or _not_inline_reason(workload, variants, backend)
            or backend.check_resources(workload, config)
        )
        if matrix and not reason:
            reason = backend.compare_skip_reason(workload, config)
        jobs.append(
            Job(
                scenario=scenario,
                params=resolved,
                backend=name,
                options=options,
                tasks=len(workload.tasks),
                serial_s=workload.serial_s,
                ideal_s=workload.ideal_s,
                machine_bound_s=workload.machine_bound_s(cores),
                scenario_ref=registry.reference(SCENARIOS_GROUP, scenario),
                backend_ref=registry.reference(BACKENDS_GROUP, name),
                skip_reason=reason,
                steps=workload.task_steps,
                io_connections=workload.io_connections,
                uses_cpu=StepKind.CPU in workload.kinds,
                services=workload.services,
                uses_calls=uses_calls,
                # a skipped job has no numbers to explain, and a backend's note may
                # assume a workload it can run (processes' pool bound on channels)
                note=""
                if reason
                else _joined(
                    backend.note(workload, config), _inline_note(workload, variants, backend)
                ),
            )
        )
    return jobs


def _not_inline_reason(workload: Workload, variants: Sequence[Any], backend: Any) -> str | None:
    """A call that must not run its sync function inline (``inline=False``) on a backend
    where it would: one whose loop that function blocks (twisted's reactor runs only sync
    functions, inline), which ``choose`` cannot tell from the variants alone."""
    if StepKind.CALL not in workload.kinds or StepKind.BLOCK not in backend.blocks_scheduler:
        return None
    for target in calls_in(workload):
        if not target.inline and choose(target, variants) is CallVariant.SYNC:
            return (
                f"call {target.name!r} has only a sync function, which is not run inline on "
                f"{backend.name}'s loop (it would block it)"
            )
    return None


def _inline_note(workload: Workload, variants: Sequence[Any], backend: Any) -> str | None:
    """Says which calls run their sync function inline on a loop, blocking it."""
    if StepKind.CALL not in workload.kinds or StepKind.BLOCK not in backend.blocks_scheduler:
        return None
    inline = [t.name for t in calls_in(workload) if choose(t, variants) is CallVariant.SYNC]
    if not inline:
        return None
    names = ", ".join(inline)
    return f"sync call {names} runs inline and blocks the loop (like block)"


def _joined(*notes: str | None) -> str:
    return "; ".join(note for note in notes if note)


def plan_sweep(
    registry: Registry,
    scenario: str,
    sets: Sequence[Mapping[str, object]],
    backends: Sequence[tuple[str, Mapping[str, object]]],
    *,
    flag: str = "-p/--param",
    matrix: bool = False,
) -> list[Job]:
    """:func:`plan` for each parameter set of a sweep, refusing two sets that resolve to
    the same values (``tasks=10,010``): they would run one workload twice, with the same
    identity, and a report would count its runs twice."""
    recipe = registry.scenario(scenario)
    seen: dict[tuple[tuple[str, Any], ...], Mapping[str, object]] = {}
    jobs: list[Job] = []
    for given in sets:
        resolved = recipe.resolve(given)
        key = tuple(sorted(resolved.items()))
        first = seen.setdefault(key, given)
        if first is not given:
            same = "; ".join(
                f"{name}={first[name]!r} and {name}={given[name]!r} are the same value "
                f"({resolved[name]!r})"
                for name in given
                if first.get(name) != given[name]
            )
            raise ParameterError(f"{flag}: {same}: the sweep would run one workload twice")
        jobs += plan(registry, scenario, given, backends, matrix=matrix)
    return jobs
