"""Data migrations fill the new columns of rows published before them (an upgrade keeps serving)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@pytest.mark.django_db(transaction=True)
def test_0002_backfills_openai_json_and_merge_key() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0001_initial")])
    apps: Any = executor.loader.project_state([("catalog", "0001_initial")]).apps
    gateway = apps.get_model("gateways", "Gateway").objects.create(slug="old", name="Old", kind="openai_compatible")
    document = {"id": "org/m", "name": "M", "created": None, "provider_slug": None, "source_gateway": "old", "pricing": {}}
    now = timezone.now()
    row = apps.get_model("catalog", "AIModel").objects.create(
        gateway=gateway,
        upstream_id="org/m",
        canonical_key="org/m",
        name="M",
        content_hash="x",
        public_json=orjson.dumps(document).decode(),
        first_seen_at=now,
        last_seen_at=now,
        updated_at=now,
    )
    apps.get_model("catalog", "MergedModel").objects.create(
        canonical_key="org/m", model_id="org/m", primary_id=row.pk, name="M", public_json=row.public_json, updated_at=now
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from catalog.models import AIModel, MergedModel

    expected = {**document, "object": "model", "created": 0, "owned_by": "old"}
    merged = MergedModel.objects.get(canonical_key="org/m")
    assert merged.merge_key == "org/m"
    assert orjson.loads(merged.openai_json) == expected
    # 0007 then gives the model row its (here: no) price components, `prices` after `pricing`.
    patched = {**expected, "pricing": {"prompt": None, "completion": None}, "prices": []}
    assert orjson.loads(AIModel.objects.get(upstream_id="org/m").openai_json) == patched


def before_migration(name: str, *also: tuple[str, str]) -> tuple[Any, Any]:
    """The database migrated to catalog `name` (the state just before the migration under test),
    and to the other apps' migrations `also` that stay applied: its apps, and a gateway to store
    rows under."""
    executor = MigrationExecutor(connection)
    targets = [("catalog", name), *also]
    executor.migrate(targets)
    apps: Any = executor.loader.project_state(targets).apps
    Gateway = apps.get_model("gateways", "Gateway")
    gateway = Gateway.objects.filter(slug="old").first() or Gateway.objects.create(
        slug="old", name="Old", kind="openai_compatible"
    )
    return apps, gateway


@pytest.mark.django_db(transaction=True)
def test_0007_gives_stored_rows_their_components_so_the_next_refresh_records_no_false_change() -> None:
    apps, gateway = before_migration("0006_change_components")
    now = timezone.now()
    chat_pricing = {
        "prompt": "0.000002",
        "completion": "0.000008",
        "input_cache_read": "0.0000005",
        "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000004"}],
    }
    stored = {
        # (pricing as the code before 0007 stored it, output modalities)
        "org/chat": (chat_pricing, ["text"]),
        "org/transcribe": ({"prompt": "0.36", "completion": None}, ["transcription"]),
    }
    for upstream_id, (pricing, outputs) in stored.items():
        document = {"id": upstream_id, "name": upstream_id, "pricing": pricing, "pricing_dynamic": False, "source_gateway": "old"}
        apps.get_model("catalog", "AIModel").objects.create(
            gateway=gateway,
            upstream_id=upstream_id,
            canonical_key=upstream_id,
            name=upstream_id,
            pricing=pricing,
            prompt_price=Decimal(pricing["prompt"]),
            output_modalities=outputs,
            content_hash="x",
            public_json=orjson.dumps(document).decode(),
            openai_json=orjson.dumps({"object": "model", **document}).decode(),
            first_seen_at=now,
            last_seen_at=now,
            updated_at=now,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from catalog.models import AIModel, ModelChange
    from catalog.services import catalog_publish
    from gateways.models import Gateway as CurrentGateway

    from .conftest import model

    chat, transcribe = AIModel.objects.get(upstream_id="org/chat"), AIModel.objects.get(upstream_id="org/transcribe")
    assert chat.prices == [
        {"component": "input_token", "unit": "token", "usd": "0.000002"},
        {"component": "output_token", "unit": "token", "usd": "0.000008"},
        {"component": "cache_read", "unit": "token", "usd": "0.0000005"},
        {"component": "input_token", "unit": "token", "usd": "0.000004", "min_prompt_tokens": 200000},
    ]
    assert list(orjson.loads(chat.public_json)) == ["id", "name", "pricing", "prices", "pricing_dynamic", "source_gateway"]
    assert orjson.loads(chat.openai_json)["prices"] == chat.prices
    # A price that is not per token leaves the per-token field and the sort column.
    assert (transcribe.pricing, transcribe.prompt_price) == ({"prompt": None, "completion": None}, None)
    assert transcribe.prices == [{"component": "input", "unit": "unstated", "usd": "0.36"}]

    tier = {"min_prompt_tokens": 200000, "prompt": Decimal("0.000004")}
    republished = [
        model("org/chat", prompt="0.000002", completion="0.000008", pricing_overrides=(tier,)),
        model("org/transcribe", outs=("transcription",), prompt="0.36"),
    ]
    republished[0] = replace(republished[0], pricing={**republished[0].pricing, "input_cache_read": Decimal("0.0000005")})
    catalog_publish(gateway=CurrentGateway.objects.get(pk=gateway.pk), models=republished, force=True)
    assert list(ModelChange.objects.values_list("kind", flat=True)) == []


@pytest.mark.django_db(transaction=True)
def test_0009_opens_spans_from_first_seen_at_for_the_active_rows_of_an_existing_database() -> None:
    apps, gateway = before_migration("0012_price_history")
    first_seen = timezone.now().replace(microsecond=0) - timezone.timedelta(days=30)
    prices = [
        {"component": "input_token", "unit": "token", "usd": "0.000002"},
        {"component": "output_token", "unit": "token", "usd": "0.000008"},
    ]
    stored = {"org/chat": (True, prices), "org/unpriced": (True, []), "org/gone": (False, prices)}
    for upstream_id, (active, served) in stored.items():
        apps.get_model("catalog", "AIModel").objects.create(
            gateway=gateway,
            upstream_id=upstream_id,
            canonical_key=upstream_id,
            name=upstream_id,
            pricing={"prompt": "0.000002", "completion": "0.000008"} if served else {"prompt": None, "completion": None},
            prices=served,
            is_active=active,
            content_hash="x",
            public_json=orjson.dumps({"id": upstream_id}).decode(),
            first_seen_at=first_seen,
            last_seen_at=first_seen,
            updated_at=first_seen,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from catalog.models import ListingSpan, PriceSpan
    from catalog.services import catalog_publish
    from gateways.models import Gateway as CurrentGateway

    from .conftest import model

    listed = ListingSpan.objects.values_list("ai_model__upstream_id", "valid_from", "valid_to")
    assert sorted(listed) == [("org/chat", first_seen, None), ("org/unpriced", first_seen, None)]  # not the inactive row
    priced = PriceSpan.objects.values_list("ai_model__upstream_id", "component", "usd", "valid_from", "valid_to")
    assert sorted(priced) == [
        ("org/chat", "input_token", "0.000002", first_seen, None),
        ("org/chat", "output_token", "0.000008", first_seen, None),
    ]

    # The first refresh after the upgrade changes only what changed: the input price.
    now = timezone.now()
    republished = [model("org/chat", prompt="0.000003", completion="0.000008"), model("org/unpriced")]
    catalog_publish(gateway=CurrentGateway.objects.get(pk=gateway.pk), models=republished, force=True, now=now)
    assert sorted(PriceSpan.objects.values_list("component", "usd", "valid_from", "valid_to")) == [
        ("input_token", "0.000002", first_seen, now),
        ("input_token", "0.000003", now, None),
        ("output_token", "0.000008", first_seen, None),
    ]
    assert ListingSpan.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_0017_gives_stored_merged_offers_their_provider_so_unrebuilt_entries_serve_the_new_shape() -> None:
    apps, gateway = before_migration("0016_webhooks", ("gateways", "0008_drift_guard"))
    now = timezone.now()
    old_offer = {"gateway": "old", "id": "org/m", "provider_slug": "org", "pricing": {"prompt": "0.000001"}, "sunset_at": None}
    document = {"id": "org/m", "name": "M", "offers": [old_offer]}
    row = apps.get_model("catalog", "AIModel").objects.create(
        gateway=gateway,
        upstream_id="org/m",
        canonical_key="org/m",
        name="M",
        content_hash="x",
        public_json=orjson.dumps({"id": "org/m"}).decode(),
        first_seen_at=now,
        last_seen_at=now,
        updated_at=now,
    )
    prices = [{"component": "input_token", "unit": "token", "usd": "0.000001"}]
    apps.get_model("catalog", "MergedModel").objects.create(
        canonical_key="org/m",
        merge_key="org/m",
        model_id="org/m",
        primary_id=row.pk,
        name="M",
        public_json=orjson.dumps(document).decode(),
        openai_json=orjson.dumps({**document, "object": "model"}).decode(),
        offer_prices_json=orjson.dumps([["old", "org/m", False, prices]]).decode(),
        updated_at=now,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from catalog.cost import Workload
    from catalog.cost_ranking import models_ranked
    from catalog.models import MergedModel
    from catalog.selectors import ModelFilters

    merged = MergedModel.objects.get(canonical_key="org/m")
    new_offer = {"gateway": "old", "id": "org/m", "provider_slug": "org", "provider": None}
    new_offer |= {"pricing": {"prompt": "0.000001"}, "sunset_at": None, "endpoint": None}
    assert list(orjson.loads(merged.public_json)["offers"][0]) == list(new_offer)
    assert orjson.loads(merged.public_json)["offers"] == [new_offer]
    assert orjson.loads(merged.openai_json)["offers"] == [new_offer]
    assert orjson.loads(merged.offer_prices_json) == [["old", "org/m", False, prices, None]]
    ranked = models_ranked(
        filters=ModelFilters(gateway="all"), workload=Workload({"input_tokens": 1000}, now), offset=0, limit=10
    )
    assert [(row.id, row.provider, str(row.cost.cost_usd)) for row in ranked.rows] == [("org/m", None, "0.001000")]
