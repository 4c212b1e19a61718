"""Webhook benchmark (issue 18, "Speed"): one publish with 5 % of a 20,000-model catalog repriced,
delivered to 50 subscriptions (receivers on 127.0.0.1), and the change feed's cursor page at 1M
change rows.

In-process, like bench/history.py: a fresh SQLite file (`var/bench/webhooks.sqlite3`), or the
PostgreSQL database in `DATABASE_URL` if its name contains "bench" (its catalog is replaced).
Figures:

- the 5 % publish without subscriptions, and with 50 (the outbox rows are written in it): the
  outbox's share of the publish;
- commit to last delivery: from the publish's commit until the last of the 50 receivers has the
  POST, delivered one after another by one process (what `manage.py deliver_webhooks`, or one
  worker slot, does), as a ratio to the publish itself;
- the cursor page (1000 changes) at the head of a feed of 1M+ change rows, as a ratio to the
  first page of the same feed, best of `--repeat`.

    DJANGO_DEBUG=true .venv/bin/python -m bench.webhooks [--models 20000] [--subscriptions 50] [--changes 1000000]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import replace
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.common import VAR, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20000)
    parser.add_argument("--subscriptions", type=int, default=50)
    parser.add_argument("--fraction", type=float, default=0.05)
    parser.add_argument("--changes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        database = VAR / "webhooks.sqlite3"
        database.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["GATEWAY_ALLOW_PRIVATE_HOSTS"] = "true"  # the receivers are on 127.0.0.1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewayz_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(options)


class Receivers:
    """`count` HTTP servers on 127.0.0.1, each answering 204 and noting when its last POST arrived."""

    def __init__(self, count: int) -> None:
        self.arrived: dict[int, float] = {}
        self.servers = []
        arrived = self.arrived
        for _ in range(count):

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self) -> None:  # noqa: N802 - http.server's name
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self.send_response(204)
                    self.end_headers()
                    arrived[self.server.server_address[1]] = time.perf_counter()

                def log_message(self, *args: Any) -> None:
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{server.server_address[1]}/hook" for server in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def reprice(models: list[Any], fraction: float, step: int) -> list[Any]:
    every = max(int(1 / fraction), 1)
    changed = list(models)
    for index in range(step % every, len(changed), every):
        pricing = changed[index].pricing
        if pricing.get("prompt") is not None:
            changed[index] = replace(changed[index], pricing={**pricing, "prompt": pricing["prompt"] + Decimal("1e-9")})
    return changed


def run(options: Any) -> None:
    from django.db import connection

    from bench.generator import generate
    from catalog import selectors
    from catalog.models import ModelChange, WebhookDelivery, WebhookSubscription
    from catalog.services import catalog_publish
    from catalog.signals import webhook_deliveries_queued
    from catalog.webhooks import webhook_subscription_create
    from gateways.models import Gateway
    from gateways.registry import registered_kinds
    from gateways.webhook_delivery import webhooks_deliver_due

    # No broker here: the deliveries are made inline below, as `deliver_webhooks` makes them.
    webhook_deliveries_queued.disconnect(dispatch_uid="gateways-deliver-webhooks")
    WebhookSubscription.objects.all().delete()
    ModelChange.objects.all().delete()
    Gateway.objects.exclude(slug="openrouter").update(enabled=False)
    gateway = Gateway.objects.get(slug="openrouter")
    gateway.catalog_models.all().delete()
    models = registered_kinds()["openrouter"]().parse_body(generate("openrouter", options.models)).models
    print(f"{connection.vendor}: {len(models)} models")
    catalog_publish(gateway=gateway, models=models, force=True)

    models = reprice(models, options.fraction, 1)
    began = time.perf_counter()
    result = catalog_publish(gateway=gateway, models=models, force=True)
    bare = time.perf_counter() - began
    print(f"{options.fraction:.0%} repriced, no subscriptions: publish {bare * 1000:.0f} ms ({result.changed} models changed)")

    receivers = Receivers(options.subscriptions)
    for url in receivers.urls():
        webhook_subscription_create(url=url, filters={})
    models = reprice(models, options.fraction, 2)
    began = time.perf_counter()
    result = catalog_publish(gateway=gateway, models=models, force=True)
    committed = time.perf_counter()
    publish = committed - began
    deliveries = WebhookDelivery.objects.count()
    size = len(WebhookDelivery.objects.values_list("body", flat=True).first() or "")
    summary = webhooks_deliver_due(limit=options.subscriptions * 2)
    last = max(receivers.arrived.values()) if receivers.arrived else float("nan")
    receivers.stop()
    delivery = last - committed
    print(
        f"{options.fraction:.0%} repriced, {options.subscriptions} subscriptions: publish {publish * 1000:.0f} ms "
        f"({publish / bare:.2f}x the publish without; {deliveries} deliveries of {result.changed} changes, {size / 1024:.0f} KiB each)"
    )
    print(
        f"commit to last delivery: {delivery * 1000:.0f} ms, one delivery after another ({delivery / publish:.2f}x the publish; "
        f"{summary.delivered} delivered, {summary.failed} failed)"
    )

    # The feed grown to --changes rows by copying its own rows (ids keep growing in insert order).
    table = ModelChange._meta.db_table
    columns = "gateway_id, ai_model_id, upstream_id, kind, before, after, components_text, change_percent, recorded_at"
    with connection.cursor() as cursor:
        while (count := ModelChange.objects.count()) < options.changes:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} ORDER BY id LIMIT %s",  # noqa: S608 - our names
                [options.changes - count],
            )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
    count = ModelChange.objects.count()
    head = selectors.change_head()
    tail = ModelChange.objects.order_by("-id").values_list("id", flat=True)[1000]
    everything = selectors.ChangeFilters()
    priced = selectors.ChangeFilters(gateway="openrouter", kind="price_changed")
    for label, filters in (("no filter", everything), ("gateway=openrouter&kind=price_changed", priced)):
        first = best(options.repeat, lambda f=filters: selectors.change_cursor_page(filters=f, after=0, limit=1000))
        deep = best(options.repeat, lambda f=filters: selectors.change_cursor_page(filters=f, after=tail, limit=1000))
        print(
            f"cursor page of 1000 at {count:,} changes, {label}: first page {first * 1000:.1f} ms, "
            f"page at the head ({head - tail} ids from the end) {deep * 1000:.1f} ms ({deep / first:.2f}x)"
        )


if __name__ == "__main__":
    main()
