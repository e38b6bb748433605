"""The parent's side of one worker process: start it, read its runs, turn a fault into a record.

A job's fault must never stop the sweep, and a run once measured must never be lost, so
every way a worker can end becomes a record the moment it is known: a run as soon as its
message arrives, a hang past the time limit as ``timeout`` (the worker killed, with its
last output), a dead worker as ``crashed`` (with the signal's name), a broken message or
a raise as ``failed``. A disturbed run that the worker ran again arrives flagged as a
retry: it is stored, but neither counted nor told to the observer, and the run index
stays for its replacement.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from ..store.records import SchemaError, Status
from . import instructions
from .interrupt import Interruptions, sigint_blocked
from .job import Job
from .keeper import Keeper
from .measured import measured_record
from .protocol import Closed, Garbled, receive
from .served import Served
from .settings import RunSettings
from .spawning import Worker, death_message, main_script_hidden, spawned_under, stop_worker
from .sweep import Sweep
from .worker import WorkerRequest, worker_main

__all__ = ["STARTUP_S", "WorkerLauncher"]

STARTUP_S = 60.0
"""Time a worker may take to import, build the workload and calibrate before its first run."""


@dataclass(frozen=True)
class WorkerLauncher:
    """Runs worker processes for one sweep, each with the sweep's settings and records."""

    settings: RunSettings
    keeper: Keeper
    signals: Interruptions
    sweep: Sweep
    traces_path: str = ""
    """Where workers append their first runs' full traces; empty: nowhere."""
    calibration_rate: float | None = None

    def run(self, job: Job, process: int, runs: Sequence[int], served: Served) -> bool:
        """Run one worker to completion; False when it ended in a fault."""
        context = multiprocessing.get_context("spawn")  # fresh interpreter, no inherited state
        receiver, sender = context.Pipe(duplex=False)
        log_fd, log_path = tempfile.mkstemp(prefix="concbench-worker-", suffix=".log")
        os.close(log_fd)
        counts = self._counting_directory()
        request = WorkerRequest(
            scenario=job.scenario,
            scenario_ref=job.scenario_ref,
            params=dict(job.params),
            backend=job.backend,
            backend_ref=job.backend_ref,
            options=dict(job.options),
            warmup=self.settings.warmup,
            repeat=len(runs),
            keep_traces=self.settings.keep_traces,
            traces_path=self.traces_path,
            io_address=served.io_address,
            endpoints=served.endpoints,
            log_path=log_path,
            calibration_rate=self.calibration_rate,
            helper_pids=served.helpers,
            retries_disturbed=0
            if self.settings.disturbance_ignored
            else self.settings.retries_disturbed,
            instructions_dir=counts,
        )
        seq = self.sweep.take_seq()
        # not a daemon: a backend may start processes of its own; stop_worker() ends it
        child = context.Process(target=worker_main, args=(sender, request))
        worker = Worker(child, receiver, log_path)
        try:
            with sigint_blocked(), main_script_hidden(), spawned_under(counts):
                worker.process.start()
            sender.close()
            return self._collect(job, process, runs, worker, seq=seq)
        finally:
            receiver.close()
            stop_worker(worker.process)
            os.unlink(log_path)
            if counts:
                instructions.remove_counts(counts)

    def _counting_directory(self) -> str:
        """Where an instruction-mode worker counts; empty when runs are timed."""
        if self.settings.measure != instructions.INSTRUCTIONS:
            return ""
        return instructions.counting_directory()

    def _collect(
        self, job: Job, process: int, runs: Sequence[int], worker: Worker, *, seq: int
    ) -> bool:
        """Store each run the worker reports until it is done; False on a fault, which is
        stored against the run it stopped (the first one when it never started)."""
        settings = self.settings
        slowdown = settings.slowdown
        limit = (STARTUP_S + settings.timeout_s) * slowdown
        done = 0  # counted runs received; the next one is runs[done]

        def fault(status: Status, error: str) -> bool:
            run = runs[done] if done < len(runs) else runs[-1] + 1
            record = job.record(status, run=run, process=process, error=error, seq=seq)
            self.keeper.keep(record)
            return False

        while True:
            if not self.signals.wait(worker.receiver, limit):
                stop_worker(worker.process)
                return fault(
                    Status.TIMEOUT,
                    f"run exceeded the time limit of {settings.timeout_s:g} s "
                    + ("" if slowdown == 1 else f"x {slowdown} under callgrind ")
                    + "(raise it with --timeout)"
                    + worker.tail("where the worker was"),
                )
            message = receive(worker.receiver)
            if isinstance(message, Closed):
                stop_worker(worker.process)
                return fault(Status.CRASHED, death_message(worker.process.exitcode) + worker.tail())
            if isinstance(message, Garbled):
                return fault(Status.FAILED, f"the worker broke the protocol: {message.reason}")
            limit = settings.timeout_s * slowdown
            event = message["event"]
            if event == "run" and not message.get("warmup"):
                retry = bool(message.get("retry"))
                try:
                    measured = message["measurement"]
                    record = measured_record(
                        job,
                        process,
                        runs[done],
                        measured,
                        keep_disturbed=settings.disturbance_ignored,
                        seq=seq,
                        retry=retry,
                    )
                except (IndexError, KeyError, SchemaError, TypeError) as exc:
                    return fault(Status.FAILED, f"the worker broke the protocol: {exc}")
                self.keeper.keep(record, planned=not retry)
                done += 0 if retry else 1
            elif event == "failed":
                phase = " (during warm-up)" if message.get("warmup") else ""
                return fault(Status.FAILED, message["error"] + phase)
            elif event == "done":
                return True
