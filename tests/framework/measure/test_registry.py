"""The registry against a real (uninstalled) distribution: a dist-info folder on sys.path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from concbench.framework.measure.registry import BACKENDS_GROUP, UnknownNameError, load_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records

PLUGIN = """
import time
from concbench.framework import Backend, Param, Scenario, Task, Workload, sleep


class FakeBackend(Backend):
    name = "fake"
    description = "runs tasks one by one"

    def execute(self, workload, recorder):
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            recorder.start(index)
            for step in task.steps:
                time.sleep(step.seconds)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class Misnamed(FakeBackend):
    name = "something-else"


class AbstractBackend(Backend):
    name = "abstract"


NOT_A_BACKEND = 42

scenario = Scenario(
    name="fake-scenario",
    summary="one short sleep",
    params=(Param("seconds", float, 0.01, "sleep", min=0, max=1),),
    build=lambda seconds: Workload(tasks=(Task(steps=(sleep(seconds),)),)),
)
"""

ENTRY_POINTS = """
[concbench.backends]
fake = concbench_fakeplugin:FakeBackend
broken-import = concbench_fakeplugin_absent:Backend
not-a-backend = concbench_fakeplugin:NOT_A_BACKEND
abstract = concbench_fakeplugin:AbstractBackend
misnamed = concbench_fakeplugin:Misnamed

[concbench.scenarios]
fake-scenario = concbench_fakeplugin:scenario
wrong-type = concbench_fakeplugin:FakeBackend
"""


@pytest.fixture
def fake_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    (site / "concbench_fakeplugin").mkdir(parents=True)
    (site / "concbench_fakeplugin" / "__init__.py").write_text(PLUGIN)
    info = site / "concbench_fakeplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: concbench-fakeplugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(textwrap.dedent(ENTRY_POINTS))
    monkeypatch.syspath_prepend(str(site))
    return site


def test_builtins_are_found_through_entry_points() -> None:
    registry = load_registry()
    assert {"asyncio", "uvloop", "trio", "threads"} <= registry.backends.keys()
    assert {"seed", "seed-blocking", "fanout", "cpu"} <= registry.scenarios.keys()
    assert (
        registry.reference(BACKENDS_GROUP, "asyncio")
        == "concbench.backends.asyncio_backend:AsyncioBackend"
    )


@pytest.mark.usefixtures("fake_distribution")
def test_a_third_party_distribution_is_discovered_beside_the_builtins() -> None:
    registry = load_registry()
    assert registry.backend("fake").description == "runs tasks one by one"
    assert registry.scenario("fake-scenario").summary == "one short sleep"
    assert "asyncio" in registry.backends


@pytest.mark.usefixtures("fake_distribution")
def test_broken_plugins_are_reported_by_name_with_the_reason() -> None:
    registry = load_registry()
    reasons = {plugin.name: plugin.reason for plugin in registry.broken}
    assert (
        "failed to import concbench_fakeplugin_absent:Backend: ModuleNotFoundError"
        in reasons["broken-import"]
    )
    assert "is not a subclass of concbench.framework.Backend" in reasons["not-a-backend"]
    assert reasons["abstract"] == "AbstractBackend does not implement execute"
    assert reasons["misnamed"] == "Misnamed.name is 'something-else', expected 'misnamed'"
    assert "is not a concbench.framework.Scenario" in reasons["wrong-type"]
    for name in reasons:
        assert name not in registry.backends
        assert name not in registry.scenarios


@pytest.mark.usefixtures("fake_distribution")
def test_asking_for_a_broken_plugin_says_why() -> None:
    registry = load_registry()
    with pytest.raises(
        UnknownNameError, match=r"backend 'abstract' is installed but broken: .*execute"
    ):
        registry.backend("abstract")


def test_an_unknown_name_gets_a_suggestion() -> None:
    with pytest.raises(
        UnknownNameError, match=r"unknown backend 'asynco' \(did you mean 'asyncio'\?\)"
    ):
        load_registry().backend("asynco")
    with pytest.raises(
        UnknownNameError, match=r"unknown scenario 'fanuot' \(did you mean 'fanout'\?\)"
    ):
        load_registry().scenario("fanuot")


@pytest.mark.usefixtures("fake_distribution")
def test_a_third_party_plugin_runs_in_a_real_worker_process(tmp_path: Path) -> None:
    registry = load_registry()
    jobs = plan(registry, "fake-scenario", {"seconds": "0.02"}, [("fake", {}), ("asyncio", {})])
    store = ResultStore(tmp_path / "out.jsonl")
    records = Runner(store, RunSettings(repeat=2, warmup=1)).run(jobs)
    assert [(r.backend, r.status) for r in records] == [("fake", Status.OK)] * 2 + [
        ("asyncio", Status.OK)
    ] * 2
    assert all(r.wall_s is not None and r.wall_s >= 0.02 for r in records)
    assert read_records(tmp_path / "out.jsonl") == records


def test_a_backend_running_block_steps_must_say_whether_they_stop_its_scheduler() -> None:
    from concbench.framework import Backend, Recorder, StepKind, Workload
    from concbench.framework.measure.registry import backend_warning, default_registry

    class Silent(Backend):
        name = "silent"

        def execute(self, workload: Workload, recorder: Recorder) -> None:
            raise NotImplementedError

    class Loop(Silent):
        blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})

    class OnLoop(Loop):  # a variant inherits its parent's answer
        name = "on-loop"

    class Threads(Silent):
        blocks_scheduler = frozenset[StepKind]()  # "nothing stops it" is an answer

    class NoBlocking(Silent):
        supports = frozenset({StepKind.SLEEP})

    warning = backend_warning(Silent)
    assert warning is not None
    assert "does not declare blocks_scheduler" in warning
    assert "frozenset({StepKind.BLOCK, StepKind.CPU})" in warning
    for declared in (Loop, OnLoop, Threads, NoBlocking):
        assert backend_warning(declared) is None, declared
    assert default_registry().warnings == {}  # every built-in declares it


def test_list_and_run_show_the_warning_of_a_backend_that_declares_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from concbench.cli import main
    from support import plugins

    registry = plugins.registry(plugins.GoodBackend, plugins.UndeclaredBackend)
    monkeypatch.setattr("concbench.cli.default_registry", lambda: registry)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "warning: backend undeclared: UndeclaredBackend runs block steps" in out
    assert "backend good:" not in out
    argv = ["run", "tiny", "-b", "undeclared", "--repeat", "1", "--processes", "1"]
    assert main([*argv, "--warmup", "0", "--out", str(tmp_path / "tiny.jsonl")]) == 0
    [warning] = capsys.readouterr().err.splitlines()  # one line, however wide the terminal
    assert warning.startswith("warning: backend undeclared:")


CTRL_C_PLUGIN = """
class Interrupting:
    def __set_name__(self, owner, name):
        raise KeyboardInterrupt  # as a Ctrl-C arriving while a dataclass is made


class Backend:
    field = Interrupting()
"""


def test_a_ctrl_c_while_a_plugin_loads_is_a_ctrl_c_not_a_broken_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11 wraps the interrupt in a RuntimeError; before, the registry took it for
    a broken plugin, the command went on, and the sweep ran to its end with exit 0."""
    site = tmp_path / "site"
    (site / "concbench_ctrlc_plugin").mkdir(parents=True)
    (site / "concbench_ctrlc_plugin" / "__init__.py").write_text(CTRL_C_PLUGIN)
    info = site / "concbench_ctrlc_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: concbench-ctrlc-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[concbench.backends]\nctrlc = concbench_ctrlc_plugin:Backend\n"
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(KeyboardInterrupt):
        load_registry()
