"""Property: whatever a store holds, ``report`` in every format and ``diff`` end in a clear
error or a sanitised output, never a traceback.

Hypothesis takes real records (a real run of the seed, with its stored traces) and puts
hostile values into one of them and into a stored trace: non-finite and huge numbers,
wrong types, control, bidi, zero-width and tag characters, lone surrogates, texts of
megabytes, nested structures. The real command line runs in this process on each store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concbench.cli import main
from concbench.framework.store.records import RunRecord
from concbench.framework.store.tracestore import trace_path
from support.stores import Store

RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""What no output may hold: controls (tab and newline are layout), bidi and zero-width
characters, lone surrogates."""

FIELDS = [field.name for field in dataclasses.fields(RunRecord)]
TEXT_FIELDS = ["scenario", "backend", "python", "implementation", "error", "note", "id"]
TEXT_FIELDS += ["critical_lane", "started_at", "env"]

hostile_characters = st.characters(
    categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Zs", "Lu", "Ll", "Nd", "Po", "Sm", "So")
)
short_texts = st.text(alphabet=hostile_characters, max_size=20)
texts = short_texts | st.builds(lambda text: "\x1b[2J" + text * 100_000, short_texts)  # to ~2 MB
numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([1e308, -1e308, 2**63, -1, 0])
)
scalars = numbers | texts | st.none() | st.booleans()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_texts, inner, max_size=3),
    max_leaves=6,
)
typed_changes = st.dictionaries(
    st.sampled_from(TEXT_FIELDS), texts, min_size=1, max_size=3
) | st.fixed_dictionaries(
    {"params": st.dictionaries(short_texts, short_texts | numbers, min_size=1, max_size=3)}
)
"""Hostile texts in fields of the right type: the report goes all the way to its outputs."""
any_changes = st.dictionaries(st.sampled_from([*FIELDS, "unknown"]), values, min_size=1, max_size=3)
TRACE_FIELDS = ["record_id", "begin_ns", "main_done_ns", "finish_ns", "spawn_ns", "start_ns"]
TRACE_FIELDS += ["end_ns", "step_end_ns", "step_offsets", "step_kinds", "step_nominal_s"]
trace_changes = st.none() | st.tuples(st.sampled_from(TRACE_FIELDS), values)


@pytest.fixture(scope="session")
def seed_store(store: Store) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The seed's records (asyncio and threads) as JSON objects, and their traces."""
    records = [r for r in store.records if r.scenario == "seed"]
    traces = {r.id: store.traces[r.id].to_dict() for r in records if r.id in store.traces}
    return [r.to_dict() for r in records], traces


def write(path: Path, records: list[dict[str, Any]], traces: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    trace_path(path).write_text("".join(json.dumps(trace) + "\n" for trace in traces))


def cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True),
    ):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check(text: str, where: str) -> None:
    assert RAW.findall(text) == [], f"raw characters in {where}"
    text.encode("utf-8")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(changes=typed_changes | any_changes, which=st.integers(0, 99), trace_change=trace_changes)
def test_report_and_diff_of_a_hostile_store_end_in_a_clear_error_or_a_sanitised_output(
    seed_store: tuple[list[dict[str, Any]], dict[str, dict[str, Any]]],
    changes: dict[str, Any],
    which: int,
    trace_change: tuple[str, Any] | None,
) -> None:
    records, traces = seed_store
    hostile = [dict(record) for record in records]
    index = which % len(hostile)
    hostile[index] |= changes
    damaged = [dict(trace) for trace in traces.values()]
    if trace_change is not None:
        name, value = trace_change
        damaged[which % len(damaged)][name] = value
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        base, bad = folder / "base.jsonl", folder / "hostile.jsonl"
        write(base, records, list(traces.values()))
        write(bad, hostile, damaged)
        files = {name: folder / name for name in ("r.html", "r.md", "r.csv", "diff.md")}
        commands = [
            ["report", str(bad), "--timeline", "--html", str(files["r.html"]), "--markdown",
             str(files["r.md"]), "--csv", str(files["r.csv"]), "--plots", str(folder / "plots")],
            ["diff", str(base), str(bad), "--fail-above", "10%", "--markdown",
             str(files["diff.md"])],
            ["diff", str(bad), str(base)],
        ]  # fmt: skip
        for argv in commands:
            code, out, err = cli(argv)
            assert code in (0, 1, 2)
            if code == 2:
                assert err.startswith("concbench: error: "), err[:300]
                assert str(bad) in " ".join(err.split())  # names the file
            check(out, f"stdout of {argv[0]}")
            check(err, f"stderr of {argv[0]}")
        written = [*files.values(), *(folder / "plots").glob("*.svg")]
        for path in written:
            if path.exists():
                check(path.read_text(encoding="utf-8"), path.name)
