"""One run of a backend outside the runner: for plugin tests and the pytest plugin.

:func:`run` is what a test needs: the backend's trace for a workload, already checked
against the contract. A backend that changes process-wide state (``own_process``, such as
gevent's monkey-patching) runs in a fresh spawned process, so it can never patch the test
process itself; every other backend runs in the calling process, where a debugger can
follow it.
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from .framework import Backend, ConcbenchError, Recorder, StepKind, Trace, Workload, calibrate
from .framework.model.calls import bind

__all__ = ["IsolatedRunError", "run"]

_LIMIT_S = 300.0
"""How long a fresh process may take for one run, start-up included, before it is killed."""


class IsolatedRunError(ConcbenchError, RuntimeError):
    """A run in a fresh process that raised something that cannot cross back, or died."""


def run(backend_cls: type[Backend], workload: Workload, **options: Any) -> Trace:
    """Run ``workload`` once on ``backend_cls`` with ``options`` and return the checked trace.

    Raises what the backend raised, or :class:`concbench.framework.ContractError` for a
    trace that breaks the contract.
    """
    if backend_cls.own_process:
        return _in_fresh_process(backend_cls, workload, options)
    return _here(backend_cls, workload, options)


def _here(backend_cls: type[Backend], workload: Workload, options: Mapping[str, Any]) -> Trace:
    if StepKind.CPU in workload.kinds:
        calibrate()  # as the worker does: never inside the timed run
    backend = backend_cls(**options)
    # each call's variant for this backend, as the worker chooses it (a call's nominal
    # duration stays as built: solo times are the runner's, measure/solo.py)
    workload = bind(workload, backend_cls.call_variants(backend.config))
    try:
        recorder = Recorder(workload)
        backend.execute(workload, recorder)
    finally:
        backend.close()
    trace = recorder.trace()
    trace.check(workload)
    return trace


def _child(
    conn: Connection, backend_cls: type[Backend], workload: Workload, options: dict[str, Any]
) -> None:
    try:
        backend_cls.prepare_process()
        conn.send(("trace", _here(backend_cls, workload, options)))
    except BaseException as exc:
        try:
            conn.send(("error", pickle.loads(pickle.dumps(exc))))
        except Exception:  # an exception that does not pickle still comes back as text
            conn.send(("error", IsolatedRunError(traceback.format_exc())))


def _in_fresh_process(
    backend_cls: type[Backend], workload: Workload, options: Mapping[str, Any]
) -> Trace:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, backend_cls, workload, dict(options)))
    child.start()
    sender.close()
    try:
        if not receiver.poll(_LIMIT_S):
            raise IsolatedRunError(f"{backend_cls.name}: no result within {_LIMIT_S:g} s")
        try:
            kind, value = receiver.recv()
        except EOFError:
            child.join()
            raise IsolatedRunError(
                f"{backend_cls.name}: the process died with exit code {child.exitcode}"
            ) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if kind == "error":
        raise value
    trace: Trace = value
    return trace
