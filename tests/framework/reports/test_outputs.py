from __future__ import annotations

from pathlib import Path

import pytest

from concbench.framework.model.params import ParameterError
from concbench.framework.reports.outputs import Outputs
from support.stores import Store


def test_paths_that_cannot_be_written_are_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"--html: .* is a directory; give a file name"):
        Outputs(html=tmp_path).check()
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(ParameterError, match=r"--plots: .* is a file; give a directory"):
        Outputs(plots=afile).check()
    Outputs(html=tmp_path / "new" / "r.html", plots=tmp_path / "plots").check()
    assert not Outputs()
    assert Outputs(csv=afile)


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
