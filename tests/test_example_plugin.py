"""The external example plugin, installed as a user would: into a fresh virtual environment
beside concbench, from this checkout. It must be listed, run, and present in a report."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "concbench-rloop"

pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(sys.platform == "win32", reason="rloop has no Windows build"),
]


def test_the_example_plugin_installs_lists_runs_and_reports(tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    bin_dir = env / "bin"
    subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", str(ROOT), str(EXAMPLE)],
        check=True,
        timeout=600,
    )

    def concbench(*args: str) -> str:
        done = subprocess.run(
            [bin_dir / "concbench", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listing = concbench("list")
    assert "rloop" in listing
    assert "relay" in listing
    assert "broken plugin" not in listing

    out = tmp_path / "relay.jsonl"
    concbench(
        "run", "relay", "-p", "length=4", "-p", "seconds=0.02", "-b", "rloop", "-b", "asyncio",
        "--repeat", "2", "--processes", "1", "--warmup", "0", "--out", str(out),
    )  # fmt: skip
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["backend"], r["status"]) for r in records} == {("rloop", "ok"), ("asyncio", "ok")}
    for record in records:
        assert record["ideal_s"] == pytest.approx(0.08)  # a relay: the ideal is the sum
        assert record["wall_s"] >= 0.99 * 0.08

    report = concbench("report", str(out))
    assert "relay (length=4, seconds=0.02)" in report
    assert "rloop" in report
