"""The ``call`` step's model: references, variants, binding, solo times, checks at plan time."""

from __future__ import annotations

import pickle

import pytest

from concbench.framework import (
    CallVariant,
    Step,
    StepKind,
    Task,
    Workload,
    call,
    offload,
    resource,
    sleep,
)
from concbench.framework.model.calls import (
    bind,
    calls_in,
    check_calls,
    choose,
    inline_sync,
    reference,
    skip_reason,
    solo_workload,
    with_solo,
)
from concbench.framework.model.workload import ModelError
from support import calls

ASYNCIO_FIRST = (CallVariant.ASYNCIO, CallVariant.ANYIO, CallVariant.SYNC)
TRIO = (CallVariant.ANYIO, CallVariant.SYNC)
THREADS = (CallVariant.SYNC,)


def test_a_function_becomes_its_reference_and_the_argument_json() -> None:
    step = call("nap", anyio=calls.nap_anyio, sync="support.calls:nap_sync", arg={"b": 1, "a": [2]})
    assert step.kind is StepKind.CALL
    assert step.seconds == 0.0
    assert step.target is not None
    assert step.target.anyio == "support.calls:nap_anyio"
    assert step.target.sync == "support.calls:nap_sync"
    assert step.target.arg == '{"a": [2], "b": 1}'
    assert pickle.loads(pickle.dumps(step)) == step  # it crosses to pool processes


def test_what_a_worker_could_not_import_by_name_is_refused_when_the_step_is_built() -> None:
    def nested(ctx: object) -> None: ...

    with pytest.raises(ModelError, match="nested function"):
        call("x", sync=nested)
    with pytest.raises(ModelError, match="cannot be imported by name"):
        call("x", sync=lambda ctx: None)
    with pytest.raises(ModelError, match="'module:qualname'"):
        call("x", sync="no_colon_here")
    with pytest.raises(ModelError, match="give at least one function"):
        call("x")
    with pytest.raises(ModelError, match="`arg` must be a JSON value"):
        call("x", sync=calls.nap_sync, arg={"s": {1, 2}})
    with pytest.raises(ModelError, match="`arg` must be a JSON value"):
        call("x", sync=calls.nap_sync, arg=float("nan"))
    assert reference("__main__x:f", "w") == "__main__x:f"


def test_a_step_of_another_kind_takes_no_target_and_a_call_needs_one() -> None:
    target = call("x", sync=calls.nap_sync).target
    with pytest.raises(ModelError, match="`target` is required for call steps"):
        Step(StepKind.SLEEP, 1.0, target=target)
    with pytest.raises(ModelError, match="`target` is required for call steps"):
        Step(StepKind.CALL, 1.0)
    assert offload(0.5) == Step(StepKind.OFFLOAD, 0.5)


@pytest.mark.parametrize(
    ("variants", "on", "chosen"),
    [
        ("anyio,asyncio,sync", ASYNCIO_FIRST, CallVariant.ASYNCIO),
        ("anyio,sync", ASYNCIO_FIRST, CallVariant.ANYIO),
        ("sync", ASYNCIO_FIRST, CallVariant.SYNC),
        ("anyio,asyncio,sync", TRIO, CallVariant.ANYIO),
        ("asyncio,sync", TRIO, CallVariant.SYNC),
        ("asyncio", TRIO, None),
        ("anyio,asyncio,sync", THREADS, CallVariant.SYNC),
        ("anyio", THREADS, None),
    ],
)
def test_each_backend_runs_the_first_variant_it_can(
    variants: str, on: tuple[CallVariant, ...], chosen: CallVariant | None
) -> None:
    target = calls.naps("", variants=variants).target
    assert target is not None
    assert choose(target, on) is chosen


def test_a_variant_without_a_resource_factory_is_not_chosen() -> None:
    held = resource("r", anyio=calls.async_resource)  # no sync factory
    step = call("x", anyio=calls.nap_anyio, sync=calls.nap_sync, resource=held)
    assert step.target is not None
    assert choose(step.target, THREADS) is None
    workload = Workload(tasks=(Task((step,)),))
    assert skip_reason(workload, THREADS, "threads") == (
        "call 'x' has only anyio, sync functions (resource 'r' has no factory for them); "
        "threads runs sync functions"
    )
    # an asyncio call takes the anyio factory when there is no asyncio one
    aio = call("y", asyncio=calls.nap_asyncio, resource=held).target
    assert aio is not None
    assert choose(aio, ASYNCIO_FIRST) is CallVariant.ASYNCIO


def test_binding_sets_each_calls_variant_and_keeps_shared_steps_shared() -> None:
    step = calls.naps("", variants="anyio,sync")
    shared = (step, sleep(0.1), step)
    workload = Workload(tasks=(Task(shared), Task(shared), Task((sleep(0.1),), after=(0,))))
    bound = bind(workload, TRIO)
    assert bound.tasks[0].steps is bound.tasks[1].steps
    assert bound.tasks[2].after == (0,)
    assert [t.chosen for t in calls_in(bound)] == [CallVariant.ANYIO]
    assert inline_sync(bind(workload, ASYNCIO_FIRST[2:])) == ["nap"]
    assert bind(Workload(tasks=(Task((sleep(0.1),)),)), TRIO).tasks[0].steps == (sleep(0.1),)
    with pytest.raises(ModelError, match="has only anyio functions; this backend runs sync"):
        bind(Workload(tasks=(Task((calls.naps("", variants="anyio"),)),)), THREADS)


def test_solo_times_become_the_nominal_durations_and_so_serial_and_ideal() -> None:
    nap = calls.naps("", variants="sync")
    digest = call("digest", sync=calls.digest, arg={"size": 64, "rounds": 1})
    workload = Workload(
        tasks=(Task((nap, digest)), Task((nap,)), Task((sleep(0.5),))), main=(digest,)
    )
    assert workload.serial_s == pytest.approx(0.5)  # calls are 0 until measured
    timed = with_solo(workload, {"nap": 0.2, "digest": 0.05})
    assert [s.seconds for s in timed.tasks[0].steps] == [0.2, 0.05]
    assert timed.serial_s == pytest.approx(0.2 + 0.05 + 0.2 + 0.5 + 0.05)
    assert timed.ideal_s == pytest.approx(0.5)
    alone = solo_workload(nap, 4, workload)
    assert [len(task.steps) for task in alone.tasks] == [4]
    assert alone.main == ()


def test_the_warm_up_copy_keeps_each_calls_function() -> None:
    step = calls.naps("", variants="sync")
    scaled = Workload(tasks=(Task((step, offload(1.0))),)).scaled(0.1)
    assert scaled.tasks[0].steps[0].target == step.target
    assert scaled.tasks[0].steps[1].seconds == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        ({"sync": "support.nowhere:f"}, "cannot import 'support.nowhere:f': ModuleNotFound"),
        ({"sync": "support.calls:missing"}, "support.calls has no missing"),
        ({"sync": "support.calls:NAP_S"}, "support.calls has no NAP_S"),
        ({"anyio": "support.calls:nap_sync"}, "must be an `async def` function"),
        ({"asyncio": "support.calls:read_log"}, "must be an `async def` function"),
        ({"sync": "support.calls:nap_anyio"}, "is an `async def` function"),
    ],
)
def test_plan_time_checks_import_every_function_as_a_worker_will(
    given: dict[str, str], refused: str
) -> None:
    workload = Workload(tasks=(Task((call("f", **given),)),))  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="call 'f'") as caught:
        check_calls(workload)
    assert refused in str(caught.value)


def test_plan_time_checks_a_resources_factories_and_unique_names() -> None:
    broken = resource("r", sync="support.nowhere:make")
    with pytest.raises(ModelError, match="resource 'r': cannot import"):
        check_calls(Workload(tasks=(Task((call("f", sync=calls.nap_sync, resource=broken),)),)))
    one, other = call("f", sync=calls.nap_sync), call("f", sync=calls.digest)
    with pytest.raises(ModelError, match="two different calls are named 'f'"):
        check_calls(Workload(tasks=(Task((one, other)),)))
    check_calls(Workload(tasks=(Task((one, one)),), main=(one,)))  # the same call twice is fine
