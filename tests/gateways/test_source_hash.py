"""The source hash (`gateways.source_hash`): an item that hashes as its stored row's is not
normalized or rendered again, and everything a refresh decides (drift guard, lifecycle, counts)
still holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import AIModel
from gateways import source_hash
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh

from ..conftest import json_transport
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db

IDS = [f"acme/m{i}" for i in range(6)]


def items(**prompts: str) -> list[dict[str, Any]]:
    """Six models; `prompts` (index as `m3=...`) overrides a model's prompt price."""
    return [openai_item(model_id, prompts.get(model_id.split("/")[1], "0.000001"), "0.000002", 8192) for model_id in IDS]


def refresh(gateway: Gateway, listed: list[dict[str, Any]] | None = None, **kwargs: Any) -> RefreshRun:
    body = openai_body(*(items() if listed is None else listed))
    return gateway_refresh(gateway=gateway, transport=json_transport({"/v1/models": body, "/v2/models": body}), **kwargs)


@pytest.fixture
def gateway(gateway_keys: Any) -> Gateway:
    gateway_keys(acme="sk-test-acme")
    return make_gateway("acme", min_expected_models=2)


@pytest.fixture
def normalized(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the items normalized (the adapter's `normalize` calls)."""
    calls: list[str] = []
    original = OpenAICompatible.normalize

    def counting(self: Any, item: dict[str, Any]) -> Any:
        calls.append(item["id"])
        return original(self, item)

    monkeypatch.setattr(OpenAICompatible, "normalize", counting)
    return calls


def model_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE") and "catalog_aimodel" in q["sql"]]


def stored_prompt(model_id: str) -> str:
    return AIModel.objects.get(upstream_id=model_id).pricing["prompt"]


def test_an_unchanged_refresh_normalizes_nothing_and_writes_no_model_row(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    assert len(normalized) == 6 and AIModel.objects.filter(source_hash__isnull=True).count() == 0
    normalized.clear()

    with CaptureQueriesContext(connection) as queries:
        run = refresh(gateway)

    assert normalized == []
    assert model_writes(queries) == []
    assert (run.outcome, run.models_seen, run.models_unchanged, run.models_changed) == ("success", 6, 6, 0)
    gateway.refresh_from_db()
    assert gateway.last_model_count == 6


def test_a_changed_item_alone_is_normalized_and_stored(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    normalized.clear()

    run = refresh(gateway, items(m2="0.0000012"))

    assert normalized == ["acme/m2"]
    assert (run.models_changed, run.models_unchanged) == (1, 5)
    assert stored_prompt("acme/m2") == "0.0000012"
    normalized.clear()
    refresh(gateway, items(m2="0.0000012"))
    assert normalized == []  # the new row's hash is stored with it


def test_a_new_adapter_version_renders_every_item_again_without_changing_a_row(
    gateway: Gateway, normalized: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh(gateway)
    before = list(AIModel.objects.order_by("pk").values_list("public_json", "content_hash", "updated_at"))
    normalized.clear()
    monkeypatch.setattr(OpenAICompatible, "normalization_version", OpenAICompatible.normalization_version + 1)

    run = refresh(gateway)

    assert sorted(normalized) == IDS
    assert (run.models_unchanged, run.models_changed) == (6, 0)
    assert list(AIModel.objects.order_by("pk").values_list("public_json", "content_hash", "updated_at")) == before
    normalized.clear()
    refresh(gateway)
    assert normalized == []  # the new hashes were stored (only that column)


def test_a_gateway_config_edit_renders_every_item_again(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    normalized.clear()
    gateway.base_url = "https://acme.example.test/v2"
    gateway.save()

    refresh(gateway)

    assert sorted(normalized) == IDS


def test_the_salt_covers_the_adapter_the_gateway_and_its_options() -> None:
    gateway = make_gateway("acme")
    base = source_hash.salt(OpenAICompatible(options=gateway.options), gateway)
    assert base is not None
    assert source_hash.salt(OpenAICompatible(options={"price_unit": "per_million"}), gateway) != base
    gateway.base_url = "https://elsewhere.example.test/v1"
    assert source_hash.salt(OpenAICompatible(options=gateway.options), gateway) != base


def test_a_number_and_a_string_of_the_same_text_hash_apart() -> None:
    salt = b"s"
    assert source_hash.item_hash({"p": Decimal("0.5")}, salt) != source_hash.item_hash({"p": "0.5"}, salt)
    assert source_hash.item_hash({"a": 1, "b": 2}, salt) == source_hash.item_hash({"b": 2, "a": 1}, salt)


def test_rows_without_a_source_hash_are_rendered_once_then_skipped(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    AIModel.objects.update(source_hash=None)  # as migration 0018 leaves existing rows
    normalized.clear()

    with CaptureQueriesContext(connection) as queries:
        run = refresh(gateway)

    assert sorted(normalized) == IDS
    assert run.models_unchanged == 6 and AIModel.objects.filter(source_hash__isnull=True).count() == 0
    assert len(model_writes(queries)) >= 1  # the hashes, and nothing else (no version, no change rows)
    normalized.clear()
    refresh(gateway)
    assert normalized == []


def test_the_drift_guard_still_holds_a_suspect_price_and_asks_again_next_time(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    normalized.clear()

    run = refresh(gateway, items(m1="0.001"))  # x1,000

    assert run.outcome == "held" and normalized == ["acme/m1"]
    assert stored_prompt("acme/m1") == "0.000001"
    normalized.clear()
    again = refresh(gateway, items(m1="0.001"))
    assert again.outcome == "held" and normalized == ["acme/m1"]  # the held item is not taken as unchanged
    assert stored_prompt("acme/m1") == "0.000001"


def test_a_vanished_model_is_still_marked_missing_and_its_return_renders_it(gateway: Gateway, normalized: list[str]) -> None:
    refresh(gateway)
    normalized.clear()

    run = refresh(gateway, items()[:5])

    assert normalized == [] and run.models_missing == 1
    assert AIModel.objects.get(upstream_id="acme/m5").missing_since is not None
    back = refresh(gateway)
    assert normalized == ["acme/m5"] and back.models_unchanged == 5
    assert AIModel.objects.get(upstream_id="acme/m5").missing_since is None


def without_freshness(value: Any) -> Any:
    """A served body without its freshness (each gateway's last success: a refresh moves it)."""
    if isinstance(value, dict):
        return {k: without_freshness(v) for k, v in value.items() if k != "freshness"}
    if isinstance(value, list):
        return [without_freshness(v) for v in value]
    return value


def test_the_served_documents_are_byte_identical_after_an_unchanged_refresh(gateway: Gateway, client: Client) -> None:
    refresh(gateway)
    refresh(gateway, items(m3="0.0000011"))  # a mixed refresh: one item rendered, five skipped
    paths = ["/catalog/v1/models?gateway=acme", "/catalog/v1/models", "/catalog/v1/models/acme/m3", "/v1/models"]

    def read() -> list[Any]:
        cache.clear()
        documents = []
        for path in paths:
            body = orjson.loads(client.get(path).content)
            documents.append(orjson.dumps(without_freshness(body.get("data", body)), option=orjson.OPT_SORT_KEYS))
        return [*documents, *AIModel.objects.order_by("pk").values_list("public_json", "openai_json")]

    skipped = read()
    refresh(gateway, items(m3="0.0000011"))
    assert read() == skipped
    AIModel.objects.update(source_hash=None)
    refresh(gateway, items(m3="0.0000011"))  # every item rendered again
    assert read() == skipped


@pytest.mark.parametrize(("repriced", "held"), [(5, False), (7, True)])
def test_the_share_rule_counts_the_unchanged_models(gateway: Gateway, repriced: int, held: bool) -> None:
    """12 priced models, `repriced` of them halved at once: 5 (42 %) publish, 7 (58 %) are held
    (over the 50 % share). The 7 or 5 skipped ones count as compared models that kept their price."""
    ids = [f"acme/s{i}" for i in range(12)]

    def listed(halved: int) -> list[dict[str, Any]]:
        return [openai_item(uid, "0.0000005" if i < halved else "0.000001", "0.000002", 8192) for i, uid in enumerate(ids)]

    refresh(gateway, listed(0))
    run = refresh(gateway, listed(repriced))

    assert run.models_unchanged == 12 - repriced + (repriced if held else 0)
    assert (run.outcome == "held") is held
    assert stored_prompt("acme/s0") == ("0.000001" if held else "0.0000005")
