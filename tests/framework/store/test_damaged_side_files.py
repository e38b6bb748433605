"""Damaged side files (traces, environments) beside a good store: a damaged trace is
dropped with a warning and the report still draws, a damaged environment line is dropped,
and an environment path that cannot be written is a clear error before anything runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from concbench.cli import main
from concbench.framework.measure.environment import env_path
from concbench.framework.store.resultstore import StoreError, read_records
from concbench.framework.store.tracestore import read_traces, trace_path
from support.stores import Store

Damage = Callable[[dict[str, Any]], Any]
DAMAGES: dict[str, Damage] = {
    "a list": lambda data: [1, 2],
    "a number": lambda data: 7,
    "bad step kinds": lambda data: data | {"step_kinds": "ff" * (len(data["step_kinds"]) // 2)},
    "step kinds not hex": lambda data: data | {"step_kinds": "zz"},
    "too few step kinds": lambda data: data | {"step_kinds": data["step_kinds"][:2]},
    "empty end_ns": lambda data: data | {"end_ns": ""},
    "end_ns not base64": lambda data: data | {"end_ns": "%%%"},
    "end_ns cut mid-number": lambda data: data | {"end_ns": data["end_ns"][:8]},
    "end_ns a number": lambda data: data | {"end_ns": 5},
    "begin_ns a text": lambda data: data | {"begin_ns": "0"},
    "no finish_ns": lambda data: {k: v for k, v in data.items() if k != "finish_ns"},
    "finish before begin": lambda data: data | {"finish_ns": data["begin_ns"] - 1},
    "step offsets out of range": lambda data: data | {"step_offsets": "////////////////"},
    "nominal seconds missing": lambda data: data | {"step_nominal_s": ""},
}


def damaged_copy(store: Store, directory: Path, damage: Damage | None, raw: bytes = b"") -> Path:
    """The store's records, with a traces file in which every trace is damaged."""
    path = directory / "runs.jsonl"
    shutil.copy(store.path, path)
    lines = [raw] if raw else []
    for stored in store.traces.values():
        data = stored.to_dict()
        lines.append(json.dumps(damage(data) if damage else data).encode())
    trace_path(path).write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("name", list(DAMAGES))
def test_a_damaged_trace_is_dropped_with_a_warning(store: Store, tmp_path: Path, name: str) -> None:
    path = damaged_copy(store, tmp_path, DAMAGES[name])
    with pytest.warns(UserWarning, match=rf"runs\.traces\.jsonl: skipped {len(store.traces)} "):
        assert read_traces(trace_path(path)) == {}


def test_a_line_that_is_not_utf8_is_dropped_and_the_others_are_kept(
    store: Store, tmp_path: Path
) -> None:
    path = damaged_copy(store, tmp_path, None, raw=b'{"record_id": "\xff\xfe"}')
    with pytest.warns(UserWarning, match="line 1: not UTF-8"):
        assert read_traces(trace_path(path)).keys() == store.traces.keys()


@pytest.mark.parametrize("name", ["a list", "bad step kinds", "empty end_ns", "not utf-8"])
def test_report_timeline_html_and_plots_draw_without_the_damaged_traces(
    store: Store, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if name == "not utf-8":
        path = damaged_copy(store, tmp_path, lambda data: data, raw=b"\xff\xfe\n")
        trace_path(path).write_bytes(b"\xff" + trace_path(path).read_bytes())
    else:
        path = damaged_copy(store, tmp_path, DAMAGES[name])
    argv = ["report", str(path), "--timeline", "--html", str(tmp_path / "r.html")]
    assert main([*argv, "--plots", str(tmp_path / "plots")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "concbench: warning:" in err
    assert "traces.jsonl" in err
    assert "concbench report" in (tmp_path / "r.html").read_text()


def run_argv(out: Path) -> list[str]:
    return ["run", "seed", "-b", "asyncio", "-p", "scale=0.01", "--repeat", "1", "--warmup", "0",
            "--processes", "1", "--retries-disturbed", "0", "--out", str(out)]  # fmt: skip


def test_a_non_utf8_environment_file_loses_only_its_bad_line(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    env_path(out).write_bytes(b'{"id": "\xff"}\n')
    assert main(run_argv(out)) == 0
    assert len(read_records(out)) == 1
    assert env_path(out).read_bytes().startswith(b'{"id": "\xff"}\n{"id": ')


def test_an_environment_path_that_is_a_directory_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.jsonl"
    env_path(out).mkdir()
    assert main(run_argv(out)) == 2
    assert f"concbench: error: {out}: its env file {env_path(out)} is a directory" in " ".join(
        capsys.readouterr().err.split()
    )
    assert not out.exists()  # refused before the store was made


@pytest.fixture
def deadline() -> Iterator[None]:
    """A read that blocks (a FIFO without a writer) fails the test instead of hanging it."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def endless(kind: str, path: Path) -> None:
    """A path whose reading never ends: a FIFO nobody writes, or a link to /dev/zero."""
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(f"/dev/{kind}")


ENDLESS = ["fifo", "zero", "urandom"]


@pytest.mark.parametrize("kind", ENDLESS)
def test_a_store_that_is_a_device_or_fifo_is_refused_at_once(
    kind: str, tmp_path: Path, deadline: None
) -> None:
    """Before, /dev/zero and /dev/urandom were read until memory ran out (a MemoryError
    traceback), and a FIFO blocked ``report`` and ``diff`` forever."""
    store = tmp_path / "s.jsonl"
    endless(kind, store)
    expected = "a FIFO (named pipe)" if kind == "fifo" else "a character device"
    with pytest.raises(StoreError, match=rf"cannot read \({re.escape(expected)}, not a regular"):
        read_records(store)


@pytest.mark.parametrize("kind", ENDLESS)
def test_a_traces_file_that_is_a_device_or_fifo_is_dropped_at_once(
    kind: str, store: Store, tmp_path: Path, deadline: None
) -> None:
    copy = tmp_path / "s.jsonl"
    shutil.copy(store.path, copy)
    endless(kind, trace_path(copy))
    with pytest.warns(UserWarning, match="cannot read the stored traces"):
        assert read_traces(trace_path(copy)) == {}
    assert main(["report", str(copy), "--timeline"]) == 0


@pytest.mark.parametrize("kind", ENDLESS)
def test_an_environment_file_that_is_a_device_or_fifo_is_refused_at_once(
    kind: str, tmp_path: Path, deadline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.jsonl"
    endless(kind, env_path(out))
    assert main(run_argv(out)) == 2
    err = " ".join(capsys.readouterr().err.split())
    if kind == "fifo":  # refused with the store, before the env file is read
        assert f"concbench: error: {out}: its env file {env_path(out)} is a FIFO" in err
    else:
        assert f"concbench: error: {env_path(out)}: cannot read (" in err
        assert "not a regular file" in err
