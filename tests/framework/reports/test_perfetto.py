"""``--perfetto``: the kept traces of real runs as Chrome Trace Event JSON, checked against
the format's documented fields (the "Trace Event Format" document: ``traceEvents``, and
per event ``name``, ``ph``, ``ts`` in microseconds, ``pid``, ``tid``; ``dur`` for complete
events; ``s`` for instant events' scope; ``id`` pairing flow events, ``bp: e`` binding a
flow's end to its enclosing slice; ``M`` metadata naming processes and threads)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from concbench.cli import main
from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.columns import row_name
from concbench.framework.reports.html import run_with_trace
from concbench.framework.reports.perfetto import MAIN_TID, chrome_trace
from support.stores import Store

PHASES = {"X", "i", "s", "f", "M"}
METADATA = {"process_name", "process_sort_index", "thread_name", "thread_sort_index"}


def _events(store: Store) -> list[dict[str, Any]]:
    data = json.loads(chrome_trace(store.records, store.traces, ["runs.jsonl"]))
    assert data["displayTimeUnit"] in {"ms", "ns"}
    assert isinstance(data["traceEvents"], list)
    return list(data["traceEvents"])


def test_every_event_has_the_documented_fields(store: Store) -> None:
    _check_fields(_events(store))


def _check_fields(events: list[dict[str, Any]]) -> None:
    for event in events:
        assert event["ph"] in PHASES
        assert isinstance(event["name"], str)
        assert event["name"]
        assert isinstance(event["pid"], int)
        assert isinstance(event["tid"], int)
        if event["ph"] == "M":
            assert event["name"] in METADATA
            assert set(event["args"]) == ({"name"} if event["name"].endswith("name") else
                                          {"sort_index"})  # fmt: skip
            continue
        assert isinstance(event["ts"], (int, float))
        assert event["ts"] >= 0
        if event["ph"] == "X":
            assert isinstance(event["dur"], (int, float))
            assert event["dur"] >= 0
        elif event["ph"] == "i":
            assert event["s"] == "t"
            assert event["tid"] == MAIN_TID
        else:
            assert isinstance(event["id"], int)
            assert event["cat"] == "spawn"


def test_one_process_per_row_with_a_thread_per_lane(store: Store) -> None:
    events = _events(store)
    rows = [
        (f"{row_name(row)} · {group.title}", stored)
        for group in group_records(store.records)
        for row in group.rows
        if (stored := run_with_trace(row, store.traces)) is not None
    ]
    names = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    assert list(names.values()) == [name for name, _ in rows]
    by_pid: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_pid[event["pid"]].append(event)
    for pid, (_, stored) in enumerate(rows, 1):
        trace = stored.trace
        tasks = len(trace.start_ns)
        mine = by_pid[pid]
        threads = {e["tid"]: e["args"]["name"] for e in mine if e["name"] == "thread_name"}
        assert threads == {MAIN_TID: "main", **{i + 2: f"task {i}" for i in range(tasks)}}
        steps = [e for e in mine if e["ph"] == "X" and e["cat"] != "spawn"]
        assert len(steps) == len(stored.step_kinds)  # a complete event per step
        for event in steps:
            kind, _, nominal = event["name"].partition(" ")
            assert kind == event["cat"]
            assert nominal.endswith("s")
            assert event["args"]["nominal_s"] >= 0
        instants = {e["name"]: e["ts"] for e in mine if e["ph"] == "i"}
        assert instants["begin"] == 0
        assert instants["main done"] == pytest.approx((trace.main_done_ns - trace.begin_ns) / 1e3)
        assert instants["finish"] == pytest.approx(trace.wall_s * 1e6)
        counts = Counter(e["ph"] for e in mine)
        assert counts["s"] == counts["f"] == tasks  # a flow per spawn


def test_flows_run_from_a_spawn_on_main_to_the_task_starting(store: Store) -> None:
    events = _events(store)
    slices: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for event in events:
        if event["ph"] == "X":
            slices[(event["pid"], event["tid"])].append((event["ts"], event["ts"] + event["dur"]))
    flows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for event in events:
        if event["ph"] in {"s", "f"}:
            assert event["ph"] not in flows[event["id"]]  # one start and one end per id
            flows[event["id"]][event["ph"]] = event
    assert flows
    for pair in flows.values():
        start, end = pair["s"], pair["f"]
        assert start["pid"] == end["pid"]
        assert start["tid"] == MAIN_TID != end["tid"]
        assert start["ts"] <= end["ts"]
        assert end["bp"] == "e"
        for event in (start, end):  # each end is bound to a slice of its thread
            assert any(
                low <= event["ts"] <= high for low, high in slices[(event["pid"], event["tid"])]
            )


def test_slices_of_a_thread_nest_and_never_cross(store: Store) -> None:
    """Viewers draw a thread's slices as a stack: two may nest or follow, never overlap."""
    lanes: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for event in _events(store):
        if event["ph"] == "X":
            lanes[(event["pid"], event["tid"])].append((event["ts"], event["ts"] + event["dur"]))
    for spans in lanes.values():
        spans.sort(key=lambda span: (span[0], -span[1]))
        for (_low, high), (next_low, next_high) in itertools.pairwise(spans):
            assert next_low >= high - 1e-3 or next_high <= high + 1e-3


def test_compare_writes_a_valid_trace_of_its_store(tmp_path: Path) -> None:
    """A real `compare` store, every backend installed here on the seed pair: a process
    per row with a kept trace, each with main and two tasks, and a flow per spawn."""
    out = tmp_path / "compare.json"
    store = tmp_path / "compare.jsonl"
    argv = ["compare", "-s", "seed", "-s", "seed-blocking", "--out", str(store)]
    settings = ["--repeat", "1", "--warmup", "0", "--processes", "1", "--perfetto", str(out)]
    assert main([*argv, *settings]) == 0
    events = json.loads(out.read_text())["traceEvents"]
    _check_fields(events)
    names = [e["args"]["name"] for e in events if e["name"] == "process_name"]
    assert any(name.startswith("asyncio · seed-blocking") for name in names)
    assert any(name.startswith("threads · seed (") for name in names)
    for pid in range(1, len(names) + 1):
        mine = [e for e in events if e["pid"] == pid]
        threads = sorted(e["args"]["name"] for e in mine if e["name"] == "thread_name")
        assert threads == ["main", "task 0", "task 1"]
        assert sum(e["ph"] == "s" for e in mine) == sum(e["ph"] == "f" for e in mine) == 2
        steps = [e for e in mine if e["ph"] == "X" and e["cat"] != "spawn"]
        assert {e["name"].split()[0] for e in steps} <= {"sleep", "block"}
        assert len(steps) == 3  # main's wait and one per task
        assert sorted(e["name"] for e in mine if e["ph"] == "i") == ["begin", "finish", "main done"]


def test_report_writes_the_file_and_never_over_its_store(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    assert main(["report", str(store.path), "--perfetto", str(out)]) == 0
    events = json.loads(out.read_text())["traceEvents"]
    assert sum(e["ph"] == "X" for e in events) > 0
    before = store.path.read_bytes()
    assert main(["report", str(store.path), "--perfetto", str(store.path)]) != 0
    assert store.path.read_bytes() == before


def test_perfettos_trace_processor_counts_the_slices(store: Store, tmp_path: Path) -> None:
    """Perfetto's own importer, when it can run here: its ``trace_processor_shell`` binary
    is downloaded by the ``perfetto`` package on first use, which an offline machine
    cannot do, so the test needs one given (``PERFETTO_TRACE_PROCESSOR``) or on PATH."""
    processor = pytest.importorskip("perfetto.trace_processor", reason="pip install perfetto")
    binary = os.environ.get("PERFETTO_TRACE_PROCESSOR") or shutil.which("trace_processor_shell")
    if not binary:
        pytest.skip(
            "perfetto's trace processor needs its trace_processor_shell binary, which the "
            "perfetto package downloads on first use (not possible offline); give one in "
            "PERFETTO_TRACE_PROCESSOR"
        )
    path = tmp_path / "trace.json"
    path.write_text(chrome_trace(store.records, store.traces))
    expected = sum(e["ph"] == "X" for e in json.loads(path.read_text())["traceEvents"])
    config = processor.TraceProcessorConfig(bin_path=binary)
    with processor.TraceProcessor(trace=str(path), config=config) as tp:
        [row] = list(tp.query("select count(*) as n from slice where dur >= 0"))
        assert row.n >= expected
        [flows] = list(tp.query("select count(*) as n from flow"))
        assert flows.n > 0
