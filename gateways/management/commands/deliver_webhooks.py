"""`manage.py deliver_webhooks [--limit N]`: attempt every due webhook delivery inline, no broker
needed (cron, and the embedded `make run` setup)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from gateways.webhook_delivery import webhooks_deliver_due


class Command(BaseCommand):
    help = (
        "Attempt each due webhook delivery once, in this process, and print a summary line. A failed one is "
        "due again after its backoff. Exit status 0 even when receivers fail: their retries are scheduled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="Most deliveries to attempt (default 1000).")

    def handle(self, *args, limit: int, **options) -> None:
        self.stdout.write(webhooks_deliver_due(limit=limit).line())
