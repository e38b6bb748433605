"""The external example plugin, installed as a user would: into a fresh virtual environment
beside concbench, from this checkout. It must be listed, run, and present in a report; and
a backend copied from it, with only its name changed, is skipped (not failed) on the
workloads it does not declare."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "concbench-rloop"

pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(sys.platform == "win32", reason="rloop has no Windows build"),
]

Concbench = Callable[..., str]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with concbench and the example plugin installed."""
    env = tmp_path_factory.mktemp("plugin") / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    pip(env, str(ROOT), str(EXAMPLE))
    return env


def pip(env: Path, *packages: str) -> None:
    subprocess.run(
        [env / "bin" / "python", "-m", "pip", "install", "--quiet", *packages],
        check=True,
        timeout=600,
    )


def command(env: Path) -> Concbench:
    def concbench(*args: str) -> str:
        done = subprocess.run(
            [env / "bin" / "concbench", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return concbench


def test_the_example_plugin_installs_lists_runs_and_reports(
    environment: Path, tmp_path: Path
) -> None:
    concbench = command(environment)
    listing = concbench("list")
    assert "rloop" in listing
    assert "relay" in listing
    assert "broken plugin" not in listing
    assert "warning" not in listing  # it declares blocks_scheduler

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


def copy_renamed(tmp_path: Path, name: str) -> Path:
    """The example with every ``rloop`` that names the plugin replaced by ``name``; the
    library it drives (``import rloop``, ``requires``, the dependency) is kept."""
    copy = tmp_path / f"concbench-{name}"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    package = copy / "src" / f"concbench_{name}"
    (copy / "src" / "concbench_rloop").rename(package)
    project = copy / "pyproject.toml"
    text = project.read_text().replace("concbench-rloop", f"concbench-{name}")
    text = text.replace("concbench_rloop", f"concbench_{name}")
    text = text.replace('\nrloop = "', f'\n{name} = "').replace("relay = ", f"{name}-relay = ")
    project.write_text(text)
    backend = package / "backend.py"
    backend.write_text(backend.read_text().replace('name = "rloop"', f'name = "{name}"'))
    scenario = package / "scenario.py"
    scenario.write_text(scenario.read_text().replace('name="relay"', f'name="{name}-relay"'))
    return copy


def test_a_backend_copied_from_the_example_is_skipped_where_it_declares_nothing(
    environment: Path, tmp_path: Path
) -> None:
    pip(environment, str(copy_renamed(tmp_path, "mine")))
    concbench = command(environment)
    assert "mine" in concbench("list")
    for scenario, kinds in (("requests", "io"), ("pipeline", "get, put")):
        out = tmp_path / f"{scenario}.jsonl"
        concbench(
            "run", scenario, "-p", "seconds=0.01" if scenario == "requests" else "items=5",
            "-b", "mine", "--repeat", "1", "--processes", "1", "--warmup", "0",
            "--out", str(out),
        )  # fmt: skip
        (record,) = [json.loads(line) for line in out.read_text().splitlines()]
        assert record["status"] == "skipped", record
        assert record["error"] == f"backend 'mine' cannot run {kinds} steps"
    # and it runs what it declares, as the original does
    out = tmp_path / "seed.jsonl"
    concbench(
        "run", "seed-blocking", "-p", "scale=0.05", "-b", "mine", "--repeat", "1",
        "--processes", "1", "--warmup", "0", "--keep-disturbed", "--out", str(out),
    )  # fmt: skip  # what is checked is the decomposition, not the machine's quiet
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["status"] == "ok"
    assert record["parts"]["blocked"] >= 0.9 * record["overhead_s"]  # blocks_scheduler is set
