"""Report files: the exporter registry, the one path check every output goes through, and
atomic writes, on real files, links, FIFOs and devices."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from concbench.framework.reports.outputs import (
    DirectoryExporter,
    Exporter,
    FileExporter,
    OutputError,
    Outputs,
    Report,
    exporters,
    register_exporter,
)
from concbench.framework.store.resultstore import kept_files, side_file
from support.stores import Store

FILE_FORMATS = [e.name for e in exporters() if not isinstance(e, DirectoryExporter)]
ALL_FORMATS = [e.name for e in exporters()]


def snapshot(path: Path) -> tuple[object, ...]:
    """What a path is, to show that a refused output left it exactly as it was."""
    info = path.lstat()
    content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    target = os.readlink(path) if path.is_symlink() else ""
    return (info.st_mode, info.st_ino, info.st_rdev, content, target)


@pytest.fixture
def copy(store: Store, tmp_path: Path) -> Path:
    """A real result store with both side files, in a directory of its own."""
    target = tmp_path / "runs.jsonl"
    shutil.copy(store.path, target)
    shutil.copy(side_file(store.path, "traces"), side_file(target, "traces"))
    side_file(target, "env").write_text("{}\n")
    return target


def hazards(tmp_path: Path, store: Path) -> Iterator[tuple[str, Path]]:
    """Every kind of path an output must never replace, made for real (run in tmp_path)."""
    yield "the store", store
    yield "the store as ./name", Path(".") / store.name
    yield "the store by another route", tmp_path / "sub" / ".." / store.name
    (tmp_path / "sub").mkdir(exist_ok=True)
    yield "its traces file", side_file(store, "traces")
    yield "its env file", side_file(store, "env")
    (tmp_path / "to-store.csv").symlink_to(store)
    yield "a symlink to the store", tmp_path / "to-store.csv"
    (tmp_path / "plain.txt").write_text("keep me\n")
    (tmp_path / "to-plain.csv").symlink_to(tmp_path / "plain.txt")
    yield "a symlink to a plain file", tmp_path / "to-plain.csv"
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    yield "a dangling symlink", tmp_path / "dangling.csv"
    os.link(store, tmp_path / "hardlink.csv")
    yield "a hard link to the store", tmp_path / "hardlink.csv"
    other = tmp_path / "other-store.jsonl"
    shutil.copy(store, other)
    yield "another result store", other
    os.mkfifo(tmp_path / "fifo.html")
    yield "a FIFO", tmp_path / "fifo.html"
    yield "a device", Path("/dev/full")
    yield "a directory where nothing can be created", Path("/proc/report.out")


def test_no_output_format_replaces_a_store_side_file_link_device_or_fifo(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kept = kept_files([copy], "the result store")
    cases = list(hazards(tmp_path, copy))
    before = {path: snapshot(path) for _, path in cases if os.path.lexists(path)}
    for name in ALL_FORMATS:
        for what, path in cases:
            with pytest.raises(OutputError, match=rf"^--{name}: ") as refused:
                Outputs({name: path}, kept=kept).check()
            assert str(path) in str(refused.value), what
    assert {path: snapshot(path) for path in before} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no probe left


def test_each_refusal_names_its_reason(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kept = kept_files([copy], "the result store")
    reasons = dict(hazards(tmp_path, copy))

    def refusal(what: str, name: str = "csv") -> str:
        with pytest.raises(OutputError) as refused:
            Outputs({name: reasons[what]}, kept=kept).check()
        return " ".join(str(refused.value).split())

    assert refusal("the store").endswith(
        f"is the result store {copy}; a report never overwrites it"
    )
    assert "is the traces file of the result store" in refusal("its traces file")
    assert "is a symbolic link (to" in refusal("a symlink to a plain file")
    assert "links are never replaced" in refusal("a dangling symlink")
    assert "holds run records (a result store)" in refusal("another result store")
    assert "is a FIFO (named pipe), not a regular file" in refusal("a FIFO")
    assert "'/dev/full' is a character device, not a regular file" in refusal("a device")
    assert "no file can be created in /proc" in refusal("a directory where nothing can be created")
    assert "is a FIFO (named pipe); give a directory" in refusal("a FIFO", "plots")


def test_paths_that_cannot_be_written_are_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"--html: .* is a directory; give a file name"):
        Outputs(html=tmp_path).check()
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(OutputError, match=r"--plots: .* is a regular file; give a directory"):
        Outputs(plots=afile).check()
    with pytest.raises(OutputError, match=rf"cannot be created: {afile} is not a directory"):
        Outputs(csv=afile / "r.csv").check()
    with pytest.raises(OutputError, match=r"--csv: .* is also given to --html"):
        Outputs(html=tmp_path / "r", csv=tmp_path / "sub" / ".." / "r").check()
    Outputs(html=tmp_path / "new" / "r.html", plots=tmp_path / "plots").check()
    Outputs(csv=afile).check()  # a plain file this command may overwrite
    assert not Outputs()
    assert Outputs(csv=afile)


def test_a_plot_file_known_up_front_is_checked_up_front(copy: Path, tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "scaling.svg").symlink_to(copy)
    with pytest.raises(OutputError, match=r"would write .*scaling\.svg, which is the result store"):
        Outputs(plots=plots, kept=kept_files([copy], "the result store")).check()


def test_files_are_written_whole_into_new_directories(store: Store, tmp_path: Path) -> None:
    outputs = Outputs(
        html=tmp_path / "a" / "r.html",
        markdown=tmp_path / "b" / "r.md",
        csv=tmp_path / "c" / "r.csv",
    )
    written = outputs.write(store.records, store.traces, ["runs.jsonl"])
    assert [what for what, _ in written] == ["HTML report", "Markdown tables", "CSV of every run"]
    for _, path in written:
        assert path.stat().st_size > 0
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_a_file_overwritten_keeps_its_mode(store: Store, tmp_path: Path) -> None:
    old = tmp_path / "r.md"
    old.write_text("old\n")
    old.chmod(0o640)
    Outputs(markdown=old).write(store.records, store.traces)
    assert old.read_text().startswith("## At a glance")
    assert old.stat().st_mode & 0o777 == 0o640


def test_a_path_that_turned_bad_during_the_sweep_is_refused_when_written(
    store: Store, copy: Path, tmp_path: Path
) -> None:
    """The check is made again right before the write: a sweep can take an hour."""
    target, plots = tmp_path / "r.csv", tmp_path / "plots"
    outputs = Outputs(csv=target, plots=plots, kept=kept_files([copy], "the result store"))
    outputs.check()
    target.symlink_to(copy)  # made while the sweep ran
    before = snapshot(copy)
    with pytest.raises(OutputError, match=r"r\.csv: is the result store"):
        outputs.write(store.records, store.traces)
    assert snapshot(copy) == before

    target.unlink()
    plots.mkdir()
    os.mkfifo(plots / "timeline-seed_scale=0.1.png")  # a name known only from the records
    with pytest.raises(OutputError, match=r"timeline-seed_scale=0.1.png: is a FIFO"):
        Outputs(plots=plots).write(store.records, store.traces)


class _Summary(FileExporter):
    name = "test-summary"
    help = "a test format"
    what = "test summary"

    def render(self, report: Report) -> str:
        return f"{len(report.records)} records\n"


@pytest.fixture
def registered() -> Iterator[Callable[[Exporter], Exporter]]:
    from concbench.framework.reports import outputs

    before = dict(outputs._REGISTRY)
    yield register_exporter
    outputs._REGISTRY.clear()
    outputs._REGISTRY.update(before)


def test_a_registered_exporter_is_one_more_format_with_the_same_checks(
    registered: Callable[[Exporter], Exporter], store: Store, copy: Path, tmp_path: Path
) -> None:
    registered(_Summary())
    assert exporters()[-1].option == "--test-summary"
    target = tmp_path / "summary.txt"
    assert Outputs({"test-summary": target}).write(store.records, store.traces) == [
        ("test summary", target)
    ]
    assert target.read_text() == f"{len(store.records)} records\n"
    with pytest.raises(OutputError, match=r"--test-summary: .* is the result store"):
        Outputs({"test-summary": copy}, kept=kept_files([copy], "the result store")).check()
    with pytest.raises(ValueError, match="already registered"):
        registered(_Summary())
    for bad in ("Summary", "kept", "timeline", "", "a b"):
        summary = _Summary()
        summary.name = bad  # type: ignore[misc]
        with pytest.raises(ValueError, match="exporter name must match"):
            registered(summary)
    with pytest.raises(ValueError, match="no exporter named"):
        Outputs(pdf=target)
