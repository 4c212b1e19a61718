from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GatewaysConfig(AppConfig):
    name = "gateways"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.signals import stale_data_read, webhook_deliveries_queued
        from gateways import registry, tasks  # noqa: F401  (tasks: registers the Celery tasks)

        registry.autodiscover()
        stale_data_read.connect(_refresh_stale, dispatch_uid="gateways-refresh-stale")
        webhook_deliveries_queued.connect(_deliver_webhooks, dispatch_uid="gateways-deliver-webhooks")
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="gateways-after-migrate")


def _refresh_stale(*, slugs: list[str], **kwargs: Any) -> None:
    """A catalog read served stale data: queue a refresh (deduplicated; never waits), asking for
    each gateway at most once per `GATEWAY_STALE_REFRESH_ASK_SECONDS` in this process."""
    from django.conf import settings

    from gateways.scheduling import gateways_refresh_stale
    from gateways.stale_asks import ASKS

    due = ASKS.due(slugs, seconds=settings.GATEWAY_STALE_REFRESH_ASK_SECONDS)
    if due:
        gateways_refresh_stale(slugs=due)


def _deliver_webhooks(*, delivery_ids: list[int], **kwargs: Any) -> None:
    """Webhook deliveries were committed to the outbox: queue their delivery tasks."""
    from gateways.tasks import enqueue_webhook_deliveries

    enqueue_webhook_deliveries(delivery_ids)


def _after_migrate(*, using: str, **kwargs: Any) -> None:
    """Give the database the built-in gateways it lacks, then write every gateway's facts down to
    `catalog.Source` (a fresh table, or facts that changed while the code was updated)."""
    from gateways.builtins import seed_builtins
    from gateways.models import Gateway

    seed_builtins(using)
    Gateway.objects.using(using).sync_sources()
