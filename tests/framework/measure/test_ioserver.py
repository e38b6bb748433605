"""The latency server: a real process, real sockets, real waits."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from concbench.framework.measure.ioserver import (
    FILES_MARGIN,
    REPLY,
    LatencyServer,
    OpenFileLimitError,
    ServerError,
    check_open_files,
    check_reply,
    encode_request,
    ensure_open_files,
    open_files_needed,
)


def timed_request(address: tuple[str, int], seconds: float) -> float:
    began = time.perf_counter()
    with socket.create_connection(address) as sock:
        sock.sendall(encode_request(seconds))
        check_reply(sock.recv(1))
    return time.perf_counter() - began


@pytest.mark.timing
def test_a_request_is_answered_after_its_delay_and_not_before(
    io_address: tuple[str, int],
) -> None:
    for seconds in (0.0, 0.05, 0.1):
        elapsed = timed_request(io_address, seconds)
        assert elapsed >= seconds
        assert elapsed < seconds + 0.5  # generous: a busy 2-core machine


@pytest.mark.timing
def test_the_server_waits_for_many_requests_at_once(io_address: tuple[str, int]) -> None:
    with ThreadPoolExecutor(50) as pool:
        began = time.perf_counter()
        list(pool.map(timed_request, [io_address] * 50, [0.1] * 50))
        elapsed = time.perf_counter() - began
    assert elapsed >= 0.1
    assert elapsed < 0.6 * 50 * 0.1


def test_a_request_sent_in_pieces_is_read_whole(io_address: tuple[str, int]) -> None:
    request = encode_request(0.05)
    began = time.perf_counter()
    with socket.create_connection(io_address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request[:3])
        time.sleep(0.02)
        sock.sendall(request[3:])
        check_reply(sock.recv(1))
    assert time.perf_counter() - began >= 0.07


def test_a_client_that_leaves_early_does_not_disturb_the_others(
    io_address: tuple[str, int],
) -> None:
    for _ in range(20):
        with socket.create_connection(io_address) as sock:
            sock.sendall(encode_request(0.05))  # and close before the answer
    with socket.create_connection(io_address) as sock:
        sock.sendall(encode_request(0.01)[:4])  # half a request, then close
    assert timed_request(io_address, 0.1) >= 0.1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "closed the connection without answering"),
        (b"x", "answered b'x' instead of b'.'"),
    ],
)
def test_a_missing_or_wrong_answer_is_an_error(data: bytes, message: str) -> None:
    check_reply(REPLY)
    with pytest.raises(ConnectionError, match=message):
        check_reply(data)


def test_stop_ends_the_process_and_closes_the_port() -> None:
    server = LatencyServer.start(10)
    assert timed_request(server.address, 0.0) >= 0
    server.stop()
    assert not server.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(server.address, timeout=2)


def test_a_server_that_cannot_start_says_why() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard limit on open files to exceed")
    with pytest.raises(ServerError, match="RLIMIT_NOFILE"):
        LatencyServer.start(hard)  # needs hard + FILES_MARGIN descriptors


def test_the_soft_open_file_limit_is_raised_when_the_hard_one_allows() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1024:
        pytest.skip("hard limit too low to exercise")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        ensure_open_files(1000)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (1000, hard)
        ensure_open_files(500)  # never lowered
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == 1000
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_need_beyond_the_hard_limit_is_refused_naming_the_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard limit on open files to exceed")
    check_open_files(hard, "fits")
    with pytest.raises(OpenFileLimitError, match=rf"the hard limit RLIMIT_NOFILE is {hard}"):
        check_open_files(hard + 1, "scenario 'x'")
    assert open_files_needed(100) == 100 + FILES_MARGIN


def test_ten_thousand_connections_are_open_at_once_and_all_answered() -> None:
    connections = 10_000
    ensure_open_files(open_files_needed(connections))

    async def main(address: tuple[str, int]) -> int:
        connected = 0
        everyone = asyncio.Event()

        async def one() -> None:
            nonlocal connected
            reader, writer = await asyncio.open_connection(*address)
            writer.write(encode_request(0.01))
            connected += 1
            if connected == connections:
                everyone.set()
            await everyone.wait()  # nobody reads or closes until all are connected
            check_reply(await reader.read(1))
            writer.close()
            await writer.wait_closed()

        await asyncio.gather(*(one() for _ in range(connections)))
        return connected

    with LatencyServer.start(connections) as server:
        assert asyncio.run(main(server.address)) == connections


def test_a_ctrl_c_leaves_the_server_to_its_parent() -> None:
    """Ctrl-C reaches the whole process group. Before, the server died of it with a
    KeyboardInterrupt traceback on the terminal in every sweep with an io step; now, like
    a worker, it ignores SIGINT and ends when its parent closes the pipe."""
    server = LatencyServer.start(10)
    try:
        os.kill(server._process.pid, signal.SIGINT)
        time.sleep(0.5)
        assert server.is_alive()
        assert timed_request(server.address, 0.01) >= 0.01
    finally:
        server.stop()
