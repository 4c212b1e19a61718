"""Price history benchmark (issue 16, item 3): span rows per publish, and `at=` reads against the
same reads without it.

In-process on a fresh SQLite file (`var/bench/history.sqlite3`): one generated OpenRouter list of
`--models` items is published three times an hour apart, repricing `--changed` models each time.
It prints the span rows each publish wrote next to what changed, then times the data part of a
list (what a response-cache miss costs: `selectors.model_page` against `point_in_time.model_page_at`
between the first two publishes), best of `--repeat`: the first read of that instant (which rebuilds
what changed since) and a read after it (which reuses the rebuilt entries).

    DJANGO_DEBUG=true .venv/bin/python -m bench.history --models 5000 --changed 50
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from bench.common import VAR, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    database = VAR / "history.sqlite3"
    database.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewayz_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(options)


def run(options: Any) -> None:
    from bench.generator import generate
    from catalog import cache, point_in_time, selectors
    from catalog.models import ListingSpan, PriceSpan
    from catalog.services import catalog_publish, catalog_totals
    from gateways.models import Gateway
    from gateways.registry import registered_kinds

    Gateway.objects.exclude(slug="openrouter").update(enabled=False)
    gateway = Gateway.objects.get(slug="openrouter")
    models = registered_kinds()["openrouter"]().parse_body(generate("openrouter", options.models)).models
    start = datetime.now(tz=UTC) - timedelta(hours=3)
    print(f"{len(models)} models; {options.changed} repriced per publish after the first")
    for publish in range(3):
        if publish:
            for index in range(publish, len(models), max(len(models) // options.changed, 1)):
                pricing = models[index].pricing
                if pricing.get("prompt") is not None:
                    models[index] = replace(models[index], pricing={**pricing, "prompt": pricing["prompt"] + Decimal("1e-9")})
        before = PriceSpan.objects.count() + ListingSpan.objects.count()
        closed = PriceSpan.objects.filter(valid_to__isnull=False).count()
        result = catalog_publish(gateway=gateway, models=models, force=True, now=start + timedelta(hours=publish))
        opened = PriceSpan.objects.count() + ListingSpan.objects.count() - before
        closed = PriceSpan.objects.filter(valid_to__isnull=False).count() - closed
        print(f"publish {publish + 1}: added {result.added}, changed {result.changed}: {opened} spans opened, {closed} closed")
    unchanged_before = PriceSpan.objects.count()
    catalog_publish(gateway=gateway, models=models, force=True, now=start + timedelta(hours=2, minutes=30))
    print(f"unchanged publish: {PriceSpan.objects.count() - unchanged_before} spans written")

    at = start + timedelta(minutes=30)
    totals = catalog_totals()
    for label, filters, limit in (
        ("gateway=all&limit=50", selectors.ModelFilters(), 50),
        ("gateway=openrouter&limit=1000", selectors.ModelFilters(gateway="openrouter", gateway_id=gateway.pk), 1000),
        ("/v1/models (whole list)", selectors.ModelFilters(), None),
    ):
        column = "openai_json" if limit is None else "public_json"
        page = {"filters": filters, "offset": 0, "limit": limit, "column": column}
        # As the view reads an unfiltered list: with the total stored with the version.
        known = totals["all"] if filters.gateway == "all" else totals["gateways"][filters.gateway]
        plain = best(options.repeat, partial(selectors.model_page, total=known, **page))
        past_read = partial(point_in_time.model_page_at, at=at, total=known, **page)
        # The first read of the instant rebuilds what changed since; the next ones reuse it.
        first = best(options.repeat, lambda read=past_read: (cache._recent.clear(), read()))
        past = best(options.repeat, past_read)
        # An `at` after the last change: the ordinary page plus the one check that decides so.
        recent = best(options.repeat, partial(point_in_time.answers_today, start + timedelta(hours=3)))
        print(f"{label}: without at {plain * 1000:.1f} ms; at (past, first read) {first * 1000:.1f} ms ({first / plain:.1f}x); "
              f"at (past, again) {past * 1000:.1f} ms ({past / plain:.1f}x); "
              f"at (after the last change) {(plain + recent) * 1000:.1f} ms ({(plain + recent) / plain:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
