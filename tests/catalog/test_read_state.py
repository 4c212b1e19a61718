"""What a process remembers between catalog reads, and what it saves.

- `catalog.snapshot`: the catalog version, cache generation and gateway freshness, reused for
  `CATALOG_STATE_SECONDS`; a change made in this process shows at once, one made elsewhere within
  that time.
- The recent response-cache entries a process keeps (`CATALOG_LOCAL_CACHE_BYTES`).
- The unfiltered totals stored with each catalog version, and the filtered count taken in the page
  query.
- Validated query parameters, remembered per query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import cache, responses, snapshot
from catalog.bodies import CompressedPart
from catalog.models import AIModel, CatalogVersion, Source
from gateways.models import Gateway
from tests.clock import Clock

from .conftest import ALL_IDS, model

pytestmark = pytest.mark.django_db

LIST = "/catalog/v1/models?gateway=gamma"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(snapshot.time, "monotonic", ticking)
    return ticking


@pytest.fixture
def remembered(settings: Any) -> None:
    settings.CATALOG_STATE_SECONDS = 1.0


def _publish_elsewhere(prompt: str) -> None:
    """What a publish in a Celery worker looks like from here: rows and version change, and no
    callback runs in this process."""
    row = AIModel.objects.get(upstream_id="solo/tiny")
    document = orjson.loads(row.public_json)
    document["pricing"]["prompt"] = prompt
    AIModel.objects.filter(pk=row.pk).update(public_json=orjson.dumps(document).decode())
    CatalogVersion.objects.filter(pk=1).update(version=CatalogVersion.objects.get(pk=1).version + 1)


def _prompt(client: Client, path: str = LIST) -> str:
    return client.get(path).json()["data"][0]["pricing"]["prompt"]


# --- catalog.snapshot ------------------------------------------------------------------------------


def test_a_publish_elsewhere_shows_once_the_state_seconds_have_passed(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    assert _prompt(client) == "0.0000002"
    _publish_elsewhere("0.0000042")
    clock.now += 0.5
    assert _prompt(client) == "0.0000002"  # this process still works from the version it read
    clock.now += 0.6
    assert _prompt(client) == "0.0000042"


def test_a_publish_in_this_process_shows_at_once(
    small_catalog: Any, client: Client, remembered: None, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    assert _prompt(client) == "0.0000002"
    with django_capture_on_commit_callbacks(execute=True):
        small_catalog.publish("gamma", [model("solo/tiny", name="solo tiny", prompt="0.0000009", completion="0.0000009")])
    assert _prompt(client) == "0.0000009"  # the clock has not moved


def test_a_gateway_saved_in_this_process_shows_in_the_freshness_at_once(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    assert client.get(LIST).json()["freshness"]["gamma"]["stale"] is False
    gateway = Gateway.objects.get(slug="gamma")
    gateway.last_success_at = timezone.now() - timedelta(days=2)
    gateway.save()
    assert client.get(LIST).json()["freshness"]["gamma"]["stale"] is True


def test_a_gateway_deleted_in_this_process_leaves_at_once(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    assert client.get("/catalog/v1/models?gateway=gamma&limit=1").status_code == 200
    Gateway.objects.filter(slug="gamma").delete()
    response = client.get("/catalog/v1/models?gateway=gamma&limit=1")  # the clock has not moved
    assert response.status_code == 400
    assert list(client.get("/catalog/v1/models").json()["freshness"]) == ["alpha", "beta"]


def test_freshness_changed_elsewhere_shows_once_the_state_seconds_have_passed(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    assert client.get(LIST).json()["freshness"]["gamma"]["stale"] is False
    # As a worker's refresh does it: the row changes, and this process is not told.
    Source.objects.filter(slug="gamma").update(last_success_at=timezone.now() - timedelta(days=2))
    assert client.get(LIST).json()["freshness"]["gamma"]["stale"] is False
    clock.now += 1.01
    assert client.get(LIST).json()["freshness"]["gamma"]["stale"] is True


def test_a_remembered_state_and_a_cached_list_need_no_sql(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    etag = client.get(LIST)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
        assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert queries.captured_queries == []


def test_a_cached_past_read_needs_no_sql_once_the_history_start_is_remembered(
    small_catalog: Any, client: Client, remembered: None, clock: Clock
) -> None:
    # Every `at=` read checks that the instant is within the history (its first listing); that
    # start is remembered with the rest of the state, so a cached `at=` page costs no query.
    past = f"{LIST}{'&' if '?' in LIST else '?'}at={(timezone.now() + timedelta(days=1)).isoformat().replace('+00:00', 'Z')}"
    assert client.get(past).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(past).status_code == 200
    assert queries.captured_queries == []
    # Past the state seconds the start is read again (a first publish or a prune moves it).
    clock.now += 2
    with CaptureQueriesContext(connection) as queries:
        assert client.get(past).status_code == 200
    assert any('MIN("catalog_listingspan"."valid_from")' in query["sql"] for query in queries.captured_queries)


def test_zero_state_seconds_read_the_version_on_every_request(small_catalog: Any, client: Client, settings: Any) -> None:
    settings.CATALOG_STATE_SECONDS = 0
    client.get(LIST)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get(LIST)
        assert sum("catalog_catalogversion" in q["sql"] for q in queries.captured_queries) == 1


# --- recent response-cache entries ----------------------------------------------------------------------


def _part(size: int) -> CompressedPart:
    return CompressedPart(data=b"x" * size, crc=0, size=size)


def test_recent_entries_stay_within_their_byte_budget_oldest_out_first(settings: Any) -> None:
    settings.CATALOG_LOCAL_CACHE_BYTES = 1000
    for name in "abcd":
        cache._recent.put(name, _part(240))
    assert cache._recent.get("a") is not None  # a is now the most recent
    cache._recent.put("e", _part(240))
    assert cache._recent.get("b") is None
    assert [cache._recent.get(name) is not None for name in "acde"] == [True] * 4
    assert cache._recent.size <= 1000


def test_an_entry_over_a_quarter_of_the_budget_is_not_kept_in_process(settings: Any) -> None:
    settings.CATALOG_LOCAL_CACHE_BYTES = 1000
    cache._recent.put("big", _part(251))
    assert cache._recent.get("big") is None
    settings.CATALOG_LOCAL_CACHE_BYTES = 0
    cache._recent.put("small", _part(1))
    assert cache._recent.get("small") is None


def test_recent_entries_serve_a_cached_list_while_the_shared_cache_is_down(
    small_catalog: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache as django_cache

    first = client.get(LIST).json()

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(django_cache, "get", down)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST).json()
    assert second["data"] == first["data"]
    assert not any("catalog_aimodel" in q["sql"] for q in queries.captured_queries)


def test_invalidate_forgets_the_recent_entries(small_catalog: Any, client: Client) -> None:
    client.get(LIST)
    assert cache._recent.entries
    cache.invalidate()
    assert not cache._recent.entries


def test_a_resolved_model_is_cached_until_the_version_changes(
    small_catalog: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    path = "/catalog/v1/models/solo/tiny"
    assert client.get(path).json()["data"]["pricing"]["prompt"] == "0.0000002"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert not any("catalog_mergedmodel" in q["sql"] or "catalog_aimodel" in q["sql"] for q in queries.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        small_catalog.publish("gamma", [model("solo/tiny", name="solo tiny", prompt="0.0000009", completion="0.0000009")])
    assert client.get(path).json()["data"]["pricing"]["prompt"] == "0.0000009"


def test_an_unknown_model_is_not_cached(small_catalog: Any, client: Client) -> None:
    client.get("/catalog/v1/models/no/such-model")
    assert client.get("/catalog/v1/models/no/such-model").status_code == 404
    assert not cache._recent.entries


# --- totals -----------------------------------------------------------------------------------------


def test_a_publish_stores_the_unfiltered_totals_with_the_version(small_catalog: Any) -> None:
    assert CatalogVersion.objects.get(pk=1).totals == {"all": 7, "gateways": {"alpha": 5, "beta": 4, "gamma": 1}}
    small_catalog.replace("alpha", [model("acme/alpha-chat", prompt="0.000001", completion="0.000002")])
    # four alpha models removed: inactive, out of alpha's list; the merged list loses three entries
    # (bolt/embedder stays, offered by beta)
    assert CatalogVersion.objects.get(pk=1).totals == {"all": 4, "gateways": {"alpha": 1, "beta": 4, "gamma": 1}}


@pytest.mark.parametrize(("query", "total"), [("", 7), ("gateway=alpha", 5), ("gateway=beta&sort=-prompt_price", 4)])
def test_an_unfiltered_list_takes_its_total_from_the_version_without_counting(
    small_catalog: Any, client: Client, query: str, total: int
) -> None:
    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/catalog/v1/models?limit=2&{query}").json()
    assert body["total"] == total
    assert body["has_more"] is True
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_without_stored_totals_a_list_is_counted(small_catalog: Any, client: Client) -> None:
    CatalogVersion.objects.filter(pk=1).update(totals={})  # a version written before totals existed
    assert client.get("/catalog/v1/models?limit=2").json()["total"] == 7
    assert client.get("/catalog/v1/models?gateway=beta&limit=2").json()["total"] == 4


@pytest.mark.parametrize(
    ("query", "total", "ids"),
    [
        ("q=alpha&limit=1", 2, ["acme/alpha-chat"]),
        ("q=alpha&limit=5", 2, ["acme/alpha-chat", "acme/alpha-chat:free"]),
        ("q=alpha&offset=1&limit=5", 2, ["acme/alpha-chat:free"]),
        ("q=alpha&offset=2&limit=5", 2, []),  # past the end: counted separately
        ("q=alpha&offset=50", 2, []),
        ("q=nothing-like-this", 0, []),
        ("supported_parameters=tools&limit=2", 3, ["@cloudone/omni", "acme/alpha-chat"]),
        ("supported_parameters=tools&offset=3", 3, []),
    ],
)
def test_a_filtered_list_is_counted_in_the_page_query(
    small_catalog: Any, client: Client, query: str, total: int, ids: list[str]
) -> None:
    body = client.get(f"/catalog/v1/models?{query}").json()
    assert (body["total"], [item["id"] for item in body["data"]]) == (total, ids)
    assert body["has_more"] is (body["offset"] + len(ids) < total)


def test_unfiltered_property_names_every_filter() -> None:
    from decimal import Decimal

    from catalog.selectors import ModelFilters

    assert ModelFilters(gateway="x", sort="-name").unfiltered
    for changed in (
        {"providers": ("a",)},
        {"q": "a"},
        {"input_modalities": ("text",)},
        {"output_modalities": ("text",)},
        {"supported_parameters": ("tools",)},
        {"min_context": 0},
        {"max_prompt_price": Decimal(0)},
        {"max_completion_price": Decimal(0)},
        {"free": False},
    ):
        assert not ModelFilters(**changed).unfiltered, changed


# --- validated parameters -----------------------------------------------------------------------------


def test_remembered_parameters_follow_the_known_gateways(small_catalog: Any, client: Client) -> None:
    assert client.get("/catalog/v1/models?gateway=delta").status_code == 400
    assert client.get("/catalog/v1/models?gateway=alpha&limit=1").status_code == 200
    small_catalog.publish("delta", [model("delta/one", prompt="0.000001", completion="0.000001")])
    assert client.get("/catalog/v1/models?gateway=delta").json()["total"] == 1
    Gateway.objects.filter(slug="alpha").delete()
    assert client.get("/catalog/v1/models?gateway=alpha&limit=1").status_code == 400


def test_an_invalid_query_is_refused_every_time(small_catalog: Any, client: Client) -> None:
    for _ in range(2):
        response = client.get("/catalog/v1/models?limit=-1")
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "limit"


def test_remembered_parameters_are_bounded(small_catalog: Any, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(responses, "_VALID_PARAMS", {})
    monkeypatch.setattr(responses, "_VALID_PARAMS_SIZE", 3)
    for limit in range(1, 7):
        assert [item["id"] for item in client.get(f"/catalog/v1/models?limit={limit}").json()["data"]] == ALL_IDS[:limit]
    assert len(responses._VALID_PARAMS) == 3


# --- search indexes --------------------------------------------------------------------------------------


def test_search_has_trigram_indexes_on_postgresql_only() -> None:
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("catalog_aimodel", "catalog_mergedmodel")
            for index in connection.introspection.get_constraints(cursor, table)
            if index.endswith("_trgm")
        }
    expected = {
        "aimodel_upstream_id_trgm",
        "aimodel_name_trgm",
        "aimodel_description_trgm",
        "mergedmodel_model_id_trgm",
        "mergedmodel_name_trgm",
        "mergedmodel_description_trgm",
    }
    assert names == (expected if connection.vendor == "postgresql" else set())


def test_the_uncompressed_part_is_kept_in_process_for_clients_without_gzip(small_catalog: Any, client: Client) -> None:
    import gzip

    from django.core.cache import cache as django_cache

    plain = client.get(LIST).content  # the test client sends no Accept-Encoding
    kept = [key for key in cache._recent.entries if key.endswith(":plain")]
    assert len(kept) == 1
    assert plain.startswith(cache._recent.entries[kept[0]][0])
    assert django_cache.get(kept[0]) is None  # never in the shared cache
    zipped = client.get(LIST, HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert orjson.loads(gzip.decompress(zipped.content))["data"] == orjson.loads(plain)["data"]


def test_a_gateway_list_filters_on_the_gateway_id_not_a_join_by_slug(small_catalog: Any, client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/catalog/v1/models?gateway=beta&limit=10").json()
    assert [item["id"] for item in body["data"]] == ["@cloudone/omni", "@cloudtwo/omni", "Acme/Alpha-Chat", "bolt/embedder"]
    page = next(q["sql"] for q in queries.captured_queries if "catalog_aimodel" in q["sql"])
    assert f'"gateway_id" = {Gateway.objects.get(slug="beta").pk}' in page
    assert "gateways_gateway" not in page


def test_recent_entries_stay_consistent_under_threads(settings: Any) -> None:
    import sys
    import threading

    settings.CATALOG_LOCAL_CACHE_BYTES = 4000
    errors: list[BaseException] = []

    def churn(worker: int) -> None:
        try:
            for i in range(2000):
                key = f"k{(worker * 7 + i) % 40}"
                cache._recent.put(key, _part(100 + i % 300))
                cache._recent.get(f"k{i % 40}")
        except BaseException as exc:  # noqa: BLE001 - any error is the failure
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to meet the races
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert cache._recent.size == sum(size for _, size in cache._recent.entries.values()) <= 4000


# -- stale-if-error: the last known state while the database is unavailable -------------------------


def test_an_unavailable_database_gets_the_last_loaded_value_and_marks_the_request_stale(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from catalog import outage

    settings.CATALOG_STATE_SECONDS = 0  # even with the per-second copy off
    answers: list[Any] = [(3, {"all": 7}), OperationalError("connection refused")]

    def load() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    outage.begin_request()
    assert snapshot.remembered("catalog_state", load) == (3, {"all": 7})
    assert not outage.served_stale()
    snapshot.clear()  # a local change forgets the copy, not the last known value
    assert snapshot.remembered("catalog_state", load) == (3, {"all": 7})
    assert outage.served_stale()
    outage.begin_request()
    assert not outage.served_stale()


def test_before_anything_was_loaded_an_outage_raises_and_other_errors_always_do(settings: Any) -> None:
    from django.db import OperationalError

    settings.CATALOG_STATE_SECONDS = 0

    def down() -> Any:
        raise OperationalError("connection refused")

    def bug() -> Any:
        raise KeyError("not an outage")

    with pytest.raises(OperationalError):
        snapshot.remembered("gateway_statuses", down)
    snapshot.remembered("gateway_statuses", lambda: {"a": 1})
    with pytest.raises(KeyError):
        snapshot.remembered("gateway_statuses", bug)


def test_a_held_page_is_served_marked_stale_and_asks_no_refresh_when_the_database_is_down(
    small_catalog: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from catalog import cache as catalog_cache
    from catalog import sources

    settings.CATALOG_STATE_SECONDS = 0
    Source.objects.filter(slug="gamma").update(last_success_at=timezone.now() - timedelta(days=2))
    refreshes: list[Any] = []
    monkeypatch.setattr(responses, "stale_read", lambda *a, **k: refreshes.append(a))
    client = Client()
    fresh = client.get(LIST)
    assert fresh.status_code == 200 and "X-Catalog-Stale" not in fresh.headers
    assert len(refreshes) == 1  # the data is old: a read asks for a refresh

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(catalog_cache, "_load_state", down)
    monkeypatch.setattr(sources, "_load_statuses", down)
    stale = client.get(LIST)
    assert stale.status_code == 200
    assert stale.headers["X-Catalog-Stale"] == "database-unavailable"
    assert stale.headers["Cache-Control"] == "public, max-age=0, stale-if-error=86400"
    assert orjson.loads(stale.content)["data"] == orjson.loads(fresh.content)["data"]
    assert orjson.loads(stale.content)["note"].startswith("The catalog's database is unavailable")
    assert len(refreshes) == 1  # none asked of a database that is down
    # A page never read needs the database: 503, as before.
    assert client.get(LIST + "&limit=1").status_code == 503
