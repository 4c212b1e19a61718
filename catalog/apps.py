from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog import schema  # noqa: F401 - registers the OpenAPI authentication extensions
        from catalog.models import Source

        post_delete.connect(_source_deleted, sender=Source, dispatch_uid="catalog-source-deleted")
        post_migrate.connect(_sync_curated_aliases, sender=self, dispatch_uid="catalog-curated-aliases")
        post_migrate.connect(_merge_unstated_provenance, sender=self, dispatch_uid="catalog-provenance")


def _sync_curated_aliases(**kwargs: Any) -> None:
    """After `migrate`: the curated alias file's entries in the table, rows re-keyed where one moved."""
    from catalog.model_aliases import sync_curated
    from catalog.services import aliases_changed

    aliases_changed(renamed=sync_curated())


def _merge_unstated_provenance(**kwargs: Any) -> None:
    """After `migrate`: entries merged before provenance was recorded (migration 0015) are merged
    again, so every entry states it. Nothing to do on every later `migrate`."""
    from catalog.services import merge_outdated

    merge_outdated()


def _source_deleted(**kwargs: Any) -> None:
    """A gateway deleted in this process leaves this process's next read at once (a write goes
    through `catalog.sources.sources_write`, which does the same)."""
    from django.db import transaction

    from catalog import snapshot

    snapshot.clear()
    transaction.on_commit(snapshot.clear)
