from __future__ import annotations

import json
from pathlib import Path

from concbench.framework.measure.environment import (
    collect,
    env_path,
    environment_id,
    read_environments,
    write_environment,
)
from concbench.framework.measure.registry import default_registry


def test_the_environment_names_machine_interpreter_clocks_and_libraries() -> None:
    env = collect(default_registry().backends.values())
    assert env["cpu_count"] >= 1
    assert env["python"].count(".") == 2
    assert env["gil_enabled"] in (True, False)
    assert env["clocks"]["perf_counter"]["resolution_s"] > 0
    assert env["perf_counter_ns_step"] >= 1
    assert "concbench" in env["libraries"]
    for module, distribution in (("trio", "trio"), ("uvloop", "uvloop")):
        reason = default_registry().backend(module).unavailable_reason()
        assert (distribution in env["libraries"]) == (reason is None)


def test_the_id_ignores_volatile_fields() -> None:
    env = collect()
    later = {**env, "collected_at": "2030-01-01T00:00:00Z", "load_average": [9.0, 9.0, 9.0]}
    assert environment_id(env) == environment_id(later)
    assert environment_id(env) != environment_id({**env, "kernel": "other"})


def test_an_environment_is_written_once_per_store(tmp_path: Path) -> None:
    store = tmp_path / "r.jsonl"
    env = collect()
    first = write_environment(store, env)
    second = write_environment(store, {**env, "collected_at": "later"})
    assert first == second
    assert len(env_path(store).read_text().splitlines()) == 1
    assert read_environments(env_path(store))[first]["kernel"] == env["kernel"]
    assert json.loads(env_path(store).read_text())["id"] == first
