"""A PostgreSQL server of concbench's own, for the ``postgres`` scenario's real drivers.

A driver is measured against a server that nothing else uses, on this machine, started
outside the measured region: like the latency server, one per job, started before its
first worker and stopped after its last. It comes from the machine's installation
(``initdb``, ``postgres``, ``psql``) and lives in a temporary directory: ``initdb`` makes
a fresh cluster there, the server listens only on a Unix socket in that directory (no TCP
port, so it cannot clash with another server), and everything is removed at the end. It
never touches a cluster it did not create: it signals only the process it started.

PostgreSQL refuses to run as root, so when concbench runs as root the cluster belongs to
the ``postgres`` system user (Debian's package creates it), else to ``nobody``; the
directory is handed to that user. The cluster trades durability for speed (``fsync``
off): the data is thrown away anyway, and a driver's cost is what is measured.

A guardian process (spawn context, like the latency server) owns the server: it starts
it, reports how to connect, and stops it when its pipe to the parent closes, so the
server also goes away when concbench is killed.

Where the binaries are: the directory in ``CONCBENCH_POSTGRES_BIN`` if that is set (and
only there), else the directory of ``initdb`` on ``PATH``, else the newest
``/usr/lib/postgresql/*/bin`` (where Debian puts them, off ``PATH``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .interrupt import sigint_blocked
from .ioserver import ServerError

__all__ = [
    "BIN_VARIABLE",
    "INSTALL_HINT",
    "LOOKUP_ROWS",
    "PostgresServer",
    "find_binaries",
    "unavailable_reason",
]

BIN_VARIABLE = "CONCBENCH_POSTGRES_BIN"
INSTALL_HINT = "apt-get install postgresql"
LOOKUP_ROWS = 10_000
"""Rows of the table ``items(id integer primary key, value text)`` made for lookups."""
USER = "concbench"
"""The cluster's superuser, whom the drivers connect as (trust authentication)."""
DATABASE = "postgres"
PORT = 5432
"""Names the socket file (``.s.PGSQL.5432``) in the private directory; no TCP port."""
_NEEDED = ("initdb", "postgres", "psql")
_DEBIAN = Path("/usr/lib/postgresql")
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0
_EXTRA_CONNECTIONS = 10
"""Connections besides the drivers' pools: psql's set-up, and a margin for a pool that
opens its next connection before the last one is gone."""


def find_binaries() -> Path | None:
    """The directory holding ``initdb``, ``postgres`` and ``psql``, or ``None``."""
    given = os.environ.get(BIN_VARIABLE)
    if given is not None:
        candidates = [Path(given)]
    else:
        on_path = shutil.which("initdb")
        candidates = [Path(on_path).resolve().parent] if on_path else []
        versions = sorted(_DEBIAN.glob("*/bin"), key=_version, reverse=True)
        candidates += versions
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in _NEEDED):
            return directory
    return None


def _version(path: Path) -> tuple[int, ...]:
    digits = path.parent.name.split(".")
    return tuple(int(part) for part in digits if part.isdigit())


def unavailable_reason() -> str | None:
    """Why no server can be started here, with the fix; ``None`` when one can."""
    if find_binaries() is not None:
        return None
    where = (
        f"{BIN_VARIABLE}={os.environ[BIN_VARIABLE]}"
        if BIN_VARIABLE in os.environ
        else "PATH or /usr/lib/postgresql/*/bin"
    )
    return f"PostgreSQL is not installed (no initdb, postgres and psql in {where}): {INSTALL_HINT}"


class PostgresServer:
    """A running cluster: :meth:`start` it, connect with :attr:`info`, then :meth:`stop`."""

    def __init__(self, process: Any, conn: Connection, info: dict[str, Any]) -> None:
        self._process = process
        self._conn = conn
        self.info = info
        """How to connect: ``host`` (the socket's directory), ``port``, ``user``,
        ``dbname``, ``dsn`` (a libpq URI), plus ``pid`` (the postmaster's) and
        ``version``."""

    @classmethod
    def start(cls, connections: int, timeout_s: float = _START_TIMEOUT_S) -> PostgresServer:
        """Start a cluster that admits ``connections`` clients; raises ServerError."""
        binaries = find_binaries()
        if binaries is None:
            raise ServerError(unavailable_reason() or "PostgreSQL is not installed")
        context = multiprocessing.get_context("spawn")
        conn, child_conn = context.Pipe()
        process = context.Process(
            target=_guard,
            args=(child_conn, str(binaries), connections),
            name="concbench-postgres",
        )
        process.daemon = True  # it starts the server with subprocess, not multiprocessing
        with sigint_blocked():
            process.start()
        child_conn.close()
        server = cls(process, conn, {})
        try:
            if not conn.poll(timeout_s):
                raise ServerError(f"PostgreSQL did not start within {timeout_s:g} s")
            message = conn.recv()
        except (EOFError, OSError):
            server.stop()
            raise ServerError(f"its guardian exited with code {process.exitcode}") from None
        except ServerError:
            server.stop()
            raise
        if "error" in message:
            server.stop()
            raise ServerError(message["error"])
        server.info = message
        return server

    @property
    def pid(self) -> int:
        """The postmaster's process id."""
        return int(self.info["pid"])

    def is_alive(self) -> bool:
        return bool(self._process.is_alive())

    def stop(self) -> None:
        """Close the pipe: the guardian stops the server, removes the cluster and exits."""
        self._conn.close()
        self._process.join(_STOP_TIMEOUT_S + 5)
        if self._process.is_alive():
            self._process.terminate()  # the guardian's SIGTERM handler still stops the server
            self._process.join(_STOP_TIMEOUT_S + 2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _owner() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: ``None`` when not root (it runs as we do)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise ServerError("running as root, and neither a `postgres` nor a `nobody` user exists")


def _guard(conn: Connection, binaries: str, connections: int) -> None:
    """The guardian process: start the cluster, report, wait for the pipe to close, stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: conn.close())  # end the wait below, then stop
    cluster: _Cluster | None = None
    try:
        try:
            cluster = _Cluster(Path(binaries), connections)
            conn.send(cluster.start())
        except Exception as exc:
            text = str(exc) if isinstance(exc, ServerError) else traceback.format_exc(limit=-3)
            conn.send({"error": text.strip()})
            return
        with contextlib.suppress(EOFError, OSError):
            conn.recv()  # nothing is ever sent: this returns when the parent closes or dies
    finally:
        if cluster is not None:
            cluster.stop()


class _Cluster:
    """One temporary cluster: initdb, the postmaster, the lookup table; then all gone."""

    def __init__(self, binaries: Path, connections: int) -> None:
        self.binaries = binaries
        self.connections = connections
        self.owner = _owner()
        self.directory = Path(tempfile.mkdtemp(prefix="concbench-pg-"))
        self.postmaster: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            args, capture_output=True, cwd=self.directory, **self._as_owner(), check=False
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace").strip()
            raise ServerError(f"{Path(args[0]).name} failed ({result.returncode}): {output}")

    def _as_owner(self) -> dict[str, Any]:
        if self.owner is None:
            return {}
        return {"user": self.owner[0], "group": self.owner[1], "extra_groups": []}

    def start(self) -> dict[str, Any]:
        if self.owner is not None:
            os.chown(self.directory, *self.owner)
        data = self.directory / "data"
        self._run(
            str(self.binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
            "--no-sync", "--no-locale", "-E", "UTF8",
        )  # fmt: skip
        log = open(self.directory / "server.log", "wb")  # noqa: SIM115 - the server keeps it
        settings = {
            "listen_addresses": "",
            "unix_socket_directories": str(self.directory),
            "port": str(PORT),
            "max_connections": str(self.connections + _EXTRA_CONNECTIONS),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "16MB",
            "dynamic_shared_memory_type": "mmap",
        }
        options = [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
        self.postmaster = subprocess.Popen(
            [str(self.binaries / "postgres"), "-D", str(data), *options],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.directory,
            start_new_session=True, **self._as_owner(),
        )  # fmt: skip
        log.close()
        self._wait_ready(data)
        self._run(
            str(self.binaries / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.directory), "-p", str(PORT), "-U", USER, "-d", DATABASE, "-c",
            "CREATE TABLE items (id integer PRIMARY KEY, value text NOT NULL); "
            f"INSERT INTO items SELECT i, md5(i::text) FROM generate_series(1, {LOOKUP_ROWS}) i; "
            "ANALYZE items;",
        )  # fmt: skip
        host = str(self.directory)
        return {
            "host": host,
            "port": PORT,
            "user": USER,
            "dbname": DATABASE,
            "dsn": f"postgresql://{USER}@/{DATABASE}?host={host}&port={PORT}",
            "pid": self.postmaster.pid,
            "version": (data / "PG_VERSION").read_text().strip(),
            "rows": LOOKUP_ROWS,
        }

    def _wait_ready(self, data: Path) -> None:
        """Until ``postmaster.pid`` says ``ready`` (its 8th line), or the server exits."""
        assert self.postmaster is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.postmaster.poll() is not None:
                raise ServerError(f"postgres exited with code {self.postmaster.returncode}: "
                                  + self._log_tail())  # fmt: skip
            with contextlib.suppress(OSError):
                lines = (data / "postmaster.pid").read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            time.sleep(0.02)
        raise ServerError("postgres did not become ready: " + self._log_tail())

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.directory / "server.log").read_text(errors="replace")[-2000:].strip()
        return "(no log)"

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; remove the files."""
        process = self.postmaster
        if process is not None and process.poll() is None:
            for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
                process.send_signal(sig)
                try:
                    process.wait(_STOP_TIMEOUT_S / 2)
                    break
                except subprocess.TimeoutExpired:
                    continue
        shutil.rmtree(self.directory, ignore_errors=True)
