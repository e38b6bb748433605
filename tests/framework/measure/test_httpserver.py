"""The HTTP server: a real process, real sockets, real clients, real waits."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from concbench.framework.measure.httpserver import HttpServer, parse_head, response


@pytest.fixture(scope="module")
def server() -> Iterator[HttpServer]:
    with HttpServer.start(100) as running:
        yield running


def get(server: HttpServer, seconds: float, headers: dict[str, str] | None = None) -> float:
    """One request on a new connection; its time."""
    connection = http.client.HTTPConnection(*server.address)
    began = time.perf_counter()
    connection.request("GET", f"/?seconds={seconds}", headers=headers or {})
    answer = connection.getresponse()
    assert (answer.status, answer.read()) == (200, b"ok")
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def exchange(sock: socket.socket, data: bytes, expect: int) -> bytes:
    """Send ``data``, read until ``expect`` bytes (or the close) have arrived."""
    sock.sendall(data)
    received = b""
    while len(received) < expect:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


@pytest.mark.timing
def test_an_answer_comes_after_its_delay_and_not_before(server: HttpServer) -> None:
    for seconds in (0.0, 0.05, 0.1):
        elapsed = get(server, seconds)
        assert seconds <= elapsed < seconds + 0.5  # generous: a busy 2-core machine


@pytest.mark.timing
def test_many_requests_wait_at_once(server: HttpServer) -> None:
    with ThreadPoolExecutor(40) as pool:
        began = time.perf_counter()
        list(pool.map(lambda _: get(server, 0.1), range(40)))
        elapsed = time.perf_counter() - began
    assert 0.1 <= elapsed < 0.5 * 40 * 0.1


def test_a_kept_alive_connection_answers_request_after_request(server: HttpServer) -> None:
    with socket.create_connection(server.address) as sock:
        for _ in range(3):
            head = b"GET /?seconds=0.01 HTTP/1.1\r\nHost: x\r\n\r\n"
            assert exchange(sock, head, len(response(True))) == response(True)


def test_pipelined_requests_are_answered_in_order(server: HttpServer) -> None:
    heads = b"".join(f"GET /?seconds={s} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for s in (0.05, 0.0))
    with socket.create_connection(server.address) as sock:
        began = time.perf_counter()
        assert exchange(sock, heads, 2 * len(response(True))) == 2 * response(True)
        assert time.perf_counter() - began >= 0.05  # the second waited for the first


def test_connection_close_is_answered_in_kind_and_the_server_then_resets(
    server: HttpServer,
) -> None:
    with socket.create_connection(server.address) as sock:
        head = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        assert exchange(sock, head, len(response(False))) == response(False)
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")  # ignored: the connection is closing
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    assert get(server, 0.0) < 0.5  # and the server serves on


def test_a_malformed_request_gets_400_and_the_server_serves_on(server: HttpServer) -> None:
    with socket.create_connection(server.address) as sock:
        answer = exchange(sock, b"NONSENSE\r\n\r\n", 12)
    assert answer.startswith(b"HTTP/1.1 400 ")
    with socket.create_connection(server.address) as sock:
        answer = exchange(sock, b"GET /?seconds=-1 HTTP/1.1\r\n\r\n", 12)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert get(server, 0.0) < 0.5


def test_a_client_that_leaves_before_its_answer_does_not_disturb_the_others(
    server: HttpServer,
) -> None:
    for _ in range(20):
        with socket.create_connection(server.address) as sock:
            sock.sendall(b"GET /?seconds=0.05 HTTP/1.1\r\n\r\n")
    with socket.create_connection(server.address) as sock:
        sock.sendall(b"GET /?seconds=0.01 HT")  # half a head, then close
    assert get(server, 0.1) >= 0.1


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"GET / HTTP/1.1", (0.0, True)),
        (b"GET /x?seconds=0.25 HTTP/1.1\r\nHost: a", (0.25, True)),
        (b"GET / HTTP/1.1\r\nconnection: Close", (0.0, False)),
        (b"GET / HTTP/1.0", (0.0, False)),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive", (0.0, True)),
    ],
)
def test_heads_are_read_for_their_delay_and_keep_alive(
    head: bytes, expected: tuple[float, bool]
) -> None:
    assert parse_head(head) == expected


@pytest.mark.parametrize(
    "head", [b"GET /", b"GET / SPDY/3", b"GET /?seconds=nan HTTP/1.1", b"GET /?seconds=x HTTP/1.1"]
)
def test_heads_it_does_not_answer_are_refused(head: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError: the server answers 400
        parse_head(head)


def test_stop_ends_the_server_process() -> None:
    running = HttpServer.start(4)
    assert running.is_alive()
    assert get(running, 0.0) < 0.5
    running.stop()
    assert not running.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(running.address, timeout=1).close()
