"""A model missing from its gateway's list: served, marked missing, for the grace period (and at
least two refreshes in a row), then removed; a removed model's detail is 410 Gone; upstream
deprecations are served, listed soonest first, and sent as `Deprecation`/`Sunset` headers
(catalog/lifecycle.py, docs/api.md "Lifecycle")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.test import Client

from catalog.models import AIModel, MergedModel, ModelChange
from catalog.services import PublishRefused, catalog_publish
from tests.catalog.conftest import model
from tests.factories import token_prices

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
STEADY = model("acme/steady", prompt="0.000001", completion="0.000002")
FLAPPY = model("acme/flappy", prompt="0.000003", completion="0.000004", context_length=8192)


@pytest.fixture
def acme(catalog: Any) -> Any:
    catalog.gateway("acme", priority=90)
    catalog.publish("acme", [STEADY, FLAPPY], now=T0)
    return catalog


def served(client: Client, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response.json()["data"]


def listed(client: Client) -> dict[str, tuple[str, str | None]]:
    return {m["id"]: (m["availability"], m["missing_since"]) for m in served(client, "/catalog/v1/models?gateway=acme")}


def changes(upstream_id: str) -> list[tuple[str, Any, Any]]:
    rows = ModelChange.objects.filter(upstream_id=upstream_id).order_by("recorded_at", "id")
    return list(rows.values_list("kind", "before", "after"))


def test_the_grace_period_across_three_refreshes_with_a_flapping_model(acme: Any, client: Client) -> None:
    # 1: gone from the list: still served everywhere, marked missing since this refresh.
    first = acme.publish("acme", [STEADY], now=T0 + HOUR)
    assert (first.missing, first.deactivated) == (1, 0)
    assert listed(client) == {"acme/steady": ("available", None), "acme/flappy": ("missing", "2026-03-01T13:00:00Z")}
    merged = served(client, "/catalog/v1/models/acme/flappy")
    assert (merged["availability"], merged["missing_since"], merged["offers"][0]["availability"]) == (
        "missing",
        "2026-03-01T13:00:00Z",
        "missing",
    )
    assert client.get("/v1/models/acme/flappy").json()["availability"] == "missing"  # the OpenAI object alone

    # 2: back on the list: available again, no added/removed; the feed says it returned.
    back = acme.publish("acme", [STEADY, FLAPPY], now=T0 + 2 * HOUR)
    assert (back.added, back.deactivated, back.missing) == (0, 0, 0)
    assert listed(client)["acme/flappy"] == ("available", None)
    assert served(client, "/catalog/v1/models/acme/flappy")["availability"] == "available"

    # 3: gone again: the grace period starts over from this refresh, it did not carry over.
    acme.publish("acme", [STEADY], now=T0 + 3 * HOUR)
    assert listed(client)["acme/flappy"] == ("missing", "2026-03-01T15:00:00Z")
    missing = {"availability": "missing", "missing_since": "2026-03-01T13:00:00Z"}
    assert changes("acme/flappy") == [
        (
            "added",
            None,
            {
                "pricing": {"prompt": "0.000003", "completion": "0.000004"},
                "prices": token_prices("0.000003", "0.000004"),
                "context_length": 8192,
            },
        ),
        ("missing", {"availability": "available"}, missing),
        ("returned", missing, {"availability": "available"}),
        ("missing", {"availability": "available"}, {**missing, "missing_since": "2026-03-01T15:00:00Z"}),
    ]


def test_a_missing_model_is_removed_only_after_the_grace_period_and_two_refreshes(acme: Any, client: Client) -> None:
    since = T0 + HOUR
    acme.publish("acme", [STEADY], now=since)
    # A second refresh without it, but within the 24 h: still served.
    within = acme.publish("acme", [STEADY], now=since + timedelta(hours=23, minutes=59))
    assert (within.missing, within.deactivated) == (1, 0)
    assert listed(client)["acme/flappy"] == ("missing", "2026-03-01T13:00:00Z")
    # Past the grace period: removed, with the change the feed has always had.
    removed = acme.publish("acme", [STEADY], now=since + timedelta(hours=24))
    assert (removed.missing, removed.deactivated) == (0, 1)
    assert list(listed(client)) == ["acme/steady"]
    assert not MergedModel.objects.filter(model_id="acme/flappy").exists()
    before = {"pricing": {"prompt": "0.000003", "completion": "0.000004"}, "context_length": 8192}
    assert changes("acme/flappy")[-1] == ("removed", before, None)
    assert client.get("/catalog/v1/models/acme/flappy").status_code == 410


def test_one_refresh_without_a_model_never_removes_it_however_long_ago_it_was_seen(acme: Any) -> None:
    acme.gateways["acme"].missing_grace_seconds = 0
    acme.gateways["acme"].save()
    first = acme.publish("acme", [STEADY], now=T0 + timedelta(days=30))
    assert (first.missing, first.deactivated) == (1, 0)
    second = acme.publish("acme", [STEADY], now=T0 + timedelta(days=30, seconds=1))
    assert (second.missing, second.deactivated) == (0, 1)
    assert not AIModel.objects.get(upstream_id="acme/flappy").is_active


def test_a_removed_model_listed_again_is_added_and_starts_over(acme: Any, client: Client) -> None:
    acme.publish("acme", [STEADY], now=T0 + HOUR)
    acme.publish("acme", [STEADY], now=T0 + 26 * HOUR)
    again = acme.publish("acme", [STEADY, FLAPPY], now=T0 + 27 * HOUR)
    assert again.added == 1
    assert listed(client)["acme/flappy"] == ("available", None)
    row = AIModel.objects.get(upstream_id="acme/flappy")
    assert (row.is_active, row.missing_since, row.missed_refreshes) == (True, None, 0)


def test_a_merged_entry_is_available_while_any_offer_is(acme: Any, client: Client) -> None:
    acme.gateway("other", priority=10)
    acme.publish("other", [model("acme/flappy", prompt="0.000005", completion="0.000006")], now=T0)
    acme.publish("acme", [STEADY], now=T0 + HOUR)  # the primary offer goes missing
    entry = served(client, "/catalog/v1/models/acme/flappy")
    assert (entry["availability"], entry["missing_since"]) == ("available", None)
    assert [(o["gateway"], o["availability"]) for o in entry["offers"]] == [("acme", "missing"), ("other", "available")]
    acme.publish("other", [model("acme/other-model")], now=T0 + 2 * HOUR)
    entry = served(client, "/catalog/v1/models/acme/flappy")
    assert (entry["availability"], entry["missing_since"]) == ("missing", "2026-03-01T14:00:00Z")  # the latest offer's


def test_missing_models_count_as_active_but_not_against_the_next_list(acme: Any) -> None:
    gateway = acme.gateways["acme"]
    acme.publish("acme", [STEADY, FLAPPY, *(model(f"acme/m{i}") for i in range(5))], now=T0)
    kept = [STEADY, FLAPPY, model("acme/m0")]
    acme.publish("acme", kept, now=T0 + HOUR)  # forced: 3 of 7
    assert AIModel.objects.filter(gateway=gateway, is_active=True).count() == 7  # still served
    with pytest.raises(PublishRefused, match="shrank from 3 to 1"):
        catalog_publish(gateway=gateway, models=[STEADY], now=T0 + 2 * HOUR)
    # Unforced, the same 3 have not shrunk against the last list (4 of 7 served would have refused it).
    assert catalog_publish(gateway=gateway, models=kept, now=T0 + 2 * HOUR).missing == 4


# --- 410 Gone -------------------------------------------------------------------------------------


def removed_after_grace(catalog: Any, slug: str, keep: list[Any], gone: Any) -> None:
    catalog.publish(slug, [*keep, gone], now=T0)
    catalog.publish(slug, keep, now=T0 + HOUR)
    catalog.publish(slug, keep, now=T0 + 26 * HOUR)


def test_a_removed_model_detail_is_410_with_when_and_its_successor(catalog: Any, client: Client) -> None:
    catalog.gateway("acme")
    old = model("acme/old-chat", deprecated=True, sunset_at=1772323200, successor="acme/new-chat")
    removed_after_grace(catalog, "acme", [STEADY], old)
    for path, param in (("/catalog/v1/models/ACME/old-chat", "model_id"), ("/v1/models/acme/old-chat?gateway=acme", "model")):
        response = client.get(path)
        assert response.status_code == 410, path
        assert response.json() == {
            "error": {
                "message": "the model 'acme/old-chat' was removed from 'acme' (missing from its list past the grace period); "
                "its successor is 'acme/new-chat'; search with GET /catalog/v1/models?q=...",
                "type": "not_found_error",
                "param": param,
                "code": "model_removed",
                "gateway": "acme",
                "removed_at": "2026-03-02T14:00:00Z",
                "successor": "acme/new-chat",
            }
        }, path


def test_a_removed_alias_names_its_target_and_an_unknown_id_stays_404(catalog: Any, client: Client) -> None:
    catalog.gateway("acme")
    removed_after_grace(catalog, "acme", [STEADY], model("~acme/chat-latest", extra={"alias_target": "acme/chat-2"}))
    error = client.get("/catalog/v1/models/~acme/chat-latest?gateway=acme").json()["error"]
    assert (error["code"], error["successor"]) == ("model_removed", "acme/chat-2")
    assert client.get("/catalog/v1/models/acme/never-was").status_code == 404
    assert client.get("/catalog/v1/models/acme/steady").status_code == 200


# --- deprecations ---------------------------------------------------------------------------------

MARCH = 1772323200  # 2026-03-01T00:00:00Z
ENDING = [
    model("acme/late", deprecated=True, sunset_at=MARCH + 86400 * 60),
    model("acme/soon", deprecated=True, deprecated_at=MARCH - 86400 * 30, sunset_at=MARCH, successor="acme/next"),
    model("acme/flagged", deprecated=True),  # deprecated, no end announced: not listed
    STEADY,
]


def test_deprecation_is_served_and_a_detail_carries_deprecation_and_sunset_headers(catalog: Any, client: Client) -> None:
    catalog.publish("acme", ENDING, now=T0)
    response = client.get("/catalog/v1/models/acme/soon")
    assert response.json()["data"]["deprecation"] == {
        "deprecated_at": "2026-01-30T00:00:00Z",
        "sunset_at": "2026-03-01T00:00:00Z",
        "successor": "acme/next",
    }
    assert (response["Deprecation"], response["Sunset"]) == (f"@{MARCH - 86400 * 30}", "Sun, 01 Mar 2026 00:00:00 GMT")
    assert client.get("/v1/models/acme/soon")["Sunset"] == "Sun, 01 Mar 2026 00:00:00 GMT"
    late = client.get("/catalog/v1/models/acme/late?gateway=acme")
    assert (late["Sunset"], "Deprecation" in late) == ("Thu, 30 Apr 2026 00:00:00 GMT", False)  # no date of announcement
    for path in ("/catalog/v1/models/acme/flagged", "/catalog/v1/models/acme/steady"):
        plain = client.get(path)
        assert "Sunset" not in plain and "Deprecation" not in plain, path
    assert served(client, "/catalog/v1/models/acme/steady")["deprecation"] is None


def test_deprecations_list_the_models_with_an_announced_end_soonest_first(catalog: Any, client: Client) -> None:
    catalog.gateway("acme")
    catalog.gateway("other")
    catalog.publish("acme", ENDING, now=T0)
    catalog.publish("other", [model("other/older", deprecated=True, sunset_at=MARCH - 86400)], now=T0)
    body = client.get("/catalog/v1/deprecations").json()
    assert [(m["id"], m["deprecation"]["sunset_at"]) for m in body["data"]] == [
        ("other/older", "2026-02-28T00:00:00Z"),
        ("acme/soon", "2026-03-01T00:00:00Z"),
        ("acme/late", "2026-04-30T00:00:00Z"),
    ]
    assert (body["total"], body["gateway"], body["has_more"]) == (3, "all", False)
    assert body["data"][0]["offers"][0]["sunset_at"] == "2026-02-28T00:00:00Z"
    page = client.get("/catalog/v1/deprecations?gateway=acme&limit=1&offset=1").json()
    assert ([m["id"] for m in page["data"]], page["total"], page["next_offset"]) == (["acme/late"], 2, None)
    assert "offers" not in page["data"][0]  # a gateway's own records
    assert client.get("/catalog/v1/deprecations?sort=id").status_code == 400


def test_a_stored_deprecation_survives_the_merge_round_trip(catalog: Any) -> None:
    catalog.publish("acme", ENDING, now=T0)
    entry = MergedModel.objects.get(model_id="acme/soon")
    assert entry.sunset_at == datetime(2026, 3, 1, tzinfo=UTC)
    assert orjson.loads(entry.public_json)["deprecation"]["successor"] == "acme/next"
