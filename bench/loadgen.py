"""Load generators, each in its own process(es), loopback only, bounded in time and in requests.

`wrk` (Debian's package) is preferred; `python` is a small multi-process client for machines
without it. Both return requests per second, p50 and p99 latency in milliseconds, the number of
requests and of unexpected statuses.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA_CAP = """
-- Stop this thread after BENCH_MAX_REQUESTS responses: wrk is bounded by -d in time, this bounds
-- it in requests too. Counts responses whose status is not the expected one.
local max = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "200000")
local expected = tonumber(os.getenv("BENCH_EXPECTED_STATUS") or "200")
local count = 0
local unexpected = 0
response = function(status, headers, body)
  count = count + 1
  if status ~= expected then unexpected = unexpected + 1 end
  if count >= max then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  io.write(string.format("bench-unexpected: %d\\n", unexpected))
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise ValueError(f"load generators only target loopback, not {host!r}")


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(
    url: str, *, headers: dict[str, str], duration: float, connections: int, max_requests: int, expected: int
) -> dict[str, Any]:
    _check_loopback(url)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA_CAP)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = {"BENCH_MAX_REQUESTS": str(max_requests), "BENCH_EXPECTED_STATUS": str(expected), "PATH": "/usr/bin:/bin"}
    try:
        done = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 30, env=env)
    finally:
        Path(script.name).unlink(missing_ok=True)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or out.strip()}")
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    nothing = float("nan")  # no request finished within the run: no latency to report
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) if requests else 0.0,
        "p50_ms": _ms(percentiles["50"]) if requests and "50" in percentiles else nothing,
        "p99_ms": _ms(percentiles["99"]) if requests and "99" in percentiles else nothing,
        "requests": requests,
        "unexpected": int(re.search(r"bench-unexpected: (\d+)", out).group(1)),
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def _worker(url: str, headers: dict[str, str], deadline: float, budget: int, expected: int, queue: Any) -> None:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    unexpected = errors = 0
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline and len(latencies) < budget:
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != expected:
                unexpected += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            errors += 1
            conn = None
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    queue.put((latencies, unexpected, errors))


def python(
    url: str, *, headers: dict[str, str], duration: float, connections: int, max_requests: int, expected: int
) -> dict[str, Any]:
    _check_loopback(url)
    queue: Any = multiprocessing.get_context("spawn").Queue()
    started = time.monotonic()
    deadline = started + duration
    budget = max(1, max_requests // connections)
    workers = [
        multiprocessing.get_context("spawn").Process(target=_worker, args=(url, headers, deadline, budget, expected, queue))
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=duration + 30) for _ in workers]
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join(timeout=5)
    latencies = sorted(x for result in results for x in result[0])
    if not latencies:
        raise RuntimeError("no request succeeded")
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "requests": len(latencies),
        "unexpected": sum(result[1] for result in results),
        "socket_errors": sum(result[2] for result in results),
    }


def pick(name: str) -> str:
    """`auto` means wrk when installed, else the Python client."""
    if name == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return name


GENERATORS = {"wrk": wrk, "python": python}
