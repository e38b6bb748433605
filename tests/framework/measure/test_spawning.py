"""Starting a worker costs an interpreter, not the parent's main module too."""

from __future__ import annotations

import multiprocessing.spawn
import sys

from concbench.framework.measure.spawning import death_message, main_script_hidden


def test_workers_do_not_import_the_command_line_as_their_main_module() -> None:
    """A fresh worker would otherwise run the parent's main module (this CLI, or pytest)
    before its target: imports that measure nothing, once per process of every job."""
    main = sys.modules["__main__"]
    before = dict(vars(main))
    with main_script_hidden():
        data = multiprocessing.spawn.get_preparation_data("worker")
        assert "init_main_from_path" not in data
        assert "init_main_from_name" not in data
    assert {name: vars(main).get(name) for name in ("__file__", "__spec__")} == {
        name: before.get(name) for name in ("__file__", "__spec__")
    }


def test_a_dead_worker_is_described_by_the_signal_that_killed_it() -> None:
    assert death_message(-9) == "worker process was killed by SIGKILL"
    assert death_message(-999) == "worker process was killed by signal 999"
    assert death_message(3) == "worker process exited with code 3 without reporting"
