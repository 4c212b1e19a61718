"""ETags, 304, Cache-Control, gzip, the response cache and a constant number of SQL queries."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import cache, responses
from catalog.models import AIModel
from catalog.sources import source_statuses

from .conftest import ALL_IDS, model

pytestmark = pytest.mark.django_db


def test_list_responses_carry_a_weak_etag_and_cache_control(small_catalog: Any, client: Client) -> None:
    response = client.get("/catalog/v1/models?limit=2")
    assert response["ETag"].startswith('W/"')
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=600, stale-if-error=86400"
    assert {part.strip().lower() for part in response["Vary"].split(",")} == {"accept-encoding", "origin"}


@pytest.mark.parametrize(
    "path",
    [
        "/catalog/v1/models?limit=2",
        "/v1/models",
        "/catalog/v1/providers",
        "/catalog/v1/gateways",
        "/catalog/v1/changes",
        "/catalog/v1/deprecations",
    ],
)
def test_if_none_match_with_the_current_etag_answers_304_without_a_body(small_catalog: Any, client: Client, path: str) -> None:
    etag = client.get(path)["ETag"]
    response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH='W/"something-else"').status_code == 200


def test_detail_etag_and_304(small_catalog: Any, client: Client) -> None:
    for path in ("/catalog/v1/models/acme/alpha-chat", "/v1/models/acme/alpha-chat"):
        etag = client.get(path)["ETag"]
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_etag_changes_with_the_query_and_with_a_publish(small_catalog: Any, client: Client) -> None:
    first = client.get("/catalog/v1/models?limit=2")["ETag"]
    assert client.get("/catalog/v1/models?limit=3")["ETag"] != first
    assert client.get("/catalog/v1/models?limit=2&_=1712")["ETag"] == first  # an ignored compatibility parameter
    small_catalog.publish("gamma", [model("solo/tiny", prompt="0.0000009", completion="0.0000009")])
    response = client.get("/catalog/v1/models?limit=2", HTTP_IF_NONE_MATCH=first)
    assert response.status_code == 200
    assert response["ETag"] != first


def test_etag_changes_when_a_gateway_turns_stale(small_catalog: Any, client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gateways.models import Gateway

    etag = client.get("/catalog/v1/models?gateway=gamma")["ETag"]
    Gateway.objects.filter(slug="gamma").update(last_success_at=timezone.now() - timedelta(days=1))
    assert client.get("/catalog/v1/models?gateway=gamma", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_gzip_body_is_the_same_json_as_the_plain_one(small_catalog: Any, client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(responses, "now_text", lambda: "2026-01-01T00:00:00Z")
    plain = client.get("/v1/models")
    zipped = client.get("/v1/models", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert [item["id"] for item in orjson.loads(plain.content)["data"]] == ALL_IDS


def test_a_cached_body_is_written_in_parts_with_its_length_and_left_alone_by_gzip(
    small_catalog: Any, client: Client, monkeypatch: Any
) -> None:
    # The cached part and the per-request tail are written one after the other (no joined copy of
    # a large page per request); the gzip middleware neither joins nor re-encodes them.
    joined: list[int] = []
    original = responses.CatalogResponse.content.fget

    def content(response: Any) -> bytes:
        joined.append(1)
        return original(response)

    for encoding in ("", "gzip"):
        monkeypatch.setattr(responses.CatalogResponse, "content", property(content, responses.CatalogResponse.content.fset))
        response = client.get("/v1/models", HTTP_ACCEPT_ENCODING=encoding)
        assert response.status_code == 200
        assert len(response._container) == 2
        assert joined == []  # nothing on the server side read the whole body
        monkeypatch.undo()
        body = response.content
        assert int(response["Content-Length"]) == len(body)
        assert response.get("Content-Encoding") == (encoding or None)
        plain = gzip.decompress(body) if encoding else body
        assert [item["id"] for item in orjson.loads(plain)["data"]] == ALL_IDS


def test_a_large_part_is_compressed_for_speed_and_still_one_gzip_stream(monkeypatch: Any) -> None:
    from catalog import bodies

    text = orjson.dumps([{"id": f"acme/model-{i}", "pricing": {"prompt": "0.000001"}} for i in range(30000)])
    assert len(text) > bodies.FAST_ABOVE
    fast, default = bodies.CompressedPart.of(text), bodies.CompressedPart.of(text, level=6)
    assert fast.nbytes > default.nbytes  # level 1: larger, and several times quicker to make
    assert gzip.decompress(fast.gzip(b"]")) == text + b"]"
    monkeypatch.setattr(bodies, "FAST_ABOVE", len(text))
    assert bodies.CompressedPart.of(text).nbytes == default.nbytes


def test_cached_data_part_is_served_with_current_freshness_and_timestamp(
    small_catalog: Any, client: Client, monkeypatch: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gateways.models import Gateway

    monkeypatch.setattr(responses, "now_text", lambda: "2026-01-01T00:00:00Z")
    first = client.get("/catalog/v1/models?gateway=gamma").json()
    Gateway.objects.filter(slug="gamma").update(last_success_at=timezone.now() - timedelta(days=1))
    monkeypatch.setattr(responses, "now_text", lambda: "2026-01-01T00:00:07Z")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/catalog/v1/models?gateway=gamma").json()
    assert not any("catalog_aimodel" in q["sql"] for q in queries.captured_queries)  # the data came from the cache
    assert second["data"] == first["data"]
    assert second["timestamp"] == "2026-01-01T00:00:07Z"
    assert first["freshness"]["gamma"]["stale"] is False
    assert second["freshness"]["gamma"]["stale"] is True
    assert second["freshness"]["gamma"]["age_seconds"] >= 86400


def test_response_cache_is_used_until_invalidated(small_catalog: Any, client: Client) -> None:
    before = client.get("/catalog/v1/models?gateway=gamma").json()["data"][0]["name"]
    row = AIModel.objects.get(upstream_id="solo/tiny")
    document = orjson.loads(row.public_json)
    document["name"] = "changed behind the cache's back"
    AIModel.objects.filter(pk=row.pk).update(public_json=orjson.dumps(document).decode())
    assert client.get("/catalog/v1/models?gateway=gamma").json()["data"][0]["name"] == before
    cache.invalidate()
    assert client.get("/catalog/v1/models?gateway=gamma").json()["data"][0]["name"] == "changed behind the cache's back"


def test_publish_invalidates_the_response_cache_on_commit(
    small_catalog: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.get("/catalog/v1/models?gateway=gamma").json()["data"][0]["pricing"]["prompt"] == "0.0000002"
    generation = cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        small_catalog.publish("gamma", [model("solo/tiny", name="solo tiny", prompt="0.0000009", completion="0.0000009")])
    assert cache.generation() == generation + 1
    assert client.get("/catalog/v1/models?gateway=gamma").json()["data"][0]["pricing"]["prompt"] == "0.0000009"


def test_a_cache_outage_still_serves_from_the_database(small_catalog: Any, client: Client, monkeypatch: Any) -> None:
    from django.core.cache import cache as django_cache

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    for name in ("get", "set", "incr"):
        monkeypatch.setattr(django_cache, name, down)
    response = client.get("/catalog/v1/models?gateway=gamma")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == ["solo/tiny"]


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.fixture
def bigger_catalog(small_catalog: Any) -> Any:
    small_catalog.replace("gamma", [model(f"solo/m{i:03}", prompt="0.000001", completion="0.000001") for i in range(60)])
    return small_catalog


def _forget_cached_responses() -> None:
    """Empty the shared response cache and this process's recent entries (a cold cache)."""
    from django.core.cache import cache as django_cache

    django_cache.clear()
    cache._recent.clear()


@pytest.mark.parametrize(
    ("template", "miss", "hit"),
    [
        # statuses + catalog version (names the cache entry) + in one snapshot the version again
        # (with the unfiltered totals) and the page (a filtered one counts its matches in the same
        # query); a cached response needs only the first two. (On PostgreSQL outside a test's
        # transaction the snapshot adds its SET TRANSACTION.)
        ("/catalog/v1/models?limit={n}", 4, 2),
        ("/catalog/v1/models?gateway=gamma&limit={n}&sort=-prompt_price", 4, 2),
        ("/v1/models?limit={n}", 4, 2),
        ("/v1/models?gateway=gamma&limit={n}&q=solo", 4, 2),
    ],
)
def test_sql_queries_per_request_do_not_grow_with_the_page_size(
    bigger_catalog: Any, client: Client, template: str, miss: int, hit: int
) -> None:
    counts = {}
    for size in (1, 50):
        _forget_cached_responses()
        path = template.format(n=size)
        counts[size] = (_queries(client, path), _queries(client, path))
    assert counts == {1: (miss, hit), 50: (miss, hit)}


def test_the_whole_list_costs_the_same_queries_as_one_page(bigger_catalog: Any, client: Client) -> None:
    assert len(client.get("/v1/models?gateway=gamma").json()["data"]) == 60
    _forget_cached_responses()
    assert _queries(client, "/v1/models?gateway=gamma") == 4
    _forget_cached_responses()
    assert _queries(client, "/v1/models?gateway=gamma&q=solo") == 4


def test_freshness_comes_from_the_catalog_source_record(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?gateway=alpha&limit=1").json()
    status = source_statuses()["alpha"]
    assert body["freshness"]["alpha"]["last_success_at"] == status.last_success_at.isoformat()
