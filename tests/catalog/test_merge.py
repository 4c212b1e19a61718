"""Merge rules for `gateway=all` (ARCHITECTURE.md, "Merging gateways"), through the real publish."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from catalog.merge import merge_documents, partition
from catalog.models import MergedModel
from catalog.services import rebuild_all_merged
from gateways.models import Gateway

from .conftest import model

pytestmark = pytest.mark.django_db


def entries() -> dict[str, dict[str, Any]]:
    return {row.canonical_key: orjson.loads(row.public_json) for row in MergedModel.objects.order_by("canonical_key")}


def test_highest_priority_gateway_gives_the_id_and_fields(catalog: Any) -> None:
    catalog.gateway("low", priority=10)
    catalog.gateway("high", priority=90)
    catalog.publish("low", [model("Org/Model-X", name="Low name", context_length=1000, prompt="0.000001", completion="0.000002")])
    catalog.publish(
        "high", [model("org/model-x", name="High name", context_length=2000, prompt="0.000003", completion="0.000001")]
    )
    entry = entries()["org/model-x"]
    assert (entry["id"], entry["name"], entry["context_length"], entry["source_gateway"]) == (
        "org/model-x",
        "High name",
        2000,
        "high",
    )
    assert entry["pricing"] == {"prompt": "0.000003", "completion": "0.000001"}  # the primary offer's own price
    assert entry["lowest_pricing"] == {"prompt": "0.000001", "completion": "0.000001"}
    assert entry["source_gateways"] == ["high", "low"]
    row = MergedModel.objects.get(canonical_key="org/model-x")
    assert (str(row.prompt_price.normalize()), str(row.completion_price.normalize())) == ("0.000001", "0.000001")


def test_a_priority_change_moves_the_primary_after_a_rebuild(catalog: Any) -> None:
    catalog.gateway("one", priority=10)
    catalog.gateway("two", priority=20)
    catalog.publish("one", [model("org/m", name="From one")])
    catalog.publish("two", [model("ORG/M", name="From two")])
    assert entries()["org/m"]["id"] == "ORG/M"
    Gateway.objects.filter(slug="one").update(priority=30)
    rebuild_all_merged()
    assert (entries()["org/m"]["id"], entries()["org/m"]["name"]) == ("org/m", "From one")


def test_missing_fields_are_filled_from_lower_priority_offers_in_order(catalog: Any) -> None:
    catalog.gateway("a", priority=30)
    catalog.gateway("b", priority=20)
    catalog.gateway("c", priority=10)
    catalog.publish("a", [model("org/m", ins=(), outs=(), modality=None)])
    catalog.publish(
        "b", [model("org/m", description="from b", created=1700000000, hugging_face_id=None, supported_parameters=("tools",))]
    )
    catalog.publish(
        "c",
        [
            model(
                "org/m",
                description="from c",
                created=1600000000,
                context_length=9000,
                canonical_slug="org/m-2025",
                ins=("text", "image"),
            )
        ],
    )
    entry = entries()["org/m"]
    assert entry["source_gateway"] == "a"
    assert (entry["description"], entry["created"], entry["context_length"], entry["canonical_slug"]) == (
        "from b",
        1700000000,
        9000,
        "org/m-2025",
    )
    assert entry["supported_parameters"] == ["tools"]
    assert entry["architecture"]["input_modalities"] == ["text"]  # b is the first that states them
    assert entry["architecture"]["output_modalities"] == ["text"]


def test_variants_are_never_merged_and_never_lend_their_price(catalog: Any) -> None:
    catalog.gateway("or", priority=90)
    catalog.gateway("other", priority=10)
    catalog.publish(
        "or",
        [
            model("qwen/qwen3-32b", hugging_face_id="Qwen/Qwen3-32B", prompt="0.0000001", completion="0.0000003"),
            model("qwen/qwen3-32b:free", hugging_face_id="Qwen/Qwen3-32B", prompt="0", completion="0"),
        ],
    )
    catalog.publish("other", [model("Qwen/Qwen3-32B", prompt="0.0000002", completion="0.0000002")])
    found = entries()
    assert sorted(found) == ["qwen/qwen3-32b", "qwen/qwen3-32b:free"]
    assert found["qwen/qwen3-32b"]["lowest_pricing"] == {"prompt": "0.0000001", "completion": "0.0000002"}
    assert found["qwen/qwen3-32b"]["source_gateways"] == ["or", "other"]
    assert found["qwen/qwen3-32b:free"]["source_gateways"] == ["or"]


def test_two_providers_on_one_gateway_are_two_offers_of_one_entry(catalog: Any) -> None:
    catalog.gateway("portkey-like", priority=10)
    catalog.publish(
        "portkey-like",
        [
            model("@openai/gpt-4o", merge_base="gpt-4o", prompt="0.0000025", completion="0.00001"),
            model("@azure/gpt-4o", merge_base="gpt-4o", prompt="0.000002", completion="0.000011"),
        ],
    )
    entry = entries()["gpt-4o"]
    assert entry["id"] == "@azure/gpt-4o"  # same gateway: ordered by upstream id
    assert entry["source_gateways"] == ["portkey-like"]
    assert [(o["gateway"], o["id"]) for o in entry["offers"]] == [
        ("portkey-like", "@azure/gpt-4o"),
        ("portkey-like", "@openai/gpt-4o"),
    ]
    assert entry["lowest_pricing"] == {"prompt": "0.000002", "completion": "0.00001"}


def test_sibling_products_on_the_same_weights_are_separate_entries(catalog: Any) -> None:
    catalog.gateway("or", priority=90)
    catalog.gateway("other", priority=10)
    catalog.publish(
        "or",
        [
            model("kappa/voice", hugging_face_id="Kappa/Voice-7B"),
            model("kappa/voice-stt", hugging_face_id="Kappa/Voice-7B", ins=("audio",), outs=("transcription",)),
        ],
    )
    catalog.publish("other", [model("Kappa/Voice-7B", ins=(), outs=(), modality=None)])  # unknown: joins the first
    found = entries()
    assert sorted(found) == ["kappa/voice-7b", "kappa/voice-7b|transcription"]
    assert [o["id"] for o in found["kappa/voice-7b"]["offers"]] == ["kappa/voice", "Kappa/Voice-7B"]
    assert [o["id"] for o in found["kappa/voice-7b|transcription"]["offers"]] == ["kappa/voice-stt"]
    assert set(MergedModel.objects.values_list("merge_key", flat=True)) == {"kappa/voice-7b"}


def test_republishing_rebuilds_the_sibling_entries_without_leftovers(catalog: Any) -> None:
    test_sibling_products_on_the_same_weights_are_separate_entries(catalog)
    catalog.replace("or", [model("kappa/voice", hugging_face_id="Kappa/Voice-7B")])
    assert sorted(entries()) == ["kappa/voice-7b"]


def test_disabled_gateways_are_left_out_of_the_merge(catalog: Any) -> None:
    catalog.gateway("on", priority=10)
    catalog.gateway("off", priority=90)
    catalog.publish("on", [model("org/m", name="on")])
    catalog.publish("off", [model("org/m", name="off")])
    Gateway.objects.filter(slug="off").update(enabled=False)
    rebuild_all_merged()
    assert entries()["org/m"]["source_gateways"] == ["on"]


def test_merge_output_does_not_depend_on_publish_order(catalog: Any) -> None:
    catalog.gateway("x", priority=50)
    catalog.gateway("y", priority=50)  # same priority: the slug decides
    catalog.publish("y", [model("org/m", name="y", prompt="0.000002", completion="0.000002")])
    catalog.publish("x", [model("org/m", name="x", prompt="0.000001", completion="0.000003")])
    first = entries()
    MergedModel.objects.all().delete()
    rebuild_all_merged()
    assert entries() == first
    assert first["org/m"]["source_gateways"] == ["x", "y"]


def test_partition_keeps_priority_order_inside_each_entry() -> None:
    def doc(outs: list[str]) -> dict[str, Any]:
        return {"architecture": {"output_modalities": outs}}

    offers = [("a", doc([])), ("b", doc(["speech"])), ("c", doc(["text"])), ("d", doc(["speech"])), ("e", doc([]))]
    assert partition(offers) == [[0, 1, 3, 4], [2]]


def test_source_gateways_are_listed_once_and_unknown_prices_are_not_the_lowest() -> None:
    docs = [
        ("g", {"id": "a", "pricing": {"prompt": None, "completion": None}}),
        ("g", {"id": "b", "pricing": {"prompt": "0.5", "completion": None}}),
        ("h", {"id": "c", "pricing": {"prompt": "0.25", "completion": None}}),
    ]
    merged = merge_documents(docs)
    assert merged["source_gateways"] == ["g", "h"]
    assert merged["lowest_pricing"] == {"prompt": "0.25", "completion": None}
