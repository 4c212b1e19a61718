"""Load a generated catalog into the bench database through the real refresh pipeline.

    python bench/load.py --upstream http://127.0.0.1:PORT --dir var/bench/catalog-20000

For every built-in gateway whose adapter is registered, points the gateway at the fake upstream
(its base URL: `<upstream>/<slug>` + the path of the adapter's default base URL) and runs
`gateway_refresh`: fetch over loopback, pagination, parse, guard, publish. A built-in gateway
whose adapter is not registered yet (or whose refresh fails) is stood in for by an
`openai_compatible` gateway `bench-<slug>` serving `bench-<slug>.json`, the same number of models
in the generic shape, so the catalog keeps its size. Prints one JSON object: per gateway the
adapter kind used, outcome, models and seconds; the largest gateway; a detail id to read; and,
after a second publish of OpenRouter's list with 1 % of its models repriced, `past_at`, an instant
before it for the `at=` read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REFRESH_GATEWAY, builtin_slugs, setup_django, stand_in_slug


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a generated catalog through gateway_refresh.")
    parser.add_argument("--upstream", required=True, help="the fake upstream's URL (bench/upstream.py)")
    parser.add_argument("--dir", type=Path, required=True, help="the generated catalog folder")
    args = parser.parse_args(argv)
    setup_django()

    from django.db.models.functions import Length

    from catalog.models import AIModel, MergedModel
    from gateways.models import Gateway, RefreshRun
    from gateways.refresh import gateway_refresh
    from gateways.registry import registered_kinds

    kinds = registered_kinds()
    Gateway.objects.filter(slug=REFRESH_GATEWAY).update(enabled=False)
    report: dict[str, Any] = {"gateways": {}}

    def refresh(gateway: Gateway) -> RefreshRun:
        started = time.perf_counter()
        run = gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.COMMAND)
        report["gateways"][gateway.slug] = {
            "kind": gateway.kind,
            "outcome": run.outcome,
            "models": run.models_added + run.models_changed + run.models_unchanged,
            "rejected": run.models_rejected,
            "seconds": round(time.perf_counter() - started, 2),
            **({"error": run.error_message[:300]} if run.outcome == "failed" else {}),
        }
        return run

    for slug in builtin_slugs():
        adapter = kinds.get(slug)
        stand_in = stand_in_slug(slug)
        if adapter is not None and (args.dir / f"{slug}.json").exists():
            path = urlsplit(adapter.default_base_url).path.rstrip("/")
            gateway, _ = Gateway.objects.update_or_create(
                slug=slug,
                defaults={"kind": slug, "base_url": f"{args.upstream}/{slug}{path}", "enabled": True, "min_expected_models": 1},
            )
            Gateway.objects.filter(slug=stand_in).update(enabled=False)
            if refresh(gateway).outcome in ("success", "degraded"):
                continue
            Gateway.objects.filter(slug=slug).update(enabled=False)
        if not (args.dir / f"{stand_in}.json").exists():
            continue  # the adapter's refresh failed and there is no stand-in: reported as failed
        gateway, _ = Gateway.objects.update_or_create(
            slug=stand_in,
            defaults={
                "name": f"{slug} (generic stand-in)",
                "kind": "openai_compatible",
                "base_url": f"{args.upstream}/{stand_in}",
                "options": {"price_unit": "per_token"},
                "enabled": True,
                "min_expected_models": 1,
                "priority": Gateway.objects.filter(slug=slug).values_list("priority", flat=True).first() or 0,
            },
        )
        refresh(gateway)

    report.update(reprice(args.dir))
    sizes = {slug: entry["models"] for slug, entry in report["gateways"].items() if entry["outcome"] != "failed"}
    report["largest_gateway"] = max(sizes, key=sizes.__getitem__)
    report["models"] = AIModel.objects.filter(is_active=True).count()
    report["merged"] = MergedModel.objects.count()
    report["detail_id"] = (
        MergedModel.objects.annotate(n=Length("gateways_text"))
        .order_by("-n", "model_id")
        .values_list("model_id", flat=True)
        .first()
    )
    print(json.dumps(report))
    return 0


REPRICED_SHARE = 100  # one model in this many


def reprice(folder: Path) -> dict[str, Any]:
    """A second publish of OpenRouter's list with one model in `REPRICED_SHARE` repriced (+10 %),
    so the catalog has a past: `past_at`, an instant between the load and this publish, is what
    the `at=` read asks for (it rebuilds the repriced models' entries as they were then)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from catalog.render import instant_text
    from gateways.models import Gateway
    from gateways.refresh import gateway_import

    gateway = Gateway.objects.filter(slug="openrouter", enabled=True).first()
    if gateway is None or not (folder / "openrouter.json").exists():
        return {"past_at": None, "repriced": 0}
    body = json.loads((folder / "openrouter.json").read_bytes())  # prices are strings; other floats round-trip
    repriced = 0
    for item in body["data"][::REPRICED_SHARE]:
        prompt = (item.get("pricing") or {}).get("prompt")
        if prompt not in (None, "0", "-1"):
            item["pricing"]["prompt"] = str(Decimal(prompt) * Decimal("1.1"))
            repriced += 1
    past_at = datetime.now(tz=UTC)
    time.sleep(0.01)  # the publish's instant comes strictly after `past_at`
    run = gateway_import(gateway=gateway, body=json.dumps(body))
    return {"past_at": instant_text(past_at), "repriced": repriced if run.outcome in ("success", "degraded") else 0}


if __name__ == "__main__":
    sys.exit(main())
