"""`CatalogView.dispatch` answers a repeated revalidation 304 before DRF: the same headers as DRF's
304, the throttle counted once per request as before, and never a 304 the full path would not give."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import responses
from catalog.responses import CatalogView

pytestmark = pytest.mark.django_db

PATH = "/catalog/v1/models?limit=2"


@pytest.fixture
def drf_entries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths of the requests that went through DRF's path (`initial`)."""
    entered: list[str] = []
    real = CatalogView.initial

    def initial(self: CatalogView, request: Any, *args: Any, **kwargs: Any) -> None:
        entered.append(request.path)
        real(self, request, *args, **kwargs)

    monkeypatch.setattr(CatalogView, "initial", initial)
    yield entered


def headers(response: Any) -> dict[str, str]:
    return {name: value for name, value in response.items() if name.lower() not in ("x-request-id", "date")}


@pytest.mark.parametrize("path", [PATH, "/v1/models", "/catalog/v1/deprecations"])
def test_the_early_304_has_the_headers_of_drfs(small_catalog: Any, client: Client, drf_entries: list[str], path: str) -> None:
    etag = client.get(path)["ETag"]
    responses._REVALIDATIONS.clear()  # the next revalidation takes DRF's path, as before
    through_drf = client.get(path, HTTP_IF_NONE_MATCH=etag, HTTP_ORIGIN="https://example.org")
    assert len(drf_entries) == 2

    early = client.get(path, HTTP_IF_NONE_MATCH=etag, HTTP_ORIGIN="https://example.org")

    assert len(drf_entries) == 2  # answered before DRF
    assert (through_drf.status_code, early.status_code) == (304, 304)
    assert headers(early) == headers(through_drf)
    assert early["ETag"] == etag and "Vary" in early and "Cache-Control" in early
    assert early.content == b""


def test_a_304_reads_no_more_than_before(small_catalog: Any, client: Client, drf_entries: list[str]) -> None:
    etag = client.get(PATH)["ETag"]
    responses._REVALIDATIONS.clear()
    with CaptureQueriesContext(connection) as before:
        assert client.get(PATH, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with CaptureQueriesContext(connection) as early:
        assert client.get(PATH, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(drf_entries) == 2
    assert len(early) <= len(before)


def test_a_throttled_client_gets_429_not_304_and_each_request_counts_once(
    small_catalog: Any, client: Client, settings: Any, drf_entries: list[str]
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "3/min"}}
    etag = client.get(PATH)["ETag"]
    codes = [client.get(PATH, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)]
    assert codes == [304, 304, 429]  # 3 per minute, the first read included
    throttled = client.get(PATH, HTTP_IF_NONE_MATCH=etag)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["error"]["type"] == "rate_limit_error"


def test_a_different_etag_gets_the_page(small_catalog: Any, client: Client, drf_entries: list[str]) -> None:
    client.get(PATH)
    response = client.get(PATH, HTTP_IF_NONE_MATCH='W/"something-else"')
    assert response.status_code == 200
    assert response.json()["data"]
    assert len(drf_entries) == 2


def test_a_publish_ends_the_early_304(small_catalog: Any, client: Client, drf_entries: list[str]) -> None:
    from catalog import cache

    etag = client.get(PATH)["ETag"]
    cache.invalidate()  # a new cache generation, as a publish's new version
    response = client.get(PATH, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_signed_in_request_takes_drfs_path(small_catalog: Any, client: Client, drf_entries: list[str]) -> None:
    etag = client.get(PATH)["ETag"]
    assert client.get(PATH, HTTP_IF_NONE_MATCH=etag, HTTP_AUTHORIZATION="Token " + "a" * 40).status_code == 304
    assert len(drf_entries) == 2


def test_a_cost_sort_is_never_answered_early(small_catalog: Any, client: Client, drf_entries: list[str]) -> None:
    """Its ETag names the current minute: only the view knows whether it still holds."""
    path = "/catalog/v1/models?sort=cost&input_tokens=1000"
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code in (200, 304)
    assert len(drf_entries) == 2
