"""Celery tasks of the catalog: thin, like every task."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from catalog.services import rebuild_all_merged

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def rebuild_merged_catalog() -> int:
    """Recompute every merged (`gateway=all`) entry: after a gateway is enabled, disabled or
    re-prioritised, which changes which offer wins across the whole catalog."""
    return rebuild_all_merged()


def enqueue_rebuild_merged() -> None:
    """Queue `rebuild_merged_catalog` once the current transaction commits. When the broker is
    unreachable the rebuild runs inline instead: a wrong merged catalog is worse than a slow click."""

    def enqueue() -> None:
        try:
            rebuild_merged_catalog.delay()
        except Exception as exc:  # noqa: BLE001 - whatever the broker client raises
            log.warning("could not queue the merged-catalog rebuild (%s); rebuilding inline", exc.__class__.__name__)
            rebuild_all_merged()

    transaction.on_commit(enqueue)
