"""One entry per model (issue 17, item 1): the spellings upstreams really use meet, aliases from
upstream signals and the curated file join short names, and different products stay apart."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from catalog import identity
from catalog.models import AIModel, MergedModel, ModelAlias

from .conftest import Catalog, model


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/llama-3-8b-instruct"),  # case, repeated author head
        ("nvidia/Llama-3_3-Nemotron-Super-49B-v1_5", "nvidia/llama-3.3-nemotron-super-49b-v1.5"),  # _ vs . in versions
        ("xai/grok-4", "x-ai/grok-4"),  # author spelling
        ("mistral/mistral-large-2411", "mistralai/mistral-large-2411"),
    ],
)
def test_spellings_upstreams_use_are_one_key(a: str, b: str) -> None:
    assert identity.spelled(a) == identity.spelled(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-70b-instruct"),  # a different size
        ("qwen/qwen3-32b", "qwen/qwen3-32b-fp8"),  # a quantization sold as its own product
        ("meta-llama/llama-3.1-8b", "meta-llama/llama-3.1-8b-instruct"),  # the base model and the instruct tune
        ("acme/model_v2", "acme/model-v2"),  # `_` between letters is not a version separator
        ("org/llama-3-8b", "org/llama-3.8b"),  # a dash between digits is not a dot
    ],
)
def test_different_products_keep_different_keys(a: str, b: str) -> None:
    assert identity.spelled(a) != identity.spelled(b)


def test_a_variant_is_never_the_same_offer_and_an_alias_loop_cannot_hang() -> None:
    aliases = {"a/x": "a/y", "a/y": "a/x"}
    assert identity.merge_key(model_id="a/x", merge_base="a/x", hugging_face_id=None, variant="free", aliases={}) == "a/x:free"
    assert identity.resolve("a/x", aliases) in {"a/x", "a/y"}


def entries() -> dict[str, list[tuple[str, str]]]:
    """Served entries: id -> offers (gateway, upstream id)."""
    import orjson

    return {
        row.model_id: [(o["gateway"], o["id"]) for o in orjson.loads(row.public_json)["offers"]]
        for row in MergedModel.objects.order_by("model_id")
    }


@pytest.fixture
def three(catalog: Catalog) -> Catalog:
    catalog.gateway("router", priority=90)  # states Hugging Face ids, like OpenRouter
    catalog.gateway("plain", priority=50)  # the router's ids, no Hugging Face id
    catalog.gateway("hub", priority=30)  # Hugging Face ids as ids, like DeepInfra or Chutes
    return catalog


def test_a_hugging_face_id_and_the_plain_id_make_one_entry_whichever_list_comes_first(three: Catalog) -> None:
    # The plain list is stored first: its row is keyed by its own id until the router's list says
    # that id is another name of Qwen/Qwen2.5-72B-Instruct.
    three.publish("plain", [model("qwen/qwen-2.5-72b-instruct", prompt="0.0000003", completion="0.0000004")])
    three.publish("hub", [model("Qwen/Qwen2.5-72B-Instruct", hugging_face_id="Qwen/Qwen2.5-72B-Instruct")])
    assert len(entries()) == 2  # no signal yet
    three.publish(
        "router",
        [
            model(
                "qwen/qwen-2.5-72b-instruct",
                hugging_face_id="Qwen/Qwen2.5-72B-Instruct",
                prompt="0.0000004",
                completion="0.0000005",
            )
        ],
    )
    assert entries() == {
        "qwen/qwen-2.5-72b-instruct": [
            ("router", "qwen/qwen-2.5-72b-instruct"),
            ("plain", "qwen/qwen-2.5-72b-instruct"),
            ("hub", "Qwen/Qwen2.5-72B-Instruct"),
        ]
    }
    assert ModelAlias.objects.filter(alias="qwen/qwen-2.5-72b-instruct").values_list("canonical_key", "source").get() == (
        "qwen/qwen2.5-72b-instruct",
        "hugging_face_id",
    )
    # A later refresh of the plain list keeps its row in the entry (the alias resolves it).
    three.publish("plain", [model("qwen/qwen-2.5-72b-instruct", prompt="0.0000002", completion="0.0000004")])
    assert len(entries()) == 1


def test_the_splits_real_lists_showed_are_merged_and_different_products_stay_apart(three: Catalog, client: Client) -> None:
    three.publish(
        "router",
        [
            model("meta-llama/llama-3-8b-instruct", hugging_face_id="meta-llama/Meta-Llama-3-8B-Instruct", prompt="0.00000003"),
            model("nvidia/llama-3.3-nemotron-super-49b-v1.5", hugging_face_id="nvidia/Llama-3_3-Nemotron-Super-49B-v1_5"),
            model("meta-llama/llama-3.3-70b-instruct", hugging_face_id="meta-llama/Llama-3.3-70B-Instruct", prompt="0.0000001"),
            model("meta-llama/llama-3.3-70b-instruct:free", hugging_face_id="meta-llama/Llama-3.3-70B-Instruct", prompt="0"),
            model("meta-llama/llama-3.1-70b-instruct", hugging_face_id="meta-llama/Llama-3.1-70B-Instruct"),
        ],
    )
    three.publish(
        "hub",
        [
            model("meta-llama/Meta-Llama-3-8B-Instruct", hugging_face_id="meta-llama/Meta-Llama-3-8B-Instruct"),
            model("nvidia/Llama-3_3-Nemotron-Super-49B-v1_5", hugging_face_id="nvidia/Llama-3_3-Nemotron-Super-49B-v1_5"),
            model("meta-llama/Llama-3.3-70B-Instruct-FP8", hugging_face_id="meta-llama/Llama-3.3-70B-Instruct-FP8"),
        ],
    )
    # Groq's and Cerebras' short names, joined by the curated file (catalog/data/model_aliases.json).
    three.publish("plain", [model("llama-3.3-70b-versatile", prompt="0.00000059"), model("llama-3.3-70b", prompt="0.00000085")])

    served = entries()
    assert served == {
        "meta-llama/Llama-3.3-70B-Instruct-FP8": [("hub", "meta-llama/Llama-3.3-70B-Instruct-FP8")],
        "meta-llama/llama-3-8b-instruct": [
            ("router", "meta-llama/llama-3-8b-instruct"),
            ("hub", "meta-llama/Meta-Llama-3-8B-Instruct"),
        ],
        "meta-llama/llama-3.1-70b-instruct": [("router", "meta-llama/llama-3.1-70b-instruct")],
        "meta-llama/llama-3.3-70b-instruct": [
            ("router", "meta-llama/llama-3.3-70b-instruct"),
            ("plain", "llama-3.3-70b"),
            ("plain", "llama-3.3-70b-versatile"),
        ],
        "meta-llama/llama-3.3-70b-instruct:free": [("router", "meta-llama/llama-3.3-70b-instruct:free")],
        "nvidia/llama-3.3-nemotron-super-49b-v1.5": [
            ("router", "nvidia/llama-3.3-nemotron-super-49b-v1.5"),
            ("hub", "nvidia/Llama-3_3-Nemotron-Super-49B-v1_5"),
        ],
    }
    ids = Counter(MergedModel.objects.values_list("model_id", flat=True))
    assert [i for i, n in ids.items() if n > 1] == []  # no two served entries share an id

    # A lookup by any id an offer uses returns the one entry with all its offers.
    for name in ("llama-3.3-70b-versatile", "llama-3.3-70b", "Meta-Llama/Llama-3.3-70B-Instruct"):
        body = client.get(f"/catalog/v1/models/{name}").json()
        assert (body["data"]["id"], len(body["data"]["offers"])) == ("meta-llama/llama-3.3-70b-instruct", 3), name


def test_a_lookup_by_an_alias_no_list_uses_answers_with_the_model(three: Catalog, client: Client) -> None:
    three.publish("router", [model("meta-llama/llama-3.1-8b-instruct", hugging_face_id="meta-llama/Llama-3.1-8B-Instruct")])
    body = client.get("/catalog/v1/models/llama-3.1-8b-instant").json()  # curated: Groq's name, Groq not stored
    assert (body["data"]["id"], body["matched_by"]) == ("meta-llama/llama-3.1-8b-instruct", "alias")
    spelled = client.get("/catalog/v1/models/meta-llama/Meta-Llama-3.1-8B-Instruct").json()
    assert (spelled["data"]["id"], spelled["matched_by"]) == ("meta-llama/llama-3.1-8b-instruct", "merge_key")
    assert client.get("/catalog/v1/models/llama-3.1-8b-nothing").status_code == 404


def test_a_provider_s_bare_ids_carry_the_provider() -> None:
    from gateways.registry import registered_kinds

    google = registered_kinds()["google"]().parse_body(
        {"models": [{"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro"}]}
    )
    [gemini] = google.models
    key = identity.merge_key(model_id=gemini.id, merge_base=gemini.merge_base, hugging_face_id=None, variant=None, aliases={})
    assert (gemini.id, key) == ("gemini-2.5-pro", "google/gemini-2.5-pro")


def test_the_alias_list_says_where_each_name_came_from(three: Catalog, client: Client) -> None:
    three.publish("router", [model("qwen/qwen-2.5-72b-instruct", hugging_face_id="Qwen/Qwen2.5-72B-Instruct")])
    body = client.get("/catalog/v1/aliases?model=qwen/qwen-2.5-72b-instruct").json()
    assert body["data"] == [
        {
            "alias": "qwen/qwen-2.5-72b-instruct",
            "canonical_key": "qwen/qwen2.5-72b-instruct",
            "source": "hugging_face_id",
            "gateway": "router",
            "evidence": "",
        }
    ]
    curated = client.get("/catalog/v1/aliases?source=curated").json()
    assert {row["alias"] for row in curated["data"]} == {e.alias for e in identity.curated()}
    assert all(row["evidence"] for row in curated["data"])
    assert client.get("/catalog/v1/aliases?source=rumour").status_code == 400


def test_every_curated_alias_names_its_evidence(tmp_path: Any) -> None:
    assert all(entry.evidence.startswith(("Groq", "Cerebras")) or "http" in entry.evidence for entry in identity.curated())
    broken = tmp_path / "aliases.json"
    broken.write_text('[{"alias": "a/b", "canonical_key": "a/c"}]')
    with pytest.raises(ValueError, match="entry 0: evidence missing"):
        identity.curated(broken)


def test_staff_join_two_names_in_admin_and_the_entries_merge_at_once(three: Catalog) -> None:
    three.publish("router", [model("anthropic/claude-sonnet-4.6", prompt="0.000003")])
    three.publish("plain", [model("anthropic/claude-sonnet-4-6", prompt="0.000003")])
    assert len(entries()) == 2
    staff = get_user_model().objects.create_superuser("root", "root@example.test", "pw-root-0123")
    client = Client()
    client.force_login(staff)
    refused = client.post(
        "/admin/catalog/modelalias/add/", {"alias": "anthropic/claude-sonnet-4-6", "canonical_key": "anthropic/claude-sonnet-4.6"}
    )
    assert refused.status_code == 200 and "say why the two names are one model" in refused.content.decode()
    response = client.post(
        "/admin/catalog/modelalias/add/",
        {
            "alias": "Anthropic/Claude-Sonnet-4-6",
            "canonical_key": "anthropic/claude-sonnet-4.6",
            "evidence": "Anthropic's model list names claude-sonnet-4-6 the model OpenRouter lists as claude-sonnet-4.6.",
        },
    )
    assert response.status_code == 302
    alias = ModelAlias.objects.get(alias="anthropic/claude-sonnet-4-6")
    assert (alias.canonical_key, alias.source) == ("anthropic/claude-sonnet-4.6", "staff")
    assert entries() == {
        "anthropic/claude-sonnet-4.6": [("router", "anthropic/claude-sonnet-4.6"), ("plain", "anthropic/claude-sonnet-4-6")]
    }
    assert set(AIModel.objects.values_list("canonical_key", flat=True)) == {"anthropic/claude-sonnet-4.6"}
