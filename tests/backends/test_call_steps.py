"""``call`` and ``offload`` steps on every installed backend, with real functions and threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from concbench.framework import (
    Backend,
    CallVariant,
    Part,
    Step,
    Task,
    Workload,
    call,
    offload,
    sleep,
)
from concbench.framework.analysis.decompose import record_fields
from concbench.framework.model.calls import bind, choose
from concbench.framework.model.params import resolve
from support import calls
from support.backends import COROUTINE_BACKENDS, PARALLEL_BACKENDS, TEST_OPTIONS, execute

pytestmark = pytest.mark.timing  # real runs, asserted against the clock

S = 0.1


def variant_on(backend_cls: type[Backend], step: Step) -> CallVariant | None:
    """The variant the backend declares it runs for this step (with the test options)."""
    config = resolve(backend_cls.options, TEST_OPTIONS.get(backend_cls.name, {}), owner="test")
    assert step.target is not None
    return choose(step.target, backend_cls.call_variants(config))


def test_each_backend_runs_what_the_issue_asks_of_it(backend_cls: type[Backend]) -> None:
    # an anyio function on every loop anyio runs on, a sync one on threads and processes
    step = calls.naps("", variants="anyio,sync")
    expected = {"asyncio", "uvloop", "asyncio-eager", "trio", "anyio"}
    if backend_cls.name in expected:
        assert variant_on(backend_cls, step) is CallVariant.ANYIO
    elif backend_cls.name not in COROUTINE_BACKENDS:
        assert variant_on(backend_cls, step) is CallVariant.SYNC


def test_a_call_runs_its_variant_with_the_context_on_every_backend(
    backend_cls: type[Backend], tmp_path: Path
) -> None:
    log = str(tmp_path / "log")
    step = calls.naps(log, 0.01, variants="anyio,sync")
    workload = Workload(tasks=(Task((step, step)),) * 3, main=(step,))
    execute(backend_cls, workload)
    made = [e for e in calls.read_log(log) if e["event"] == "call"]
    variant = variant_on(backend_cls, step)
    assert variant is not None
    assert {e["variant"] for e in made} == {variant.value}
    assert sorted((e["task"] is None, e["task"] or 0, e["step"]) for e in made) == [
        (False, task, step) for task in range(3) for step in range(2)
    ] + [(True, 0, 0)]  # main's call has no task index
    assert all(e["resource"] for e in made)


def test_resources_are_made_before_begin_and_closed_after_finish_on_every_backend(
    backend_cls: type[Backend], tmp_path: Path
) -> None:
    log = str(tmp_path / "log")
    step = calls.naps(log, 0.01)
    workload = Workload(tasks=(Task((step,)),) * 3)
    trace = execute(backend_cls, workload)
    events = calls.read_log(log)
    opened = [e for e in events if e["event"] == "open"]
    closed = [e for e in events if e["event"] == "close"]
    assert opened
    assert sorted(e["id"] for e in closed) == sorted(e["id"] for e in opened)
    assert max(e["ns"] for e in opened) < trace.begin_ns
    assert min(e["ns"] for e in closed) > trace.finish_ns
    if backend_cls.name not in PARALLEL_BACKENDS:  # one per run; in a pool, one per process
        assert len(opened) == 1
        assert {e["resource"] for e in events if e["event"] == "call"} == {opened[0]["id"]}


def test_async_calls_overlap_on_every_backend(backend_cls: type[Backend], tmp_path: Path) -> None:
    step = calls.naps("", S, variants="anyio,sync")
    if variant_on(backend_cls, step) is CallVariant.SYNC and backend_cls.name in COROUTINE_BACKENDS:
        pytest.skip(f"{backend_cls.name} runs no async variant: its sync call blocks the loop")
    workload = Workload(tasks=(Task((step,)),) * 4)
    trace = execute(backend_cls, workload)
    assert trace.wall_s < 0.6 * 4 * S


def test_a_sync_call_blocks_a_loop_and_only_a_loop(
    backend_cls: type[Backend], tmp_path: Path
) -> None:
    step = calls.naps("", S / 2, variants="sync")
    workload = Workload(tasks=(Task((step,)),) * 4)
    trace = execute(backend_cls, workload)
    if backend_cls.name in COROUTINE_BACKENDS:
        assert trace.wall_s >= 4 * S / 2  # inline: one after another
    else:  # a thread each; gevent's patched time.sleep yields
        assert trace.wall_s < 0.6 * 4 * S / 2


def test_a_raising_call_propagates_on_every_backend(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task((call("boom", anyio=calls.boom_async, sync=calls.boom),)),))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - trio wraps it in a group
        execute(backend_cls, workload)
    raised = getattr(caught.value, "exceptions", (caught.value,))
    assert type(raised[0]) is ValueError
    assert "boom" in str(raised[0])


def test_offload_overlaps_on_every_backend(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task((offload(S / 2),) * 2),) * 4, main=(sleep(S / 4),))
    trace = execute(backend_cls, workload)
    assert trace.wall_s < 0.6 * workload.serial_s
    for lane in range(4):
        assert min(trace.step_durations_ns(lane)) >= S / 2 * 1e9  # the blocking call ran


@pytest.mark.parametrize("name", ["asyncio", "uvloop", "trio", "anyio"])
def test_offload_has_a_hand_off_part_of_its_own_on_every_loop(name: str) -> None:
    from concbench.framework.measure.registry import default_registry

    backend_cls = default_registry().backend(name)
    reason = backend_cls.unavailable_reason()
    if reason:
        pytest.skip(reason)
    workload = Workload(tasks=(Task((offload(0.01),) * 5),) * 3)
    trace = execute(backend_cls, workload)
    fields = record_fields(trace, workload, backend_cls.blocks_scheduler)
    parts = fields["parts"]
    assert fields["offload_steps"] == 15
    assert 0 < fields["handoff_mean_s"] < 0.01  # a hand-off costs microseconds, not a call
    assert parts[Part.HANDOFF.value] > 0
    assert parts[Part.BLOCKED.value] == 0  # the loop was never held
    assert sum(parts.values()) == pytest.approx(trace.wall_s - workload.ideal_s)


def test_an_unbound_call_is_refused_with_how_to_bind_it() -> None:
    from concbench.backends.threads_backend import ThreadsBackend
    from concbench.framework import Recorder
    from concbench.framework.model.workload import ModelError

    workload = Workload(tasks=(Task((call("nap", sync=calls.nap_sync, arg={"seconds": 0}),)),))
    with pytest.raises(ModelError, match="not bound to a variant"):
        ThreadsBackend().execute(workload, Recorder(workload))
    bound = bind(workload, ThreadsBackend.call_variants({}))
    recorder = Recorder(bound)
    ThreadsBackend().execute(bound, recorder)
    recorder.trace().check(bound)
