"""The built-in gateways: declared on their adapters (`Adapter.builtin`), given to every database.

After every `migrate`, each registered built-in this database has not been given yet becomes a
gateway row (slug = the adapter's kind, name = its label, enabled) and is remembered in
`BuiltinSeed`. A built-in added in a new release therefore appears at the next deploy with no
migration, and one that staff deleted is not brought back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, transaction

from gateways.registry import registered_kinds

if TYPE_CHECKING:
    from gateways.adapters.base import Adapter


def builtin_adapters() -> dict[str, type[Adapter]]:
    """The registered adapters that declare a built-in gateway, by kind (= the gateway's slug)."""
    return {kind: adapter for kind, adapter in registered_kinds().items() if adapter.builtin is not None}


def seed_builtins(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Give this database the built-ins it has not been given; returns the slugs of the rows made.
    A slug staff already use for another gateway is left as it is (and counts as given)."""
    from gateways.models import BuiltinSeed, Gateway

    given = set(BuiltinSeed.objects.using(using).values_list("slug", flat=True))
    made: list[str] = []
    for kind, adapter in builtin_adapters().items():
        if kind in given:
            continue
        builtin = adapter.builtin
        assert builtin is not None
        with transaction.atomic(using=using):
            _, created = Gateway.objects.db_manager(using).get_or_create(
                slug=kind,
                defaults={
                    "name": adapter.label,
                    "kind": kind,
                    "priority": builtin.priority,
                    "min_expected_models": builtin.min_expected_models,
                    "refresh_interval_seconds": builtin.refresh_interval_seconds,
                    "stale_after_seconds": builtin.stale_after_seconds,
                    "enabled": True,
                },
            )
            BuiltinSeed.objects.using(using).create(slug=kind)
        if created:
            made.append(kind)
    return made
