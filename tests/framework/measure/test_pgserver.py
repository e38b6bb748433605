"""concbench's own PostgreSQL server: a real cluster from the machine's installation."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from concbench.framework.measure import pgserver
from concbench.framework.measure.ioserver import ServerError
from concbench.framework.measure.pgserver import PostgresServer

BINARIES = pgserver.find_binaries()
needs_postgres = pytest.mark.skipif(
    BINARIES is None, reason="PostgreSQL is not installed here (apt-get install postgresql)"
)


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    if BINARIES is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    with PostgresServer.start(20) as running:
        yield running


def psql(server: PostgresServer, sql: str) -> str:
    """A query through the installation's own psql, as the cluster's user."""
    assert BINARIES is not None
    info = server.info
    result = subprocess.run(
        [str(BINARIES / "psql"), "-X", "-A", "-t", "-h", info["host"], "-p", str(info["port"]),
         "-U", info["user"], "-d", info["dbname"], "-c", sql],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return result.stdout.strip()


def owner_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


@needs_postgres
def test_the_cluster_answers_and_has_the_lookup_table(server: PostgresServer) -> None:
    assert psql(server, "SELECT count(*) FROM items") == str(pgserver.LOOKUP_ROWS)
    assert (
        psql(server, "SELECT value FROM items WHERE id = 7") == "8f14e45fceea167a5a36dedd4bea2543"
    )
    assert int(psql(server, "SHOW max_connections")) >= 20


@needs_postgres
def test_it_listens_on_a_socket_in_its_own_directory_and_on_no_port(
    server: PostgresServer,
) -> None:
    directory = Path(server.info["host"])
    assert (directory / f".s.PGSQL.{server.info['port']}").is_socket()
    assert psql(server, "SHOW listen_addresses") == ""
    assert server.info["dsn"].startswith("postgresql://concbench@/postgres?host=")


@needs_postgres
def test_it_never_runs_as_root(server: PostgresServer) -> None:
    uid = owner_uid(server.pid)
    assert uid != 0
    if os.geteuid() != 0:
        assert uid == os.geteuid()  # not root: it runs as whoever runs concbench


@needs_postgres
def test_stop_ends_the_server_and_removes_its_cluster() -> None:
    running = PostgresServer.start(5)
    directory, pid = Path(running.info["host"]), running.pid
    assert directory.is_dir()
    running.stop()
    assert not directory.exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_without_postgresql_there_is_a_reason_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pgserver.BIN_VARIABLE, str(tmp_path))  # a real, empty directory
    assert pgserver.find_binaries() is None
    reason = pgserver.unavailable_reason()
    assert reason is not None
    assert f"{pgserver.BIN_VARIABLE}={tmp_path}" in reason
    assert reason.endswith("apt-get install postgresql")
    with pytest.raises(ServerError, match="apt-get install postgresql"):
        PostgresServer.start(5)


@needs_postgres
def test_the_binaries_can_be_named_by_their_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BINARIES is not None
    monkeypatch.setenv(pgserver.BIN_VARIABLE, str(BINARIES))
    assert pgserver.find_binaries() == BINARIES
    assert pgserver.unavailable_reason() is None
