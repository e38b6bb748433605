"""Where concbench may write: identity of paths, what an output or a store target may be,
and writes that fail whole, on real links, FIFOs, devices and a file-size limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import (
    ResultStore,
    StoreError,
    check_store_target,
    kept_files,
    records_problem,
)
from concbench.framework.store.targets import (
    directory_problem,
    file_problem,
    same_path,
)


def record() -> RunRecord:
    return RunRecord(
        scenario="seed",
        params={"scale": 1.0},
        backend="asyncio",
        status=Status.OK,
        tasks=2,
        serial_s=2.5,
        ideal_s=1.0,
        python="3.11.7",
        wall_s=1.001,
    )


def test_same_path_sees_through_dots_links_and_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "s.jsonl"
    store.write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(store)
    os.link(store, tmp_path / "hard")
    for other in ("s.jsonl", "./s.jsonl", "sub/../s.jsonl", "link", "hard", str(store)):
        assert same_path(Path(other), store), other
    assert same_path(Path("new.csv"), tmp_path / "sub" / ".." / "new.csv")  # neither exists
    assert not same_path(Path("new.csv"), store)


def test_kept_files_are_a_store_and_its_side_files(tmp_path: Path) -> None:
    kept = kept_files([tmp_path / "s.jsonl"], "the result store")
    assert sorted(path.name for path in kept) == [
        "s.env.jsonl",
        "s.jsonl",
        "s.sweep.jsonl",
        "s.traces.jsonl",
    ]
    assert (
        kept[tmp_path / "s.traces.jsonl"]
        == f"the traces file of the result store {tmp_path}/s.jsonl"
    )


def test_what_an_output_file_may_be(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "plain")
    os.mkfifo(tmp_path / "fifo")
    assert file_problem(tmp_path / "plain", {}) is None
    assert file_problem(tmp_path / "new" / "deeper" / "r.html", {}) is None
    assert "is a symbolic link" in (file_problem(tmp_path / "link", {}) or "")
    assert "is a FIFO (named pipe)" in (file_problem(tmp_path / "fifo", {}) or "")
    assert "is a character device" in (file_problem(Path("/dev/full"), {}) or "")
    assert "is a directory" in (file_problem(tmp_path, {}) or "")
    assert "no file can be created in /proc" in (file_problem(Path("/proc/x/r.html"), {}) or "")
    assert "is not a directory" in (file_problem(tmp_path / "plain" / "r.html", {}) or "")
    assert directory_problem(tmp_path, {}) is None
    assert directory_problem(tmp_path / "link-to-dir-later", {}) is None
    (tmp_path / "dirlink").symlink_to(tmp_path)
    assert directory_problem(tmp_path / "dirlink", {}) is None  # files go inside; no replace
    assert "is a FIFO" in (directory_problem(tmp_path / "fifo", {}) or "")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_file_holding_records_is_recognised(tmp_path: Path) -> None:
    store = tmp_path / "results.csv"  # any name: the content says it is a store
    ResultStore(store).append(record())
    assert records_problem(store) == "holds run records (a result store)"
    assert records_problem(tmp_path / "x.traces.jsonl") is not None
    (tmp_path / "notes.txt").write_text("notes\n")
    assert records_problem(tmp_path / "notes.txt") is None


def test_a_store_target_is_new_or_a_store(tmp_path: Path) -> None:
    store = tmp_path / "s.jsonl"
    check_store_target(store)  # new
    store.touch()
    check_store_target(store)  # empty
    store.write_text('{"scenario": "se')  # a killed writer's fragment: cut off on opening
    check_store_target(store)
    store.write_text(json.dumps(record().to_dict()) + "\n")
    check_store_target(store)
    notes = tmp_path / "notes.txt"
    notes.write_text("\n\nnotes\n")
    with pytest.raises(StoreError, match=r"notes.txt:1: not a JSON record .*--out must be"):
        ResultStore(notes)
    assert notes.read_text() == "\n\nnotes\n"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(StoreError, match=r"fifo: a FIFO \(named pipe\), not a file"):
        ResultStore(tmp_path / "fifo")  # refused at once: opening it would block
    with pytest.raises(StoreError, match="holds the full traces"):
        check_store_target(tmp_path / "s.traces.jsonl")


_APPEND_ON_A_FULL_DISK = """
import resource, signal, sys
from concbench.framework.store.resultstore import append_line, StoreError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
try:
    append_line(sys.argv[1], "x" * 1000)
except StoreError as exc:
    print(exc)
"""


def test_a_line_that_does_not_fit_leaves_no_fragment(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"a": 1}\n')
    limit = path.stat().st_size + 500  # half the line fits: the write is short, then fails
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_APPEND_ON_A_FULL_DISK), str(path), str(limit)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == (
        f"{path}: cannot write (File too large); every line written before is kept"
    )
    assert path.read_text() == '{"a": 1}\n'
