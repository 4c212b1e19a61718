"""Read benchmarks: the catalog endpoints under gunicorn on 127.0.0.1, against the trivial view.

The server is `gunicorn gatewayz_site.wsgi` with 2 sync workers and `bench.settings` (the product's
settings plus `/bench/baseline`). It runs twice: with the response cache as configured (warm:
every endpoint is requested before it is measured) and with a cache whose reads always miss
(cold). The load generator is another process. A missing endpoint (404 or no answer) is recorded
as missing, with its status, and the run goes on.
"""

from __future__ import annotations

import math
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.common import PYTHON, ROOT, VAR, child_env, wait_for
from bench.loadgen import GENERATORS


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    label: str
    path: str
    revalidate: bool = False  # send If-None-Match with the ETag of a first request; expect 304


def endpoints(*, largest_gateway: str, detail_id: str, past_at: str | None = None) -> list[Endpoint]:
    """The reads measured. `past_at`: an instant before the load's last publish (`bench/load.py`),
    for the `at=` read; without one that read is left out."""
    listing = "/catalog/v1/models?gateway=all&limit=50"
    past = (
        [Endpoint("past", f"`gateway=all&limit=50&at=` before the last publish (`{past_at}`)", f"{listing}&at={quote(past_at)}")]
        if past_at
        else []
    )
    return [
        Endpoint("list", "`gateway=all&limit=50`", listing),
        Endpoint("list1000", "`gateway=all&limit=1000`", "/catalog/v1/models?gateway=all&limit=1000"),
        Endpoint("openrouter", "`gateway=openrouter`, the whole list", "/catalog/v1/models?gateway=openrouter&limit=1000"),
        Endpoint(
            "filtered",
            "filtered + sorted (`q`, `output_modalities`, `supported_parameters`, `sort=prompt_price`)",
            "/catalog/v1/models?gateway=all&q=llama&output_modalities=text&supported_parameters=tools&sort=prompt_price&limit=50",
        ),
        Endpoint(
            "gateway",
            f"one full gateway, `gateway={largest_gateway}&limit=1000`",
            f"/catalog/v1/models?gateway={largest_gateway}&limit=1000",
        ),
        Endpoint("detail", f"model detail `{detail_id}`", f"/catalog/v1/models/{quote(detail_id, safe='/:')}"),
        Endpoint("openai", "`/v1/models`", "/v1/models"),
        Endpoint(
            "cost",
            "workload cost over all models, `cost?input_tokens=1000&output_tokens=500&limit=50`",
            # A fixed `at` in the future: today's catalog, one cache key for the whole run (without
            # `at` the key changes every minute; a past `at` reads the history, another figure).
            "/catalog/v1/cost?input_tokens=1000&output_tokens=500&limit=50&at=2099-01-01T12:00:00Z",
        ),
        *past,
        Endpoint("revalidate", "`If-None-Match` revalidation of `gateway=all&limit=50`", listing, revalidate=True),
    ]


@dataclass(slots=True)
class Probe:
    status: int
    size: int
    etag: str | None
    error: str = ""
    seconds: float = 0.0


def probe(base: str, path: str, headers: dict[str, str] | None = None) -> Probe:
    request = urllib.request.Request(base + path, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            return Probe(response.status, len(body), response.headers.get("ETag"), seconds=time.perf_counter() - started)
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return Probe(exc.code, len(body), exc.headers.get("ETag"), error=f"HTTP {exc.code}")
    except OSError as exc:
        return Probe(0, 0, None, error=f"no answer ({exc.__class__.__name__})")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start(database_url: str, *, port: int, cache: str, workers: int) -> Server:
    log = VAR / f"gunicorn-{cache}.log"
    env = child_env(database_url, BENCH_RESPONSE_CACHE=cache)
    command = [
        PYTHON, "-m", "gunicorn", "gatewayz_site.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--timeout", "60", "--error-logfile", str(log), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", process, log)

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        return probe(server.url, "/healthz").status == 200

    wait_for(up, timeout=60, what="gunicorn")
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@dataclass
class Plan:
    duration: float
    warmup: int  # requests sent before each measurement (fills the cache of both workers)
    repeats: int
    connections: int
    max_requests: int
    loadgen: str
    results: dict[str, Any] = field(default_factory=dict)


def _load(plan: Plan, url: str, headers: dict[str, str], expected: int, entry: dict[str, Any]) -> dict[str, Any]:
    generate = GENERATORS[plan.loadgen]
    return generate(
        url,
        headers=headers,
        duration=entry["duration"],
        connections=entry["connections"],
        max_requests=plan.max_requests,
        expected=expected,
    )


def _warm(url: str, headers: dict[str, str], count: int) -> None:
    for _ in range(count):
        probe(url, "", headers)


def measure(server: Server, plan: Plan, points: list[Endpoint], *, cache: str, with_baseline: bool) -> dict[str, Any]:
    """`repeats` rounds; in each, every endpoint (and its baseline right before it)."""
    out: dict[str, Any] = {}
    for point in points:
        first = probe(server.url, point.path)
        headers: dict[str, str] = {}
        expected = 200
        size = first.size
        if first.status == 200 and point.revalidate:
            if not first.etag:
                out[point.name] = {"missing": True, "error": "no ETag on the response: nothing to revalidate"}
                continue
            headers = {"If-None-Match": first.etag}
            again = probe(server.url, point.path, headers)
            if again.status != 304:
                out[point.name] = {"missing": True, "error": f"If-None-Match answered {again.status or again.error}, not 304"}
                continue
            expected, size = 304, again.size
        elif first.status != 200:
            out[point.name] = {"missing": True, "error": first.error or f"HTTP {first.status}"}
            continue
        # A slow endpoint (a whole catalog in one answer) gets a run long enough for a few requests.
        duration = min(5 * plan.duration, 10, max(plan.duration, math.ceil(first.seconds * 4)))
        # ... and one connection per worker, so that requests do not queue behind each other for longer than a run.
        connections = plan.connections if first.seconds < 0.5 else min(plan.connections, 2)
        # Warm-up requests: enough to fill both workers' caches, fewer for a slow endpoint.
        warmup = max(2, min(plan.warmup, int(2 / max(first.seconds, 0.001))))
        out[point.name] = {
            "bytes": size,
            "status": expected,
            "duration": duration,
            "connections": connections,
            "warmup": warmup,
            "runs": [],
            "baseline_runs": [],
        }
    for round_number in range(plan.repeats):
        for point in points:
            entry = out[point.name]
            if entry.get("missing"):
                continue
            headers = {"If-None-Match": probe(server.url, point.path).etag or ""} if point.revalidate else {}
            if with_baseline:
                base_path = f"/bench/baseline?bytes={entry['bytes'] if not point.revalidate else 0}"
                base_headers = {"If-None-Match": '"bench-baseline"'} if point.revalidate else {}
                if round_number == 0:  # the prebuilt body and the response cache stay warm after that
                    _warm(server.url + base_path, base_headers, entry["warmup"])
                entry["baseline_runs"].append(_load(plan, server.url + base_path, base_headers, entry["status"], entry))
            if round_number == 0:
                _warm(server.url + point.path, headers, entry["warmup"])
            entry["runs"].append(_load(plan, server.url + point.path, headers, entry["status"], entry))
    return out
