"""The built-in gateways: every one has a registered adapter and is enabled, including databases
where `0002_builtin_gateways` created some of them disabled before their adapter existed."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from gateways.models import Gateway
from gateways.registry import registered_kinds

pytestmark = pytest.mark.django_db

BUILTIN = [slug for slug, *_ in importlib.import_module("gateways.migrations.0002_builtin_gateways").BUILTIN]
enable = importlib.import_module("gateways.migrations.0003_enable_builtin_gateways").enable


def test_every_builtin_gateway_has_its_adapter_and_a_fresh_database_enables_it() -> None:
    assert set(BUILTIN) <= set(registered_kinds())
    assert sorted(Gateway.objects.filter(slug__in=BUILTIN, enabled=True).values_list("slug", flat=True)) == sorted(BUILTIN)


def test_migration_0003_enables_builtins_created_disabled_but_not_ones_a_person_disabled() -> None:
    Gateway.objects.filter(slug__in=BUILTIN).update(enabled=False)
    Gateway.objects.filter(slug="groq").update(last_attempt_at=timezone.now())  # refreshed, then switched off
    Gateway.objects.create(slug="acme", name="Acme", kind="openai_compatible", base_url="https://acme.test/v1", enabled=False)

    enable(apps, None)

    enabled = set(Gateway.objects.filter(enabled=True).values_list("slug", flat=True))
    assert enabled == set(BUILTIN) - {"groq"}
