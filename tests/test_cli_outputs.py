"""Every output of every command, end to end: no option can destroy a store, every path is
checked before anything runs, a full disk is a clear error, and the small things a user
sees around outputs (warnings, empty stores, an early Ctrl-C, pasted blobs) are clean.

Paths are real: symlinks, hard links, a FIFO, ``/dev/full``, ``/proc`` (where nothing can
be created, even by root, as CI runs), and a file-size limit (``RLIMIT_FSIZE``) standing
in for a disk that fills.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.reports.outputs import exporters
from concbench.framework.store.resultstore import side_file
from support.signals import sigint_as_in_a_terminal
from support.stores import Store

ONE_RUN = ["--repeat", "1", "--warmup", "0", "--processes", "1", "--retries-disturbed", "0"]
"""One run, never re-run: the tests count the lines a command adds to a store."""
RUN = ["run", "seed", "-b", "asyncio", "-p", "scale=0.02", *ONE_RUN]
COMPARE = ["compare", "-s", "seed", "-b", "asyncio", *ONE_RUN]
REPORT_OPTIONS = [exporter.option for exporter in exporters()]
COMMAND_OPTIONS = (
    [("run", option) for option in REPORT_OPTIONS]
    + [("compare", option) for option in REPORT_OPTIONS]
    + [("report", option) for option in REPORT_OPTIONS]
    + [("diff", "--markdown")]
)


@pytest.fixture
def stores(store: Store, tmp_path: Path) -> Path:
    """A copy of a real store with its side files: what every command reads or appends to."""
    target = tmp_path / "runs.jsonl"
    shutil.copy(store.path, target)
    shutil.copy(side_file(store.path, "traces"), side_file(target, "traces"))
    side_file(target, "env").write_text("{}\n")
    return target


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A command that blocks (on a FIFO, say) fails the test instead of hanging it."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the command hung")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def snapshot(path: Path) -> tuple[object, ...]:
    info = path.lstat()
    content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    return (info.st_mode, info.st_ino, info.st_rdev, content)


def argv_for(command: str, option: str, target: str, store: Path) -> list[str]:
    """``command`` with ``option`` set to ``target``; ``store`` is its input or ``--out``."""
    if command == "run":
        return [*RUN, "--out", str(store), option, target]
    if command == "compare":
        return [*COMPARE, "--out", str(store), option, target]
    if command == "report":
        return ["report", str(store), option, target]
    return ["diff", str(store), str(store), option, target]


def hazards(store: Path) -> dict[str, str]:
    """Paths no output may replace, as typed (run in ``store``'s directory)."""
    directory = store.parent
    (directory / "plain.txt").write_text("keep me\n")
    (directory / "link.out").symlink_to(directory / "plain.txt")
    (directory / "store-link.out").symlink_to(store)
    os.mkfifo(directory / "fifo.out")
    return {
        "the store": str(store),
        "the store as ./name": f"./{store.name}",
        "the store by another route": f"{directory}/../{directory.name}/{store.name}",
        "its traces file": str(side_file(store, "traces")),
        "its env file": str(side_file(store, "env")),
        "a symlink": "link.out",
        "a symlink to the store": "store-link.out",
        "a device": "/dev/full",
        "a FIFO": "fifo.out",
        "a directory": str(directory),
        "a place where nothing can be created": "/proc/report.out",
    }


@pytest.mark.parametrize(("command", "option"), COMMAND_OPTIONS)
def test_no_output_option_can_destroy_a_store_or_replace_a_link_device_or_fifo(
    command: str,
    option: str,
    stores: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(stores.parent)
    targets = hazards(stores)
    if option == "--plots":
        del targets["a directory"]  # the one thing --plots takes
    before = {
        Path(path): snapshot(Path(path)) for path in targets.values() if os.path.lexists(path)
    }
    before[stores] = snapshot(stores)
    for what, target in targets.items():
        assert main(argv_for(command, option, target, stores)) == 2, what
        captured = capsys.readouterr()
        err = " ".join(captured.err.split())
        assert f"concbench: error: {option}: " in err, what
        assert "Traceback" not in err
        assert "records in" not in captured.out  # refused before anything ran
    assert {path: snapshot(path) for path in before} == before


OUT_HAZARDS = {
    "a text file": ("notes.txt", "notes.txt:1: not a JSON record"),
    "a traces side file": ("x.traces.jsonl", "holds the full traces of its first runs"),
    "an env side file": ("x.env.jsonl", "holds the environments its runs were measured in"),
    "a FIFO": ("fifo.jsonl", "a FIFO (named pipe), not a file; --out must be a new file"),
    "a device": ("/dev/full", "a character device, not a file; --out must be a new file"),
    "a dangling symlink": ("dangling.jsonl", "a symbolic link to"),
    "a store whose traces file is a FIFO": ("fifo-sides.jsonl", "its traces file"),
}


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("what", OUT_HAZARDS)
def test_out_must_be_a_new_file_or_a_result_store(
    command: str,
    what: str,
    stores: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(stores.parent)
    Path("notes.txt").write_text("my notes\nno newline at the end")
    Path("x.traces.jsonl").write_text("")
    Path("x.env.jsonl").write_text("")
    os.mkfifo("fifo.jsonl")
    Path("dangling.jsonl").symlink_to("nowhere.jsonl")
    shutil.copy(stores, "fifo-sides.jsonl")
    os.mkfifo("fifo-sides.traces.jsonl")
    name, message = OUT_HAZARDS[what]
    before = snapshot(Path(name))
    argv = RUN if command == "run" else COMPARE
    assert main([*argv, "--out", name]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err
    assert snapshot(Path(name)) == before
    assert not Path("nowhere.jsonl").exists()


def test_out_may_be_a_link_to_a_store_or_an_empty_file(
    stores: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(stores)
    lines = len(stores.read_text().splitlines())
    assert main([*RUN, "--out", str(link)]) == 0
    assert link.is_symlink()
    assert len(stores.read_text().splitlines()) == lines + 1
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert main([*RUN, "--out", str(empty)]) == 0
    assert len(empty.read_text().splitlines()) == 1


@pytest.mark.parametrize("command", ["run", "compare"])
def test_an_output_that_cannot_be_written_fails_before_the_first_run(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    argv = RUN if command == "run" else COMPARE
    assert main([*argv, "--out", str(out), "--html", "/proc/r.html"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--html: '/proc/r.html' cannot be written: no file can be created in /proc" in err
    assert not out.exists()


def test_diff_markdown_on_a_device_fails_before_anything_is_shown(
    stores: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(stores), str(stores), "--markdown", "/dev/full"]) == 2
    captured = capsys.readouterr()
    assert "'/dev/full' is a character device, not a regular file" in " ".join(captured.err.split())
    assert captured.out == ""


def _with_file_size_limit(limit: int) -> None:
    """In the child: files cannot grow beyond ``limit`` bytes, as on a disk that is full."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def concbench(*argv: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "concbench", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=None if limit is None else lambda: _with_file_size_limit(limit),
    )


def test_a_store_that_fills_the_disk_is_a_clear_error_and_keeps_every_whole_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stores = tmp_path / "runs.jsonl"
    assert main([*RUN, "--out", str(stores)]) == 0
    old = stores.read_bytes()
    room = len(old) * 3 // 2  # about one more record, then the disk is full
    result = concbench(*RUN, "--repeat", "4", "--out", str(stores), limit=len(old) + room)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    err = " ".join(result.stderr.split())
    assert f"{stores}: cannot write (File too large); every line written before is kept" in err
    data = stores.read_bytes()
    assert data.startswith(old)
    assert data.endswith(b"\n")  # no fragment of the record that did not fit
    assert len(data.splitlines()) in (len(old.splitlines()), len(old.splitlines()) + 1)
    for line in data.splitlines():
        json.loads(line)


def test_a_report_that_fills_the_disk_leaves_the_old_file(stores: Path, tmp_path: Path) -> None:
    old = tmp_path / "r.html"
    old.write_text("the old report\n")
    result = concbench("report", str(stores), "--html", str(old), limit=10_000)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    err = " ".join(result.stderr.split())
    assert f"{old}: cannot write (File too large); nothing was changed" in err
    assert old.read_text() == "the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [stores.name, old.name, "runs.env.jsonl", "runs.traces.jsonl"]
    )  # no temporary file left


def test_warnings_are_one_clean_line(stores: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(stores.read_bytes() + b'{"scenario": "se')
    result = concbench("report", str(cut))
    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert f"concbench: warning: {cut}:" in err
    assert "skipping a truncated last line" in err
    assert "UserWarning" not in err
    assert ".py:" not in err


def test_an_empty_store_is_said_to_be_empty(
    stores: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert main(["report", str(empty)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"nothing to report: {empty} holds no records (an empty result store)" in err

    assert main(["report", str(empty), str(stores), "--csv", str(tmp_path / "r.csv")]) == 0
    captured = capsys.readouterr()
    assert f"concbench: warning: {empty}: no records: the result store is empty" in " ".join(
        captured.err.split()
    )
    assert (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("empty_side", ["BASE", "NEW"])
def test_diff_against_an_empty_store_fails_even_under_fail_above(
    empty_side: str, stores: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    pair = [str(empty), str(stores)] if empty_side == "BASE" else [str(stores), str(empty)]
    assert main(["diff", *pair, "--fail-above", "10%"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{empty_side} {empty}: no records, so there is nothing to compare" in err


SCRIPT = """
import sys
sys.stdout.write("started\\n")
sys.stdout.flush()
sys.argv = ["concbench", *sys.argv[1:]]
from concbench.__main__ import run
sys.exit(run())
"""
"""What the installed ``concbench`` script does, once Python itself has started: the
interpreter's own start-up (before any line of concbench) is out of its reach."""


@pytest.mark.slow
def test_a_ctrl_c_during_start_up_prints_no_traceback(stores: Path) -> None:
    """concbench's imports take a few tenths of a second: SIGINT at moments in them, or later."""
    outcomes = []
    for delay in [0.005 + 0.03 * step for step in range(16)]:
        with sigint_as_in_a_terminal():
            process = subprocess.Popen(
                [sys.executable, "-c", SCRIPT, "report", str(stores)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        assert process.stdout is not None
        assert process.stdout.readline() == "started\n"
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err, (delay, err)
        assert "KeyboardInterrupt" not in err, (delay, err)
        outcomes.append(process.returncode)
    # -SIGINT: the signal came after concbench had finished, while Python itself shut down
    assert set(outcomes) <= {0, 130, -signal.SIGINT}
    assert 130 in outcomes  # some signals did arrive while concbench was starting or working


def test_a_ctrl_c_after_the_command_finished_ends_quietly(stores: Path) -> None:
    """The console script still runs ``sys.exit(run())`` and Python's shutdown after the
    command: a Ctrl-C there exits 130 with the command's output kept, no traceback."""
    late = SCRIPT.replace(
        "sys.exit(run())",
        "status = run()\nimport os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(5)\nsys.exit(status)",
    )
    done = subprocess.run(
        [sys.executable, "-c", late, "report", str(stores)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    assert "KeyboardInterrupt" not in done.stderr
    assert done.returncode == 130
    assert "started" in done.stdout
    assert len(done.stdout.splitlines()) > 3  # the report itself was flushed, not lost


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "seed", "-p", f"{LONG}=1"],
        ["run", "seed", "-p", LONG],
        ["run", "seed", "-p", f"{LONG}=1", "-p", f"{LONG}=2"],
        ["run", "seed", "-b", "asyncio", "-o", f"{LONG}=1"],
        ["run", "seed", "-b", LONG],
        ["run", LONG],
        ["compare", "-s", LONG],
        ["report", "r.jsonl", "--html", f"{LONG}.html"],
    ],
    ids=["param", "assignment", "param-twice", "option", "backend", "scenario", "-s", "path"],
)
def test_a_pasted_blob_is_shortened_in_the_error(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--out", str(tmp_path / "never.jsonl")] if argv[0] in ("run", "compare") else []
    assert main(argv + extra) == 2
    err = capsys.readouterr().err
    assert "[...]" in err
    assert len(err) < 1000
