"""`GET /catalog/v1/models`: filters, sorts, paging and the envelope, against the hand-built
catalog of conftest.py (expected results computed by hand from its table)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from catalog.render import PASSED_THROUGH
from catalog.serializers import OPENAI_MAX_LIMIT

from ..factories import make_gateway, token_prices
from .conftest import ALL_IDS, BETA

pytestmark = pytest.mark.django_db


def ids(client: Client, query: str = "", path: str = "/catalog/v1/models") -> list[str]:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL_IDS),
        ("gateway=all", ALL_IDS),
        ("provider=bolt", ["bolt/embedder", "bolt/vision-pro"]),
        ("provider=ACME,solo", ["acme/alpha-chat", "acme/alpha-chat:free", "solo/tiny"]),
        ("q=vision", ["bolt/vision-pro"]),  # id
        ("q=documents", ["bolt/vision-pro"]),  # description
        ("q=ALPHA", ["acme/alpha-chat", "acme/alpha-chat:free"]),  # case-insensitive
        ("q=zeta video", ["zeta/video-gen"]),  # name
        ("input_modalities=image", ["acme/alpha-chat", "bolt/vision-pro"]),
        ("input_modalities=image,file", ["bolt/vision-pro"]),
        ("input_modalities=Image, FILE", ["bolt/vision-pro"]),
        ("output_modalities=embeddings", ["bolt/embedder"]),
        ("output_modalities=text,video", []),
        ("supported_parameters=tools", ["@cloudone/omni", "acme/alpha-chat", "bolt/vision-pro"]),
        ("supported_parameters=tools,seed", ["bolt/vision-pro"]),
        ("min_context=100000", ["acme/alpha-chat"]),
        ("min_context=8192", ["@cloudone/omni", "acme/alpha-chat", "acme/alpha-chat:free", "bolt/embedder"]),
        # for `all` the lowest price across offers: alpha-chat 0.0000005 (beta), embedder 0.00000005 (beta)
        (
            "max_prompt_price=0.0000005",
            ["acme/alpha-chat", "acme/alpha-chat:free", "bolt/embedder", "solo/tiny", "zeta/video-gen"],
        ),
        ("max_prompt_price=0.0000004", ["acme/alpha-chat:free", "bolt/embedder", "solo/tiny", "zeta/video-gen"]),
        ("max_prompt_price=5e-8", ["acme/alpha-chat:free", "bolt/embedder", "zeta/video-gen"]),
        (
            "max_completion_price=0.000002",
            ["acme/alpha-chat", "acme/alpha-chat:free", "bolt/embedder", "solo/tiny", "zeta/video-gen"],
        ),
        ("max_prompt_price=0.000001&max_completion_price=0", ["acme/alpha-chat:free", "bolt/embedder", "zeta/video-gen"]),
        # the video model's 0/0 are placeholders, not free
        ("free=true", ["acme/alpha-chat:free"]),
        ("free=false", [i for i in ALL_IDS if i != "acme/alpha-chat:free"]),
        ("provider=acme&min_context=50000&supported_parameters=tools", ["acme/alpha-chat"]),
        ("q=nothing-matches-this", []),
        # per gateway: that gateway's own rows and prices
        (
            "gateway=alpha",
            ["acme/alpha-chat", "acme/alpha-chat:free", "bolt/embedder", "bolt/vision-pro", "zeta/video-gen"],
        ),
        ("gateway=beta", ["@cloudone/omni", "@cloudtwo/omni", "Acme/Alpha-Chat", "bolt/embedder"]),
        ("gateway=GAMMA", ["solo/tiny"]),
        ("gateway=alpha&max_prompt_price=0.0000005", ["acme/alpha-chat:free", "bolt/embedder", "zeta/video-gen"]),
        ("gateway=beta&provider=omni-labs&max_prompt_price=0.0000025", ["@cloudtwo/omni"]),
        ("gateway=alpha&supported_parameters=tools", ["acme/alpha-chat", "bolt/vision-pro"]),
    ],
)
def test_filters_select_exactly_the_hand_computed_models(
    small_catalog: Any, client: Client, query: str, expected: list[str]
) -> None:
    assert ids(client, query) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("id", ALL_IDS),
        ("-id", ALL_IDS[::-1]),
        # case-insensitive: "acme alpha chat" < "acme alpha chat (free)" < ... < "solo tiny" < "zeta video"
        (
            "name",
            [
                "acme/alpha-chat",
                "acme/alpha-chat:free",
                "bolt/embedder",
                "bolt/vision-pro",
                "@cloudone/omni",
                "solo/tiny",
                "zeta/video-gen",
            ],
        ),
        # unknown context (vision-pro, video-gen) last in both directions, ties by id
        (
            "context_length",
            [
                "solo/tiny",
                "bolt/embedder",
                "acme/alpha-chat:free",
                "@cloudone/omni",
                "acme/alpha-chat",
                "bolt/vision-pro",
                "zeta/video-gen",
            ],
        ),
        (
            "-context_length",
            [
                "acme/alpha-chat",
                "@cloudone/omni",
                "acme/alpha-chat:free",
                "bolt/embedder",
                "solo/tiny",
                "bolt/vision-pro",
                "zeta/video-gen",
            ],
        ),
        # the embedder's created is filled from beta (alpha does not know it); omni's is unknown
        (
            "created",
            [
                "solo/tiny",
                "bolt/embedder",
                "bolt/vision-pro",
                "acme/alpha-chat",
                "acme/alpha-chat:free",
                "zeta/video-gen",
                "@cloudone/omni",
            ],
        ),
        (
            "-created",
            [
                "zeta/video-gen",
                "acme/alpha-chat:free",
                "acme/alpha-chat",
                "bolt/vision-pro",
                "bolt/embedder",
                "solo/tiny",
                "@cloudone/omni",
            ],
        ),
        # lowest prompt prices: omni 0.0000025, alpha-chat 0.0000005, tiny 0.0000002, embedder 0.00000005,
        # free and video 0 (tie by id), vision-pro unknown
        (
            "-prompt_price",
            [
                "@cloudone/omni",
                "acme/alpha-chat",
                "solo/tiny",
                "bolt/embedder",
                "acme/alpha-chat:free",
                "zeta/video-gen",
                "bolt/vision-pro",
            ],
        ),
        (
            "prompt_price",
            [
                "acme/alpha-chat:free",
                "zeta/video-gen",
                "bolt/embedder",
                "solo/tiny",
                "acme/alpha-chat",
                "@cloudone/omni",
                "bolt/vision-pro",
            ],
        ),
        # lowest completion: free, embedder, video 0; tiny 0.0000002; alpha-chat 0.000002; omni 0.000006
        (
            "completion_price",
            [
                "acme/alpha-chat:free",
                "bolt/embedder",
                "zeta/video-gen",
                "solo/tiny",
                "acme/alpha-chat",
                "@cloudone/omni",
                "bolt/vision-pro",
            ],
        ),
    ],
)
def test_sorts_order_like_the_hand_computed_lists_with_unknown_values_last(
    small_catalog: Any, client: Client, sort: str, expected: list[str]
) -> None:
    assert ids(client, f"sort={sort}") == expected


def test_sort_on_one_gateway_uses_that_gateways_prices(small_catalog: Any, client: Client) -> None:
    assert ids(client, "gateway=beta&sort=-prompt_price") == [
        "@cloudone/omni",
        "@cloudtwo/omni",
        "Acme/Alpha-Chat",
        "bolt/embedder",
    ]


def test_pages_walk_the_whole_list_with_truthful_envelope(small_catalog: Any, client: Client) -> None:
    seen: list[str] = []
    envelopes = []
    offset = 0
    while True:
        body = client.get(f"/catalog/v1/models?limit=3&offset={offset}").json()
        envelopes.append({k: body[k] for k in ("total", "returned", "offset", "limit", "has_more", "next_offset")})
        seen += [item["id"] for item in body["data"]]
        if not body["has_more"]:
            break
        offset = body["next_offset"]
    assert seen == ALL_IDS
    assert envelopes == [
        {"total": 7, "returned": 3, "offset": 0, "limit": 3, "has_more": True, "next_offset": 3},
        {"total": 7, "returned": 3, "offset": 3, "limit": 3, "has_more": True, "next_offset": 6},
        {"total": 7, "returned": 1, "offset": 6, "limit": 3, "has_more": False, "next_offset": None},
    ]


def test_default_limit_is_50_and_large_limits_are_clamped_to_1000(small_catalog: Any, client: Client) -> None:
    assert client.get("/catalog/v1/models").json()["limit"] == 50
    assert client.get("/catalog/v1/models?limit=5000").json()["limit"] == 1000


@pytest.mark.parametrize("path", ["/catalog/v1/models", "/catalog/v1/changes", "/catalog/v1/deprecations", "/v1/models"])
def test_limit_0_is_a_400_naming_the_accepted_range_not_a_page_that_never_advances(
    small_catalog: Any, client: Client, path: str
) -> None:
    response = client.get(f"{path}?limit=0")
    assert response.status_code == 400
    error = response.json()["error"]
    maximum = 1000 if path.startswith("/catalog") else OPENAI_MAX_LIMIT
    assert (error["param"], error["message"]) == (
        "limit",
        f"limit: must be between 1 and {maximum} (larger values are clamped to {maximum})",
    )


def test_offset_past_the_end_is_an_empty_page(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?offset=99").json()
    assert (body["data"], body["total"], body["has_more"], body["next_offset"]) == ([], 7, False, None)


def test_merged_entry_is_the_primary_record_filled_from_the_others(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?q=alpha-chat&free=false").json()
    # Provenance (tests/catalog/test_provenance.py): alpha states every field; no run recorded here.
    [entry] = body["data"]
    assert entry.pop("disagreements") == []
    provenance = entry.pop("provenance")
    assert (provenance["gateway"], provenance["run"], provenance["fields"]) == ("alpha", None, {})
    for offer in entry["offers"]:
        assert offer.pop("run") is None and offer.pop("fetched_at").endswith("Z")
    assert body["data"] == [
        {
            "id": "acme/alpha-chat",
            "canonical_slug": None,
            "hugging_face_id": None,
            "name": "Acme Alpha Chat",
            "created": 1700000000,
            "description": "General chat model",
            "context_length": 128000,
            "architecture": {
                "modality": "text+image->text",
                "input_modalities": ["text", "image"],
                "output_modalities": ["text"],
                "tokenizer": None,
                "instruct_type": None,
            },
            "pricing": {"prompt": "0.000001", "completion": "0.000002"},
            "prices": token_prices("0.000001", "0.000002"),
            "pricing_dynamic": False,
            "top_provider": {"context_length": 128000, "max_completion_tokens": None, "is_moderated": None},
            "per_request_limits": None,
            "supported_parameters": ["tools", "temperature"],
            "default_parameters": {},
            **dict.fromkeys(PASSED_THROUGH),  # not stated by these upstreams: null
            "upstream_active": True,
            "deprecation": None,
            "availability": "available",
            "missing_since": None,
            "source_gateway": "alpha",
            "provider_slug": "acme",
            "source_gateways": ["alpha", "beta"],
            "lowest_pricing": {"prompt": "0.0000005", "completion": "0.000002"},
            "lowest_prices": [
                {"component": "input_token", "unit": "token", "usd": "0.0000005", "gateway": "beta"},
                {"component": "output_token", "unit": "token", "usd": "0.000002", "gateway": "alpha"},
            ],
            "offers": [
                {
                    "gateway": "alpha",
                    "id": "acme/alpha-chat",
                    "provider_slug": "acme",
                    "provider": None,
                    "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                    "prices": token_prices("0.000001", "0.000002"),
                    "pricing_dynamic": False,
                    "context_length": 128000,
                    "quantization": None,
                    "availability": "available",
                    "sunset_at": None,
                    "endpoint": None,
                },
                {
                    "gateway": "beta",
                    "id": "Acme/Alpha-Chat",
                    "provider_slug": "acme",
                    "provider": None,
                    "pricing": {"prompt": "0.0000005", "completion": "0.000003"},
                    "prices": token_prices("0.0000005", "0.000003"),
                    "pricing_dynamic": False,
                    "context_length": 200000,
                    "quantization": None,
                    "availability": "available",
                    "sunset_at": None,
                    "endpoint": None,
                },
            ],
        }
    ]


def test_per_gateway_items_are_that_gateways_records_without_raw_payloads(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?gateway=gamma").json()
    assert body["data"] == [
        {
            "id": "solo/tiny",
            "canonical_slug": None,
            "hugging_face_id": None,
            "name": "solo tiny",
            "created": 1600000000,
            "description": None,
            "context_length": 2048,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tokenizer": None,
                "instruct_type": None,
            },
            "pricing": {"prompt": "0.0000002", "completion": "0.0000002"},
            "prices": token_prices("0.0000002", "0.0000002"),
            "pricing_dynamic": False,
            "top_provider": {"context_length": 2048, "max_completion_tokens": None, "is_moderated": None},
            "per_request_limits": None,
            "supported_parameters": [],
            "default_parameters": {},
            **dict.fromkeys(PASSED_THROUGH),
            "upstream_active": True,
            "deprecation": None,
            "availability": "available",
            "missing_since": None,
            "source_gateway": "gamma",
            "provider_slug": "solo",
        }
    ]


def test_envelope_carries_gateway_note_timestamp_and_freshness_of_involved_gateways(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?gateway=beta&limit=1").json()
    assert set(body) == {
        "data",
        "total",
        "returned",
        "offset",
        "limit",
        "gateway",
        "has_more",
        "next_offset",
        "note",
        "timestamp",
        "freshness",
    }
    assert body["gateway"] == "beta"
    assert body["timestamp"].endswith("Z")
    assert list(body["freshness"]) == ["beta"]
    assert body["freshness"]["beta"]["status"] == "ok"
    assert body["freshness"]["beta"]["stale"] is False
    assert 30 <= body["freshness"]["beta"]["age_seconds"] < 3600
    everything = client.get("/catalog/v1/models?limit=1").json()
    assert list(everything["freshness"]) == ["alpha", "beta", "gamma"]  # enabled ones, by priority


def test_a_gateway_without_models_answers_an_empty_list(catalog: Any, client: Client) -> None:
    catalog.gateway("delta", fresh=False)
    body = client.get("/catalog/v1/models?gateway=delta").json()
    assert (body["data"], body["total"], body["gateway"]) == ([], 0, "delta")
    assert body["freshness"]["delta"]["status"] == "never_refreshed"


def test_removed_models_leave_the_gateway_list_and_the_merge(small_catalog: Any, client: Client) -> None:
    small_catalog.replace("beta", [m for m in BETA if m.id != "Acme/Alpha-Chat"])
    assert "Acme/Alpha-Chat" not in ids(client, "gateway=beta")
    merged = client.get("/catalog/v1/models?q=alpha-chat&free=false").json()["data"][0]
    assert merged["source_gateways"] == ["alpha"]
    assert merged["lowest_pricing"] == {"prompt": "0.000001", "completion": "0.000002"}


@pytest.fixture
def everything_stale(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every gateway reads as stale; returns the slugs of each `stale_data_read` announcement."""
    from dataclasses import replace

    from catalog import responses
    from catalog.signals import stale_data_read

    real = responses.source_statuses
    monkeypatch.setattr(
        responses, "source_statuses", lambda: {slug: replace(s, stale=True, status="stale") for slug, s in real().items()}
    )
    announced: list[list[str]] = []

    def record(*, slugs: list[str], **kwargs: Any) -> None:
        announced.append(slugs)

    stale_data_read.connect(record, dispatch_uid="test-record-stale")
    yield announced
    stale_data_read.disconnect(dispatch_uid="test-record-stale")


def test_a_read_that_finds_stale_gateways_requests_a_refresh_and_labels_them(
    small_catalog: Any, client: Client, everything_stale: list[list[str]]
) -> None:
    body = client.get("/catalog/v1/models?gateway=beta").json()
    assert everything_stale == [["beta"]]
    assert body["freshness"]["beta"]["stale"] is True
    assert "Stale data (served, refresh requested): beta." in body["note"]
    assert len(body["data"]) == 4  # stale data is served, not hidden
    client.get("/catalog/v1/models")
    assert everything_stale[-1] == ["alpha", "beta", "gamma"]


def test_a_failing_refresh_request_never_breaks_the_read(
    small_catalog: Any, client: Client, everything_stale: list[list[str]]
) -> None:
    from catalog.signals import stale_data_read

    def broken(**kwargs: Any) -> None:
        raise ConnectionError("broker down")

    stale_data_read.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        response = client.get("/catalog/v1/models?gateway=alpha")
    finally:
        stale_data_read.disconnect(dispatch_uid="test-broken-receiver")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 5
    assert everything_stale == [["alpha"]]  # the announcement was made, and the failure swallowed


def test_real_provider_marks_a_stale_gateway_due_without_fetching(catalog: Any, client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gateways.models import Gateway

    gateway = catalog.gateway("old", priority=5)
    Gateway.objects.filter(pk=gateway.pk).update(last_success_at=timezone.now() - timedelta(days=2))
    body = client.get("/catalog/v1/models?gateway=old").json()
    assert body["freshness"]["old"]["stale"] is True
    # One refresh queued (the queue mark deduplicates the next stale reads); nothing fetched here.
    assert Gateway.objects.get(pk=gateway.pk).refresh_queued_at is not None


def test_the_note_says_what_is_true_of_each_gateway_without_fresh_data(
    small_catalog: Any, client: Client, gateway_keys: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gateways.models import Gateway

    make_gateway("empty-keyless", priority=5)
    make_gateway("empty-keyed", priority=4)
    gateway_keys(**{"empty-keyed": "sk-empty-keyed"})

    note = client.get("/catalog/v1/models?limit=1").json()["note"]
    assert note.endswith(
        "null means unknown."
        " No live data yet (not configured (key or option missing), not refreshed): empty-keyless."
        " No live data yet (refresh requested): empty-keyed."
    ), note

    Gateway.objects.filter(slug="beta").update(enabled=False, last_success_at=timezone.now() - timedelta(days=2))
    Gateway.objects.sync_sources()
    note = client.get("/catalog/v1/models?gateway=beta&limit=1").json()["note"]
    assert note.endswith("null means unknown. Stale data (served, switched off, not refreshed): beta."), note
