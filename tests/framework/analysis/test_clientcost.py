"""A client's cost per request, read against the raw io row of the same backend."""

from __future__ import annotations

import pytest
from rich.console import Console

from concbench.framework.analysis.clientcost import client_costs
from concbench.framework.reports.markdown import markdown_report
from concbench.framework.reports.terminal_tables import render_records
from concbench.framework.store.records import RunRecord, Status


def record(client: str, backend: str, wall_s: float, cpu_s: float, **params: object) -> RunRecord:
    return RunRecord(
        scenario="http",
        params={"tasks": 100, "seconds": 0.05, "client": client, "calls": 2, **params},
        backend=backend,
        status=Status.OK,
        tasks=100,
        serial_s=10.0,
        ideal_s=0.1,
        steps=200,
        python="3.11.7",
        wall_s=wall_s,
        cpu_s=cpu_s,
        solo_s={} if client == "raw" else {f"{client} GET": 0.0512},
    )


def test_each_client_row_is_set_beside_the_raw_row_of_its_backend() -> None:
    records = [
        record("raw", "asyncio", 0.120, 0.020),
        record("raw", "trio", 0.140, 0.030),
        record("httpx", "asyncio", 0.220, 0.060),
        record("httpx", "trio", 0.300, 0.070),
        record("aiohttp", "asyncio", 0.130, 0.024),
    ]
    costs = {(c.backend, c.client): c for c in client_costs(records)}
    assert set(costs) == {("asyncio", "httpx"), ("trio", "httpx"), ("asyncio", "aiohttp")}
    httpx = costs["asyncio", "httpx"]
    assert httpx.requests == 200
    assert httpx.wall_s == pytest.approx(0.220 / 200)
    assert httpx.extra_wall_s == pytest.approx((0.220 - 0.120) / 200)  # against asyncio's raw
    assert httpx.extra_cpu_s == pytest.approx((0.060 - 0.020) / 200)
    assert httpx.solo_s == pytest.approx(0.0512)
    assert costs["trio", "httpx"].extra_wall_s == pytest.approx((0.300 - 0.140) / 200)
    console = Console(record=True, width=250)
    render_records(records, console)
    text = console.export_text()
    assert "client cost per request, beside the raw io step" in text
    assert "+500.00 µs" in text  # httpx on asyncio: 100 ms more over 200 requests


def test_raw_rows_of_another_workload_are_not_used() -> None:
    records = [record("raw", "asyncio", 0.120, 0.02, keepalive=True),
               record("httpx", "asyncio", 0.2, 0.06, keepalive=False)]  # fmt: skip
    [cost] = client_costs(records)
    assert cost.raw_wall_s is None
    assert cost.extra_wall_s is None


def test_workloads_without_a_client_parameter_get_no_comparison() -> None:
    plain = RunRecord(scenario="fanout", params={"tasks": 10}, backend="asyncio",
                      status=Status.OK, tasks=10, serial_s=1, ideal_s=0.1, wall_s=0.11,
                      python="3.11.7")  # fmt: skip
    assert client_costs([plain]) == []
    console = Console(record=True, width=200)
    render_records([plain], console)
    assert "client cost" not in console.export_text()


def test_the_markdown_report_has_the_client_cost_table_too() -> None:
    records = [record("raw", "asyncio", 0.120, 0.020), record("httpx", "asyncio", 0.220, 0.06)]
    text = markdown_report(records)
    assert "### client cost per request, beside the raw io step" in text
    assert "| asyncio | httpx | 200 | 1.10 ms | +500.00 µs |" in text
