"""`fetch()` against fake upstreams (`httpx.MockTransport` through `gateways.client.build_client`):
pagination followed to the end with a page cap, fallbacks, and keys only ever in headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateways.adapters.base import Adapter
from gateways.client import build_client
from gateways.errors import AdapterError, ErrorKind
from gateways.keys import env_suffix
from gateways.registry import adapter_for, registered_kinds

KEY = "sk-test-secret-123"
ACCOUNT = "0123456789abcdef0123456789abcdef"
# The options a kind cannot be fetched without.
REQUIRED_OPTIONS: dict[str, dict[str, Any]] = {"cloudflare-workers-ai": {"account_id": ACCOUNT}}


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.GATEWAY_KEYS = {}
    settings.GATEWAY_BASE_URLS = {}


def fetch(
    kind: str,
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    key: str | None = None,
    options: dict[str, Any] | None = None,
    **attrs: Any,
):
    """Run `kind`'s fetch against `handler`; returns (items, requests, adapter). `options` default
    to the ones the kind requires."""
    from django.conf import settings

    if key:
        settings.GATEWAY_KEYS = {env_suffix(kind): key}
    cls = adapter_for(kind)
    adapter = cls(options=REQUIRED_OPTIONS.get(kind, {}) if options is None else options)
    for name, value in attrs.items():
        setattr(adapter, name, value)
    requests: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return handler(request)

    base_url = cls.default_base_url or "https://generic.example.test/v1"
    with build_client(slug=kind, base_url=base_url, adapter=cls, transport=httpx.MockTransport(recording)) as client:
        try:
            items = adapter.fetch(client)
        except AdapterError as exc:
            return exc, requests, adapter
    return items, requests, adapter


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


# --- Google: nextPageToken ---------------------------------------------------------------------


def test_google_follows_next_page_token_to_the_end_with_the_key_in_a_header() -> None:
    pages = {
        None: {"models": [{"name": "models/a"}], "nextPageToken": "t2"},
        "t2": {"models": [{"name": "models/b"}], "nextPageToken": "t3"},
        "t3": {"models": [{"name": "models/c"}]},
    }
    items, requests, _ = fetch("google", lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")]), key=KEY)

    assert [i["name"] for i in items] == ["models/a", "models/b", "models/c"]
    assert [params(r) for r in requests] == [
        {"pageSize": "1000"},
        {"pageSize": "1000", "pageToken": "t2"},
        {"pageSize": "1000", "pageToken": "t3"},
    ]
    assert all(r.url.path == "/v1beta/models" for r in requests)
    assert all(r.headers["x-goog-api-key"] == KEY for r in requests)
    assert all(KEY not in str(r.url) and "key=" not in str(r.url) for r in requests)
    assert all("authorization" not in r.headers for r in requests)


def test_google_stops_at_the_page_cap_instead_of_publishing_part_of_the_list() -> None:
    counter = iter(range(1000))
    result, requests, _ = fetch(
        "google",
        lambda r: httpx.Response(200, json={"models": [{"name": "models/x"}], "nextPageToken": f"t{next(counter)}"}),
        key=KEY,
        max_pages=4,
    )
    assert isinstance(result, AdapterError)
    assert (result.kind, result.permanent) == (ErrorKind.MALFORMED, True)
    assert "more than 4 pages" in str(result)
    assert len(requests) == 4


def test_google_refuses_a_token_that_points_back_at_a_page_already_read() -> None:
    result, requests, _ = fetch(
        "google", lambda r: httpx.Response(200, json={"models": [{"name": "models/x"}], "nextPageToken": "same"}), key=KEY
    )
    assert isinstance(result, AdapterError) and "repeated a page" in str(result)
    assert len(requests) == 2


# --- Fal: cursor -------------------------------------------------------------------------------


def test_fal_follows_the_cursor_until_has_more_is_false_with_a_key_header() -> None:
    pages = {
        None: {"models": [{"endpoint_id": "fal-ai/a"}], "next_cursor": "Mg==", "has_more": True},
        "Mg==": {"models": [{"endpoint_id": "fal-ai/b"}], "next_cursor": "Mw==", "has_more": True},
        "Mw==": {"models": [{"endpoint_id": "fal-ai/c"}], "next_cursor": "NA==", "has_more": False},
    }
    items, requests, _ = fetch("fal", lambda r: httpx.Response(200, json=pages[r.url.params.get("cursor")]), key=KEY)

    assert [i["endpoint_id"] for i in items] == ["fal-ai/a", "fal-ai/b", "fal-ai/c"]
    assert [params(r) for r in requests] == [{}, {"cursor": "Mg=="}, {"cursor": "Mw=="}]
    assert all(r.headers["authorization"] == f"Key {KEY}" for r in requests)
    assert all(KEY not in str(r.url) for r in requests)


def test_fal_stops_when_next_cursor_is_null() -> None:
    items, requests, _ = fetch(
        "fal", lambda r: httpx.Response(200, json={"models": [{"endpoint_id": "x/y"}], "next_cursor": None, "has_more": True})
    )
    assert (len(items), len(requests)) == (1, 1)
    assert "authorization" not in requests[0].headers  # listing needs no key


def test_fal_page_cap() -> None:
    counter = iter(range(1000))
    result, requests, _ = fetch(
        "fal",
        lambda r: httpx.Response(200, json={"models": [], "next_cursor": f"c{next(counter)}", "has_more": True}),
        max_pages=3,
    )
    assert isinstance(result, AdapterError) and "more than 3 pages" in str(result)
    assert len(requests) == 3


def test_the_operators_page_cap_applies_when_lower_than_the_adapters(settings: Any) -> None:
    settings.GATEWAY_MAX_PAGES = 2
    counter = iter(range(1000))
    result, requests, _ = fetch(
        "fal", lambda r: httpx.Response(200, json={"models": [], "next_cursor": f"c{next(counter)}", "has_more": True})
    )
    assert isinstance(result, AdapterError)
    assert str(result) == "Fal list has more than 2 pages (GATEWAY_MAX_PAGES); stopped rather than publish part of it"
    assert len(requests) == 2

    settings.GATEWAY_MAX_PAGES = 10_000  # higher than the adapter's own cap: the adapter's holds
    result, requests, _ = fetch(
        "fal",
        lambda r: httpx.Response(200, json={"models": [], "next_cursor": f"c{next(counter)}", "has_more": True}),
        max_pages=3,
    )
    assert "more than 3 pages (max_pages)" in str(result) and len(requests) == 3


# --- Anthropic: has_more / last_id -> after_id ------------------------------------------------


def test_anthropic_follows_last_id_while_has_more_with_its_key_and_version_headers() -> None:
    pages = {
        None: {"data": [{"id": "claude-a"}, {"id": "claude-b"}], "has_more": True, "first_id": "claude-a", "last_id": "claude-b"},
        "claude-b": {"data": [{"id": "claude-c"}], "has_more": False, "first_id": "claude-c", "last_id": "claude-c"},
    }
    items, requests, _ = fetch("anthropic", lambda r: httpx.Response(200, json=pages[r.url.params.get("after_id")]), key=KEY)

    assert [i["id"] for i in items] == ["claude-a", "claude-b", "claude-c"]
    assert [params(r) for r in requests] == [{"limit": "1000"}, {"limit": "1000", "after_id": "claude-b"}]
    assert all(r.url.path == "/v1/models" for r in requests)
    assert all(r.headers["x-api-key"] == KEY and r.headers["anthropic-version"] == "2023-06-01" for r in requests)
    assert all("authorization" not in r.headers and KEY not in str(r.url) for r in requests)


def test_anthropic_stops_at_the_page_cap_and_on_a_cursor_already_followed() -> None:
    counter = iter(range(1000))
    capped, requests, _ = fetch(
        "anthropic",
        lambda r: httpx.Response(200, json={"data": [{"id": "x"}], "has_more": True, "last_id": f"m{next(counter)}"}),
        key=KEY,
        max_pages=3,
    )
    assert isinstance(capped, AdapterError) and "Anthropic list has more than 3 pages (max_pages)" in str(capped)
    assert len(requests) == 3

    looping, requests, _ = fetch(
        "anthropic", lambda r: httpx.Response(200, json={"data": [{"id": "x"}], "has_more": True, "last_id": "same"}), key=KEY
    )
    assert isinstance(looping, AdapterError) and "repeated a page" in str(looping)
    assert len(requests) == 2


# --- Helicone: the public registry, one page inside `data` -------------------------------------


def test_helicone_reads_the_public_registry_without_a_key_and_warns_when_total_differs() -> None:
    body = {"data": {"models": [{"id": "a"}, {"id": "b"}], "total": 3, "filters": {}}, "error": None}
    items, requests, adapter = fetch("helicone", lambda r: httpx.Response(200, json=body))

    assert [i["id"] for i in items] == ["a", "b"]
    assert [r.url.path for r in requests] == ["/v1/public/model-registry/models"]
    assert "authorization" not in requests[0].headers
    assert adapter.warnings == ["Helicone says data.total=3 but sent 2 models (its catalog may be capped)"]


# --- Featherless: page / per_page --------------------------------------------------------------


def test_featherless_pages_until_the_last_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(
            200,
            json={
                "data": [{"id": f"org/model-{page}"}],
                "pagination": {"current_page": page, "total_pages": 3, "total_items": 3},
                "total": 3,
            },
        )

    items, requests, _ = fetch("featherless", handler)

    assert [i["id"] for i in items] == ["org/model-1", "org/model-2", "org/model-3"]
    assert [params(r) for r in requests] == [{"per_page": "1000", "page": str(n)} for n in (1, 2, 3)]
    assert all("authorization" not in r.headers for r in requests)


def test_featherless_unpaged_body_is_the_whole_list() -> None:
    items, requests, _ = fetch("featherless", lambda r: httpx.Response(200, json={"data": [{"id": "a/b"}, {"id": "c/d"}]}))
    assert (len(items), len(requests)) == (2, 1)


def test_featherless_page_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json={"data": [], "pagination": {"current_page": page, "total_pages": 10**6}})

    result, requests, _ = fetch("featherless", handler, max_pages=5)
    assert isinstance(result, AdapterError) and "more than 5 pages" in str(result)
    assert len(requests) == 5


# --- Cloudflare Workers AI: page / per_page until an empty page, the account in the path --------


def cloudflare_page(page: int, names: list[str], **result_info: Any) -> httpx.Response:
    items = [{"id": f"uuid-{name}", "name": f"@cf/acme/{name}", "task": {"name": "Text Generation"}} for name in names]
    return httpx.Response(200, json={"success": True, "result": items, "result_info": {"page": page, **result_info}})


def test_cloudflare_pages_until_an_empty_page_with_the_account_id_in_the_path() -> None:
    names = {1: ["a", "b"], 2: ["c"], 3: []}
    items, requests, _ = fetch(
        "cloudflare-workers-ai", lambda r: cloudflare_page(int(r.url.params["page"]), names[int(r.url.params["page"])]), key=KEY
    )

    assert [i["name"] for i in items] == ["@cf/acme/a", "@cf/acme/b", "@cf/acme/c"]
    assert [params(r) for r in requests] == [{"per_page": "100", "page": str(n)} for n in (1, 2, 3)]
    assert {r.url.path for r in requests} == {f"/client/v4/accounts/{ACCOUNT}/ai/models/search"}
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in requests)


def test_cloudflare_stops_at_a_stated_page_count_without_asking_for_an_empty_page() -> None:
    items, requests, _ = fetch(
        "cloudflare-workers-ai", lambda r: cloudflare_page(int(r.url.params["page"]), ["x" + r.url.params["page"]], total_pages=2)
    )
    assert ([i["name"] for i in items], len(requests)) == (["@cf/acme/x1", "@cf/acme/x2"], 2)


def test_cloudflare_page_cap() -> None:
    result, requests, _ = fetch(
        "cloudflare-workers-ai", lambda r: cloudflare_page(int(r.url.params["page"]), ["again"]), max_pages=4
    )
    assert isinstance(result, AdapterError) and result.kind == ErrorKind.MALFORMED
    assert "more than 4 pages" in str(result) and len(requests) == 4


def test_cloudflare_without_an_account_id_is_unconfigured_and_sends_no_request() -> None:
    result, requests, _ = fetch("cloudflare-workers-ai", lambda r: cloudflare_page(1, ["a"]), key=KEY, options={})
    assert isinstance(result, AdapterError) and (result.kind, result.permanent) == (ErrorKind.UNCONFIGURED, True)
    assert str(result).startswith("Cloudflare Workers AI needs account_id in the gateway's options")
    assert requests == []


# --- Vertex AI: nextPageToken ------------------------------------------------------------------


def test_vertex_follows_next_page_token_with_the_token_in_the_bearer_header() -> None:
    pages = {
        None: {"publisherModels": [{"name": "publishers/google/models/a"}], "nextPageToken": "p2"},
        "p2": {"publisherModels": [{"name": "publishers/google/models/b"}], "nextPageToken": ""},
    }
    items, requests, _ = fetch("vertex-ai", lambda r: httpx.Response(200, json=pages[r.url.params.get("pageToken")]), key=KEY)

    assert [i["name"] for i in items] == ["publishers/google/models/a", "publishers/google/models/b"]
    assert [params(r) for r in requests] == [{"pageSize": "100"}, {"pageSize": "100", "pageToken": "p2"}]
    assert {(r.url.host, r.url.path) for r in requests} == {
        ("us-central1-aiplatform.googleapis.com", "/v1beta1/publishers/google/models")
    }
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in requests)


def test_vertex_refuses_a_token_that_points_back_at_a_page_already_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"publisherModels": [{"name": "publishers/google/models/a"}], "nextPageToken": "same"})

    result, requests, _ = fetch("vertex-ai", handler)
    assert isinstance(result, AdapterError) and "repeated a page" in str(result)
    assert len(requests) == 2


def test_vertex_page_cap() -> None:
    counter = iter(range(1000))
    result, requests, _ = fetch(
        "vertex-ai",
        lambda r: httpx.Response(200, json={"publisherModels": [], "nextPageToken": f"t{next(counter)}"}),
        max_pages=3,
    )
    assert isinstance(result, AdapterError) and "more than 3 pages" in str(result) and len(requests) == 3


# --- OpenRouter: links.next --------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_link",
    ["https://openrouter.ai/api/v1/models?output_modalities=all&offset=2", "/api/v1/models?output_modalities=all&offset=2"],
)
def test_openrouter_follows_links_next_absolute_or_relative(next_link: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "offset" in request.url.params:
            return httpx.Response(200, json={"data": [{"id": "c/d"}], "total_count": 2, "links": {"next": None}})
        return httpx.Response(200, json={"data": [{"id": "a/b"}], "total_count": 2, "links": {"next": next_link}})

    items, requests, _ = fetch("openrouter", handler)

    assert [i["id"] for i in items] == ["a/b", "c/d"]
    assert [str(r.url) for r in requests] == [
        "https://openrouter.ai/api/v1/models?output_modalities=all",
        "https://openrouter.ai/api/v1/models?output_modalities=all&offset=2",
    ]


def test_openrouter_old_bodies_without_links_are_one_page() -> None:
    items, requests, _ = fetch("openrouter", lambda r: httpx.Response(200, json={"data": [{"id": "a/b"}]}))
    assert (len(items), len(requests)) == (1, 1)


def test_openrouter_page_cap() -> None:
    counter = iter(range(1000))
    result, requests, _ = fetch(
        "openrouter",
        lambda r: httpx.Response(200, json={"data": [], "links": {"next": f"/api/v1/models?offset={next(counter)}"}}),
        max_pages=3,
    )
    assert isinstance(result, AdapterError) and "more than 3 pages" in str(result)
    assert len(requests) == 3


def test_openrouter_next_link_on_another_host_is_refused() -> None:
    result, requests, _ = fetch(
        "openrouter", lambda r: httpx.Response(200, json={"data": [], "links": {"next": "https://evil.example/api/v1/models"}})
    )
    assert isinstance(result, AdapterError) and result.kind == ErrorKind.REDIRECT
    assert len(requests) == 1


# --- Nebius: verbose first, plain on 400/404/422 -----------------------------------------------


@pytest.mark.parametrize("status", [400, 404, 422])
def test_nebius_retries_without_verbose_when_the_verbose_form_is_refused(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("verbose"):
            return httpx.Response(status, json={"error": "unknown parameter"})
        return httpx.Response(200, json={"object": "list", "data": [{"id": "a/b", "owned_by": "system"}]})

    items, requests, adapter = fetch("nebius", handler, key=KEY)

    assert items == [{"id": "a/b", "owned_by": "system"}]
    assert [params(r) for r in requests] == [{"verbose": "true"}, {}]
    assert adapter.warnings == [f"verbose list refused (HTTP {status}); used the plain list: no prices or context lengths"]
    assert adapter.parse(items).warnings == adapter.warnings  # recorded on the run


def test_nebius_server_error_is_not_mistaken_for_a_refused_verbose_form() -> None:
    result, requests, _ = fetch("nebius", lambda r: httpx.Response(503, json={}), key=KEY)
    assert isinstance(result, AdapterError) and result.http_status == 503 and not result.permanent
    assert len(requests) == 1


# --- xAI: language models plus the media lists -------------------------------------------------


def test_xai_fetches_language_image_and_video_lists() -> None:
    bodies = {
        "/v1/language-models": {"models": [{"id": "grok-4"}]},
        "/v1/image-generation-models": {"models": [{"id": "grok-imagine-image"}]},
        "/v1/video-generation-models": {"models": [{"id": "grok-imagine-video"}]},
    }
    items, requests, adapter = fetch("xai", lambda r: httpx.Response(200, json=bodies[r.url.path]), key=KEY)
    assert [i["id"] for i in items] == ["grok-4", "grok-imagine-image", "grok-imagine-video"]
    assert adapter.warnings == []


def test_xai_missing_media_list_is_a_warning_but_a_failing_one_fails_the_fetch() -> None:
    def missing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/language-models":
            return httpx.Response(200, json={"models": [{"id": "grok-4"}]})
        return httpx.Response(404, json={"error": "no such list"})

    items, _, adapter = fetch("xai", missing, key=KEY)
    assert [i["id"] for i in items] == ["grok-4"]
    assert len(adapter.warnings) == 2 and "image-generation-models answered 404" in adapter.warnings[0]

    def failing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/video-generation-models":
            return httpx.Response(503, json={})
        return httpx.Response(200, json={"models": []})

    result, _, _ = fetch("xai", failing, key=KEY)
    assert isinstance(result, AdapterError) and result.http_status == 503


# --- keys travel only in the right header ------------------------------------------------------

EXPECTED_HEADER = {
    "google": ("x-goog-api-key", KEY),
    "fal": ("authorization", f"Key {KEY}"),
    "portkey": ("x-portkey-api-key", KEY),
    "anthropic": ("x-api-key", KEY),
}


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
def test_every_adapter_sends_its_key_only_in_its_header(kind: str) -> None:
    items, requests, _ = fetch(kind, lambda r: httpx.Response(200, json={"data": [], "models": []}), key=KEY)
    header, value = EXPECTED_HEADER.get(kind, ("authorization", f"Bearer {KEY}"))
    assert requests, kind
    for request in requests:
        assert request.headers[header] == value
        assert KEY not in str(request.url)
        carrying = [name for name, v in request.headers.items() if KEY in v]
        assert carrying == [header]


def test_portkey_sends_no_provider_header_so_the_workspace_catalog_comes_back() -> None:
    _, requests, _ = fetch("portkey", lambda r: httpx.Response(200, json={"object": "list", "total": 0, "data": []}), key=KEY)
    assert [name for name in requests[0].headers if name.startswith("x-portkey")] == ["x-portkey-api-key"]


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
def test_requires_key_matches_whether_the_upstream_lists_without_one(kind: str) -> None:
    keyless = {
        "openrouter",
        "huggingface",
        "fal",
        "featherless",
        "chutes",
        "cerebras",
        "aimo",
        "near",
        "helicone",
        "vercel-ai-gateway",
    }
    cls: type[Adapter] = adapter_for(kind)
    assert cls.requires_key is (kind not in keyless)
