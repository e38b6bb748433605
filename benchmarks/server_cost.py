"""What the servers concbench starts cost per request: the HTTP server beside the latency server.

A server's CPU time is paid inside every measured run (it shares the machine with the
worker), so it must stay far below a client's. For each server this makes ``--requests``
requests of 0 s from one blocking client and reads the server process's CPU time
(``/proc/<pid>/stat``, user + system) before and after: CPU per request. For the HTTP
server it does so with keep-alive (one connection, ``http.client``) and without
(``Connection: close``, a new connection each time); the latency server's protocol has no
keep-alive. Then it times ``--timed`` requests of 50 ms each from the same client: how late
an answer is, in all (connect to last byte).

    python benchmarks/server_cost.py [--requests 5000] [--timed 100]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from concbench.framework.measure.httpserver import HttpServer
from concbench.framework.measure.ioserver import LatencyServer, check_reply, encode_request

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def raw(address: tuple[str, int], seconds: float) -> None:
    with socket.create_connection(address) as sock:
        sock.sendall(encode_request(seconds))
        check_reply(sock.recv(1))


def http_close(address: tuple[str, int], seconds: float) -> None:
    connection = http.client.HTTPConnection(*address)
    connection.request("GET", f"/?seconds={seconds}", headers={"Connection": "close"})
    connection.getresponse().read()
    connection.close()


class KeepAlive:
    def __init__(self, address: tuple[str, int]) -> None:
        self.connection = http.client.HTTPConnection(*address)

    def __call__(self, address: tuple[str, int], seconds: float) -> None:
        self.connection.request("GET", f"/?seconds={seconds}")
        self.connection.getresponse().read()


def measure(
    name: str,
    pid: int,
    address: tuple[str, int],
    request: Callable[..., None],
    args: argparse.Namespace,
) -> None:
    for _ in range(100):
        request(address, 0.0)  # warm
    before = cpu_s(pid)
    began = time.perf_counter()
    for _ in range(args.requests):
        request(address, 0.0)
    elapsed = time.perf_counter() - began
    used = cpu_s(pid) - before
    times = []
    for _ in range(args.timed):
        start = time.perf_counter()
        request(address, 0.05)
        times.append(time.perf_counter() - start)
    print(
        f"{name:34} server cpu {used / args.requests * 1e6:6.1f} µs/request, "
        f"0 s round trip {elapsed / args.requests * 1e6:6.1f} µs, "
        f"50 ms request: median {statistics.median(times) * 1e3:.2f} ms "
        f"(min {min(times) * 1e3:.2f}, max {max(times) * 1e3:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--timed", type=int, default=100)
    args = parser.parse_args()
    for _ in range(2):
        with LatencyServer.start(16) as latency:
            measure("latency server (new connection)", latency.pid, latency.address, raw, args)
        with HttpServer.start(16) as server:
            measure("http server, keep-alive", server.pid, server.address,
                    KeepAlive(server.address), args)  # fmt: skip
            measure("http server, Connection: close", server.pid, server.address, http_close, args)


if __name__ == "__main__":
    main()
