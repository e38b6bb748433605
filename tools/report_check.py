"""Open an HTML report in headless Chromium and check it the way a reader would see it.

Usage: ``python tools/report_check.py REPORT.html --screenshot OUT.png``

The browser is driven through the Chrome DevTools Protocol over a pipe
(``--remote-debugging-pipe``: commands on file descriptor 3, replies on 4, each a JSON
message ended by a NUL byte), so this needs nothing beyond the standard library and
Debian's ``chromium``, and opens no port. The check fails (exit 1) unless:

- the page loads, with no script exception, no console error and no error in the log
  (a blocked request, such as one refused by the page's Content-Security-Policy, is
  logged as an error);
- every request the page makes stays on ``file:`` or ``data:`` (the report is offline);
- every plot (``figure.plot``) holds an ``<svg>`` drawn with a non-zero width and height,
  and the summary table and the expected plot sections are present;
- the heatmap (``table.heatmap`` in ``#glance``) is there, is the first section of the
  page, has a cell for every backend in every workload row, and no cell is empty
  (a cell with no figure says why: ``skipped``, ``failed``, ``not run``).

It then saves a full-page screenshot.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
WIDTH = 1800
"""Wide enough for the summary tables with their diagnosis and notes columns."""
TIMEOUT_S = 60.0

MEASURE = """
(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const plots = [...document.querySelectorAll('figure.plot')].map((figure) => {
    const svg = figure.querySelector('svg');
    return {section: figure.closest('section')?.id ?? '', size: svg ? box(svg) : null};
  });
  const heatmap = document.querySelector('#glance table.heatmap');
  const heads = heatmap ? heatmap.querySelectorAll('thead th').length - 1 : 0;
  const rows = heatmap ? [...heatmap.querySelectorAll('tbody tr')].map(
    (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())) : [];
  const first = document.querySelector('section');
  return {
    heatmap: heatmap ? {backends: heads, rows, first: first?.id ?? '',
                        size: box(heatmap)} : null,
    title: document.title,
    tables: document.querySelectorAll('#summary table tbody tr').length,
    plots,
    height: document.documentElement.scrollHeight,
  };
})()
"""


class CheckFailed(Exception):
    pass


class DevTools:
    """A minimal CDP client: numbered commands, replies matched by id, events kept."""

    def __init__(self, process: subprocess.Popen[bytes], send_fd: int, receive_fd: int) -> None:
        self.process = process
        self.send_fd = send_fd
        self.receive_fd = receive_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.send_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CheckFailed(f"{method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            self._receive()
            if self.events and self.events[-1].get("method") == method:
                return self.events[-1]

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise CheckFailed("chromium stopped answering (or exited)")
            ready, _, _ = select.select([self.receive_fd], [], [], left)
            if ready:
                chunk = os.read(self.receive_fd, 1 << 20)
                if not chunk:
                    raise CheckFailed("chromium closed the DevTools pipe")
                self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message


def check(report: Path, screenshot: Path, chromium: str, expect: list[str]) -> list[str]:
    """Load ``report``, save ``screenshot``; returns what the page shows, raises on a fault."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    with (
        tempfile.TemporaryDirectory(prefix="concbench-chromium-") as profile,
        open(Path(profile) / "stderr.log", "wb") as log,
    ):
        # the browser reads commands on fd 3 and writes replies on fd 4
        argv = [
            "sh",
            "-c",
            f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}',
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        process = subprocess.Popen(
            argv,
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,  # a file, never a pipe nobody reads: chromium may log a lot
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        tools = DevTools(process, to_browser_w, from_browser_r)
        try:
            return _inspect(tools, report, screenshot, expect)
        finally:
            with contextlib.suppress(CheckFailed, OSError):
                tools.call("Browser.close")
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(to_browser_w)
            os.close(from_browser_r)


def _inspect(tools: DevTools, report: Path, screenshot: Path, expect: list[str]) -> list[str]:
    target = tools.call("Target.createTarget", url="about:blank")["targetId"]
    session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.call(f"{domain}.enable", session)
    tools.call(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=WIDTH,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    navigation = tools.call("Page.navigate", session, url=report.resolve().as_uri())
    if navigation.get("errorText"):
        raise CheckFailed(f"the page did not load: {navigation['errorText']}")
    tools.wait_for("Page.loadEventFired")
    page = tools.call("Runtime.evaluate", session, expression=MEASURE, returnByValue=True)
    measured: dict[str, Any] = page["result"]["value"]

    problems = _problems(tools.events)
    plots = measured["plots"]
    if measured["tables"] == 0:
        problems.append("the summary has no table rows")
    for plot in plots:
        size = plot["size"]
        if size is None or size[0] <= 0 or size[1] <= 0:
            problems.append(f"a plot in section {plot['section']!r} has no size: {size}")
    for section in expect:
        if not any(plot["section"] == section for plot in plots):
            problems.append(f"no plot in section {section!r}")
    problems += _heatmap_problems(measured["heatmap"])
    if problems:
        raise CheckFailed("; ".join(problems))

    height = min(int(measured["height"]), 16000)
    image = tools.call(
        "Page.captureScreenshot",
        session,
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
    )
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(image["data"]))
    by_section: dict[str, int] = {}
    for plot in plots:
        by_section[plot["section"]] = by_section.get(plot["section"], 0) + 1
    heatmap = measured["heatmap"]
    return [
        f"title {measured['title']!r}, {measured['tables']} table rows, page {WIDTH}x{height} px",
        f"heatmap first on the page: {len(heatmap['rows'])} workloads x {heatmap['backends']} "
        "backends, every cell filled",
        "plots: "
        + ", ".join(f"{count} in #{section}" for section, count in by_section.items())
        + "; every one drawn with a size",
        f"{_requests(tools.events)} request(s), all file: or data:; no errors",
    ]


def _heatmap_problems(heatmap: dict[str, Any] | None) -> list[str]:
    """The summary at a glance must be there, first, and whole."""
    if heatmap is None:
        return ["the heatmap (#glance table.heatmap) is missing"]
    problems = []
    if heatmap["first"] != "glance":
        problems.append(f"the heatmap is not the first section (first: {heatmap['first']!r})")
    width, height = heatmap["size"]
    if width <= 0 or height <= 0:
        problems.append(f"the heatmap is not drawn: {width}x{height} px")
    if not heatmap["rows"]:
        problems.append("the heatmap has no workload rows")
    for number, cells in enumerate(heatmap["rows"], 1):
        if len(cells) != heatmap["backends"]:
            problems.append(
                f"heatmap row {number} has {len(cells)} cells for {heatmap['backends']} backends"
            )
        empty = [index + 1 for index, text in enumerate(cells) if not text]
        if empty:
            problems.append(f"heatmap row {number} has empty cells (columns {empty})")
    return problems


def _problems(events: list[dict[str, Any]]) -> list[str]:
    problems = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            problems.append(f"script exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            problems.append(f"console error: {params.get('args')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            problems.append(f"logged error: {params['entry'].get('text')}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file:", "data:")):
                problems.append(f"network request to {url}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"a resource failed to load: {params.get('errorText')}")
    return problems


def _requests(events: list[dict[str, Any]]) -> int:
    return sum(event.get("method") == "Network.requestWillBeSent" for event in events)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument(
        "--expect",
        default="scaling,efficiency,timelines",
        help="sections that must hold at least one plot (comma list; empty for none)",
    )
    args = parser.parse_args()
    if not args.report.is_file():
        print(f"report-check: no such report: {args.report}", file=sys.stderr)
        return 2
    expect = [name for name in args.expect.split(",") if name]
    try:
        lines = check(args.report, args.screenshot, args.chromium, expect)
    except CheckFailed as exc:
        print(f"report-check: FAILED: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(f"report-check: {line}")
    print(f"report-check: passed; screenshot {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
