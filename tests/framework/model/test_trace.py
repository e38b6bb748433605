from __future__ import annotations

import time

import pytest

from concbench.framework import ContractError, Recorder, Task, Workload, sleep

TWO = Workload(tasks=(Task(steps=(sleep(0),)), Task(steps=(sleep(0),), after=(0,))))


def faithful(recorder: Recorder, order: tuple[int, ...] = (0, 1)) -> None:
    recorder.begin()
    for index in order:
        recorder.spawn(index)
        recorder.start(index)
        time.sleep(0.001)
        recorder.end(index)
    recorder.main_done()
    recorder.finish()


def test_a_faithful_trace_passes_and_reports_its_figures() -> None:
    recorder = Recorder(TWO)
    faithful(recorder)
    trace = recorder.trace()
    trace.check(TWO)
    assert trace.wall_s >= 0.002
    summary = trace.summary()
    assert summary["spawn_spread_s"] >= 0.001  # the second spawn came after the first task ran
    assert summary["join_s"] >= 0
    assert set(summary) == {
        "spawn_spread_s",
        "start_latency_median_s",
        "start_latency_max_s",
        "main_done_s",
        "join_s",
    }


def test_a_task_that_never_started_breaks_the_contract() -> None:
    recorder = Recorder(TWO)
    recorder.begin()
    for index in (0, 1):
        recorder.spawn(index)
        if index == 0:
            recorder.start(index)
        recorder.end(index)
    recorder.main_done()
    recorder.finish()
    with pytest.raises(ContractError, match="task 1 never started"):
        recorder.trace().check(TWO)


def test_an_end_before_the_start_breaks_the_contract() -> None:
    workload = Workload(tasks=(Task(steps=()),))
    recorder = Recorder(workload)
    recorder.begin()
    recorder.spawn(0)
    recorder.end(0)
    time.sleep(0.001)
    recorder.start(0)
    recorder.main_done()
    recorder.finish()
    with pytest.raises(ContractError, match="spawn <= start <= end"):
        recorder.trace().check(workload)


def test_starting_before_a_dependency_ended_breaks_the_contract() -> None:
    recorder = Recorder(TWO)
    faithful(recorder, order=(1, 0))
    with pytest.raises(ContractError, match="task 1 started before task 0"):
        recorder.trace().check(TWO)


def test_a_run_that_never_finished_breaks_the_contract() -> None:
    workload = Workload(tasks=())
    recorder = Recorder(workload)
    recorder.begin()
    recorder.main_done()
    with pytest.raises(ContractError, match="finish"):
        recorder.trace().check(workload)


def test_running_more_tasks_than_the_limit_breaks_the_contract() -> None:
    workload = Workload(tasks=(Task(steps=()),) * 3, limit=2)
    recorder = Recorder(workload)
    recorder.begin()
    for index in range(3):
        recorder.spawn(index)
        recorder.start(index)
    for index in range(3):
        recorder.end(index)
    recorder.main_done()
    recorder.finish()
    with pytest.raises(ContractError, match="more than 2 tasks ran at once"):
        recorder.trace().check(workload)


STEPPED = Workload(tasks=(Task(steps=(sleep(0.001), sleep(0.001))),), main=(sleep(0.001),))


def stepped_run(recorder: Recorder, *, skip: tuple[int, int] | None = None) -> None:
    recorder.begin()
    recorder.spawn(0)
    recorder.start(0)
    for step in range(2):
        time.sleep(0.001)
        if skip != (0, step):
            recorder.step_done(0, step)
    recorder.end(0)
    time.sleep(0.001)
    recorder.step_done(recorder.main_lane, 0)
    recorder.main_done()
    recorder.finish()


def test_step_ends_give_each_steps_duration() -> None:
    recorder = Recorder(STEPPED)
    stepped_run(recorder)
    trace = recorder.trace()
    trace.check(STEPPED)
    assert trace.has_steps
    durations = trace.step_durations_ns(0)
    assert len(durations) == 2
    assert all(d >= 1_000_000 for d in durations)
    [main_step] = trace.step_durations_ns(recorder.main_lane)
    assert main_step >= 3_000_000  # main's step ran after the whole task, from begin


def test_a_missing_step_end_breaks_the_contract() -> None:
    recorder = Recorder(STEPPED)
    stepped_run(recorder, skip=(0, 1))
    with pytest.raises(ContractError, match="task 0: step 1 never recorded its end"):
        recorder.trace().check(STEPPED)


def test_a_backend_may_record_no_steps_at_all() -> None:
    recorder = Recorder(STEPPED)
    recorder.begin()
    recorder.spawn(0)
    recorder.start(0)
    recorder.end(0)
    recorder.main_done()
    recorder.finish()
    trace = recorder.trace()
    trace.check(STEPPED)
    assert not trace.has_steps


def test_a_task_ends_when_its_last_step_does() -> None:
    recorder = Recorder(STEPPED)
    stepped_run(recorder)  # calls end() a moment after the last step: the step's end wins
    trace = recorder.trace()
    assert trace.end_ns[0] == trace.step_end_ns[1]
    assert trace.join_s() >= 0


def test_a_task_without_steps_ends_as_it_starts() -> None:
    workload = Workload(tasks=(Task(steps=()),) * 2)
    recorder = Recorder(workload)
    recorder.begin()
    for index in (0, 1):
        recorder.spawn(index)
        recorder.start(index)
    recorder.main_done()
    recorder.finish()
    trace = recorder.trace()
    trace.check(workload)
    assert list(trace.end_ns) == list(trace.start_ns)


def test_stamps_taken_elsewhere_keep_their_nanoseconds() -> None:
    recorder = Recorder(STEPPED)
    recorder.begin()
    recorder.spawn(0)
    start = time.perf_counter_ns()
    ends = [start + 1_000_003, start + 2_000_007]
    recorder.task_ran(0, start, ends)
    recorder.step_done(recorder.main_lane, 0)
    recorder.main_done()
    time.sleep(0.003)
    recorder.finish()
    trace = recorder.trace()
    trace.check(STEPPED)
    assert abs(trace.start_ns[0] - start) <= 1
    task_ends = trace.step_end_ns[:2]
    assert [abs(got - want) <= 1 for got, want in zip(task_ends, ends, strict=True)] == [True] * 2
    assert trace.end_ns[0] == trace.step_end_ns[1]


def test_main_start_is_optional_but_must_fall_between_begin_and_main_done() -> None:
    workload = Workload(tasks=(), main=(sleep(0),))
    recorder = Recorder(workload)
    recorder.begin()
    recorder.main_start()
    recorder.step_done(recorder.main_lane, 0)
    recorder.main_done()
    recorder.finish()
    trace = recorder.trace()
    trace.check(workload)
    assert trace.lane_bounds(0)[0] == trace.main_start_ns > trace.begin_ns

    late = Recorder(workload)
    late.begin()
    late.step_done(late.main_lane, 0)
    late.main_done()
    late.main_start()  # after main_done: a backend that stamped it in the wrong place
    late.finish()
    with pytest.raises(ContractError, match="main_start"):
        late.trace().check(workload)
