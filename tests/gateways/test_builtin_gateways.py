"""Built-in gateways are declared on their adapters (`Adapter.builtin`) and nowhere else: the rows a
database gets, the generated docs and the bench all follow the registry, so a new built-in is one
adapter file (plus its fixture and golden)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench import generator
from bench.common import builtin_slugs
from gateways import registry
from gateways.adapters.base import Builtin
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.builtins import builtin_adapters, seed_builtins
from gateways.docs import gateways_table
from gateways.models import BuiltinSeed, Gateway

pytestmark = pytest.mark.django_db


class Zephyr(OpenAICompatible):
    kind = "zephyrcloud"
    label = "Zephyr Cloud"
    default_base_url = "https://api.zephyr.test/v1"
    builtin = Builtin(priority=42, min_expected_models=7, refresh_interval_seconds=1800)


@pytest.fixture
def zephyr_registered() -> Iterator[type[Zephyr]]:
    """A made-up built-in, registered the way an adapter module registers itself."""
    registry.register(Zephyr)
    yield Zephyr
    registry._ADAPTERS.pop(Zephyr.kind)


def builtin_row(slug: str) -> dict[str, Any]:
    return Gateway.objects.filter(slug=slug).values(
        "name", "kind", "enabled", "priority", "min_expected_models", "refresh_interval_seconds", "stale_after_seconds"
    )[0]


def test_a_fresh_database_has_every_declared_builtin_enabled_with_its_declared_values() -> None:
    assert builtin_adapters(), "no built-in declared"
    for slug, adapter in builtin_adapters().items():
        spec = adapter.builtin
        assert builtin_row(slug) == {
            "name": adapter.label,
            "kind": slug,
            "enabled": True,
            "priority": spec.priority,
            "min_expected_models": spec.min_expected_models,
            "refresh_interval_seconds": spec.refresh_interval_seconds,
            "stale_after_seconds": spec.stale_after_seconds,
        }
    assert set(BuiltinSeed.objects.values_list("slug", flat=True)) == set(builtin_adapters())


def test_a_new_registered_builtin_reaches_the_database_docs_and_bench(zephyr_registered: type[Zephyr]) -> None:
    assert seed_builtins() == ["zephyrcloud"]
    assert builtin_row("zephyrcloud") == {
        "name": "Zephyr Cloud",
        "kind": "zephyrcloud",
        "enabled": True,
        "priority": 42,
        "min_expected_models": 7,
        "refresh_interval_seconds": 1800,
        "stale_after_seconds": 3 * 3600,
    }
    rows = [row for row in gateways_table().splitlines() if row.startswith("| `zephyrcloud` |")]
    assert rows == [
        "| `zephyrcloud` | Zephyr Cloud | `zephyrcloud` | `https://api.zephyr.test/v1/models` | `GATEWAY_KEY_ZEPHYRCLOUD` "
        "| yes | as the gateway's options state (per_token or per_1m); else null | 30 min |"
    ]
    assert "zephyrcloud" in builtin_slugs()
    assert "zephyrcloud" in generator.generate_catalog(200, slugs=builtin_slugs())


def test_seeding_again_makes_nothing_and_a_deleted_builtin_stays_deleted() -> None:
    Gateway.objects.filter(slug="groq").delete()
    Gateway.objects.filter(slug="openrouter").update(priority=1)

    assert seed_builtins() == []

    assert not Gateway.objects.filter(slug="groq").exists()
    assert builtin_row("openrouter")["priority"] == 1


def test_a_slug_staff_already_use_is_left_as_it_is(zephyr_registered: type[Zephyr]) -> None:
    Gateway.objects.create(slug="zephyrcloud", name="Ours", kind="openai_compatible", base_url="https://ours.test/v1")

    assert seed_builtins() == []

    assert builtin_row("zephyrcloud")["kind"] == "openai_compatible"
    assert BuiltinSeed.objects.filter(slug="zephyrcloud").exists()


def test_upgrading_a_database_whose_staff_deleted_a_builtin_does_not_bring_it_back() -> None:
    """Migration 0006 on a database 0002 had filled: what 0002 gave is recorded as given."""
    from importlib import import_module

    from django.apps import apps

    record_given = import_module("gateways.migrations.0006_builtin_seeds").record_given
    BuiltinSeed.objects.all().delete()  # as before 0006
    Gateway.objects.filter(slug="groq").delete()  # deleted by staff before the upgrade

    record_given(apps, None)

    assert seed_builtins() == []
    assert not Gateway.objects.filter(slug="groq").exists()
    assert set(BuiltinSeed.objects.values_list("slug", flat=True)) == set(builtin_adapters())
