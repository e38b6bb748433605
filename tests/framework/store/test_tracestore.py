from __future__ import annotations

import json
from pathlib import Path

from concbench.framework import StepKind
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.framework.store.tracestore import read_traces, trace_path


def test_the_first_counted_run_of_each_process_keeps_its_full_trace(tmp_path: Path) -> None:
    store = tmp_path / "seed.jsonl"
    jobs = plan(default_registry(), "seed", {"scale": 0.05}, [("asyncio", {})])
    Runner(ResultStore(store), RunSettings(repeat=2, warmup=1, processes=2)).run(jobs)
    records = read_records(store)
    assert [r.trace_stored for r in records] == [True, False, True, False]
    assert len({r.id for r in records}) == 4

    traces = read_traces(trace_path(store))
    assert set(traces) == {r.id for r in records if r.trace_stored}
    for record in records:
        if not record.trace_stored:
            continue
        stored = traces[record.id]
        stored.trace.check(default_registry().scenario("seed").workload({"scale": 0.05}))
        assert stored.trace.wall_s == record.wall_s
        assert stored.step_kinds == (StepKind.SLEEP,) * 3  # two tasks and main
        assert stored.step_nominal_s == (0.05, 0.05, 0.025)


def test_no_trace_file_means_no_traces(tmp_path: Path) -> None:
    assert read_traces(tmp_path / "absent.traces.jsonl") == {}


def test_main_start_is_kept_and_a_trace_stored_without_it_still_opens(tmp_path: Path) -> None:
    store = tmp_path / "seed.jsonl"
    jobs = plan(default_registry(), "seed", {"scale": 0.02}, [("asyncio", {})])
    Runner(ResultStore(store), RunSettings(repeat=1, warmup=0, processes=1)).run(jobs)
    path = trace_path(store)
    (stored,) = read_traces(path).values()
    trace = stored.trace
    assert trace.begin_ns < trace.main_start_ns <= trace.main_done_ns

    older = [json.loads(line) for line in path.read_text().splitlines()]
    for data in older:
        del data["main_start_ns"]  # as versions before the stamp wrote them
    path.write_text("".join(json.dumps(data) + "\n" for data in older))
    (stored,) = read_traces(path).values()
    assert stored.trace.main_start_ns == 0
    assert stored.trace.lane_bounds(len(stored.trace.start_ns))[0] == stored.trace.begin_ns
