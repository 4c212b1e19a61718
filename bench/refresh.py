"""One refresh measurement, in a fresh process so its peak RSS is its own.

    python bench/refresh.py publish --body FILE [--kind huggingface] [--profile 25]
    python bench/refresh.py floor --body FILE

`publish` runs the product path exactly as `import_catalog` does (`gateways.refresh.gateway_import`:
adapter parse, publish guard, one-transaction publish, merge rebuild) for the `bench-refresh`
gateway, which it creates with the given adapter kind. `floor` is the raw floor: decode the same
body with exact decimals and `COPY` one row per item into an unindexed table, in one transaction.

Prints one JSON object: `seconds` (the work only, not the start-up), `peak_rss_kb` and
`base_rss_kb` (before the work), `rows` (rows written per table, counted from each statement's
row count) and, with `--profile N`, the top N functions of a cProfile run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REFRESH_GATEWAY, rss_kb, setup_django

WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?', re.IGNORECASE)
FLOOR_TABLE = "bench_floor"


class RowCounter:
    """A Django execute wrapper: rows written per table, from each statement's rowcount."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match:
            self.rows[match.group(2)] += max(0, context["cursor"].cursor.rowcount)
        return result


def _gateway(kind: str) -> Any:
    from gateways.models import Gateway

    options = {"price_unit": "per_token"} if kind == "openai_compatible" else {}
    gateway, _ = Gateway.objects.update_or_create(
        slug=REFRESH_GATEWAY,
        defaults={"name": "Bench refresh", "kind": kind, "options": options, "enabled": True, "min_expected_models": 1},
    )
    return gateway


def publish(body: bytes, kind: str) -> dict[str, Any]:
    from gateways.refresh import gateway_import

    gateway = _gateway(kind)
    run = gateway_import(gateway=gateway, body=body)
    if run.outcome not in ("success", "degraded"):
        raise SystemExit(f"publish failed: {run.outcome} {run.error_kind}: {run.error_message}")
    return {
        "outcome": run.outcome,
        "models": run.models_seen,
        "added": run.models_added,
        "changed": run.models_changed,
        "unchanged": run.models_unchanged,
        "rejected": run.models_rejected,
    }


def floor(body: bytes) -> dict[str, Any]:
    from django.db import connection, transaction

    data = json.loads(body, parse_float=Decimal)
    if isinstance(data, dict):
        items = next(value for key, value in data.items() if key in ("data", "models", "items") and isinstance(value, list))
    else:
        items = data
    with transaction.atomic():
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {FLOOR_TABLE} (gateway_id, upstream_id, item) FROM STDIN") as copy:
                for item in items:
                    ident = item.get("id") or item.get("endpoint_id") or item.get("name")
                    copy.write_row((1, ident, json.dumps(item, default=str)))
    return {"models": len(items), "copied": len(items)}


def prepare_floor() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (gateway_id bigint, upstream_id text, item jsonb)")
        cursor.execute(f"TRUNCATE {FLOOR_TABLE}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one refresh step in this process.")
    parser.add_argument("step", choices=("publish", "floor", "kinds"), help="kinds: print the registered adapter kinds")
    parser.add_argument("--body", type=Path, help="the upstream body (JSON file)")
    parser.add_argument("--kind", default="openai_compatible", help="adapter kind of the bench-refresh gateway")
    parser.add_argument("--profile", type=int, default=0, help="also report the top N functions (cProfile)")
    args = parser.parse_args(argv)

    setup_django()
    from django.db import connection

    if args.step == "kinds":
        from gateways.registry import registered_kinds

        print(json.dumps(sorted(registered_kinds())))
        return 0
    if args.body is None:
        parser.error("--body is required")
    if args.step == "floor":
        prepare_floor()
    else:
        _gateway(args.kind)
    connection.ensure_connection()
    body = args.body.read_bytes()
    counter = RowCounter()
    profiler = cProfile.Profile() if args.profile else None
    base = rss_kb()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        outcome = floor(body) if args.step == "floor" else publish(body, args.kind)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if args.step == "floor":
        counter.rows[FLOOR_TABLE] += outcome.pop("copied")
    result: dict[str, Any] = {
        "step": args.step,
        "seconds": seconds,
        "base_rss_kb": base,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rows": dict(counter.rows),
        **outcome,
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        result["profile"] = out.getvalue()
    connection.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
