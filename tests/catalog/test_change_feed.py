"""`GET /catalog/v1/changes`: reading the feed by cursor (oldest first, in commit order, every
change once), its filters, and offset paging for the old clients."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from catalog import cursor
from catalog.models import ModelChange
from catalog.prices import COMPONENTS

from .conftest import ALPHA, GAMMA

pytestmark = pytest.mark.django_db


def _priced(models: list[Any], model_id: str, **prices: str) -> list[Any]:
    """`models` with new per-token prices for one of them."""
    return [
        replace(m, pricing={**m.pricing, **{k: Decimal(v) for k, v in prices.items()}}) if m.id == model_id else m for m in models
    ]


def _follow(client: Client, token: str, query: str = "", limit: int = 3) -> tuple[list[int], str]:
    """Every change after `token`, page by page: the ids read and the last `next_cursor`."""
    ids: list[int] = []
    for _ in range(100):
        body = client.get(f"/catalog/v1/changes?cursor={token}&limit={limit}{query}").json()
        ids += [change["id"] for change in body["data"]]
        token = body["next_cursor"]
        if not body["has_more"]:
            return ids, token
    raise AssertionError("the cursor never reached the end")


def test_following_next_cursor_from_the_start_reads_every_change_once_oldest_first(small_catalog: Any, client: Client) -> None:
    ids, token = _follow(client, "")
    assert ids == list(ModelChange.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 10

    small_catalog.publish("gamma", _priced(GAMMA, "solo/tiny", prompt="0.0000004"))
    small_catalog.publish("alpha", _priced(ALPHA, "bolt/embedder", completion="0.0000001"))
    new, token = _follow(client, token)
    assert [ModelChange.objects.get(pk=pk).upstream_id for pk in new] == ["solo/tiny", "bolt/embedder"]
    assert _follow(client, token) == ([], token)  # nothing new: the same position again


def test_a_cursor_page_has_a_truthful_envelope(small_catalog: Any, client: Client) -> None:
    first = client.get("/catalog/v1/changes?cursor=&limit=4").json()
    rows = list(ModelChange.objects.order_by("id"))
    assert {k: v for k, v in first.items() if k not in ("data", "timestamp")} == {
        "returned": 4,
        "limit": 4,
        "gateway": "all",
        "has_more": True,
        "next_cursor": cursor.encode(rows[3].pk),
    }
    change = first["data"][0]
    assert change == {
        "id": rows[0].pk,
        "gateway": "alpha",
        "model_id": rows[0].upstream_id,
        "kind": "added",
        "before": None,
        "after": rows[0].after,
        "components": [],
        "change_percent": None,
        "recorded_at": rows[0].recorded_at.isoformat(),
    }
    last = client.get(f"/catalog/v1/changes?cursor={first['next_cursor']}&limit=6").json()
    assert ([c["id"] for c in last["data"]], last["has_more"]) == ([r.pk for r in rows[4:]], False)
    assert last["next_cursor"] == cursor.encode(rows[-1].pk)


def test_the_newest_first_page_hands_out_a_cursor_at_the_head_of_the_feed(small_catalog: Any, client: Client) -> None:
    page = client.get("/catalog/v1/changes?limit=2").json()
    assert (page["total"], page["offset"], page["next_offset"]) == (10, 0, 2)  # offset paging as before
    assert page["next_cursor"] == cursor.encode(ModelChange.objects.order_by("-id").first().pk)
    small_catalog.publish("gamma", _priced(GAMMA, "solo/tiny", prompt="0.0000004"))
    after = client.get(f"/catalog/v1/changes?cursor={page['next_cursor']}").json()
    assert [(c["model_id"], c["kind"]) for c in after["data"]] == [("solo/tiny", "price_changed")]


def test_a_token_handed_out_earlier_still_names_the_same_position(small_catalog: Any, client: Client) -> None:
    # Cursors live in clients' databases: the format is part of the contract (c1. + base-32 id).
    fifth = ModelChange.objects.order_by("id")[4].pk  # ids need not start at 1 (PostgreSQL sequences)
    digits, number, written = "0123456789abcdefghijklmnopqrstuv", fifth, ""
    while True:
        number, digit = divmod(number, 32)
        written = digits[digit] + written
        if not number:
            break
    token = "c1." + written
    assert cursor.encode(fifth) == token
    body = client.get(f"/catalog/v1/changes?cursor={token}&limit=100").json()
    assert [c["id"] for c in body["data"]] == list(
        ModelChange.objects.filter(pk__gt=fifth).order_by("id").values_list("id", flat=True)
    )


def test_a_filtered_reader_moves_on_past_changes_that_do_not_match(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/changes?cursor=&gateway=gamma").json()
    assert [c["model_id"] for c in body["data"]] == ["solo/tiny"]
    # The last change of all is gamma's; beta's five before it never match, and are not scanned again.
    assert body["next_cursor"] == cursor.encode(ModelChange.objects.order_by("-id").first().pk)
    small_catalog.publish("alpha", _priced(ALPHA, "bolt/embedder", completion="0.0000001"))
    later = client.get(f"/catalog/v1/changes?cursor={body['next_cursor']}&gateway=gamma").json()
    assert later["data"] == []
    assert later["next_cursor"] == cursor.encode(ModelChange.objects.order_by("-id").first().pk)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("cursor=abc", "cursor"),
        ("cursor=c1.", "cursor"),
        ("cursor=c1.-5", "cursor"),
        ("cursor=c1.zzzzzzzzzzzzzzzzz", "cursor"),
        ("cursor=c1.00", "cursor"),  # a token this feed never issues
        ("cursor=%20c1.4", "cursor"),
        ("cursor=c1.8000000000000", "cursor"),  # past the largest id
        ("cursor=c1.4&limit=0", "limit"),
        ("component=prompt", "component"),
        ("min_change_percent=-1", "min_change_percent"),
        ("min_change_percent=NaN", "min_change_percent"),
    ],
)
def test_bad_paging_and_filters_are_400s_naming_the_parameter(small_catalog: Any, client: Client, query: str, param: str) -> None:
    response = client.get(f"/catalog/v1/changes?{query}")
    assert response.status_code == 400
    assert (response.json()["error"]["param"], response.json()["error"]["code"]) == (param, "invalid_parameter")


def test_offset_after_a_cursor_skips_that_many_changes_after_it(small_catalog: Any, client: Client) -> None:
    ids = list(ModelChange.objects.order_by("id").values_list("id", flat=True))
    body = client.get(f"/catalog/v1/changes?cursor={cursor.encode(ids[1])}&offset=3&limit=2").json()
    assert ([c["id"] for c in body["data"]], body["next_cursor"]) == (ids[5:7], cursor.encode(ids[6]))


def test_an_unknown_component_lists_the_vocabulary(small_catalog: Any, client: Client) -> None:
    error = client.get("/catalog/v1/changes?component=input_token,tokens").json()["error"]
    assert error["message"].startswith("component: unknown component 'tokens'. Valid values: input_token, output_token,")
    assert error["valid_values"] == list(COMPONENTS)


def test_model_filter_takes_several_upstream_ids_case_insensitively(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/changes?cursor=&model=ACME/alpha-chat,solo/tiny").json()
    assert sorted((c["gateway"], c["model_id"]) for c in body["data"]) == [
        ("alpha", "acme/alpha-chat"),
        ("beta", "Acme/Alpha-Chat"),
        ("gamma", "solo/tiny"),
    ]
    offset = client.get("/catalog/v1/changes?model=solo/tiny&gateway=gamma&kind=added").json()
    assert (offset["total"], [c["model_id"] for c in offset["data"]]) == (1, ["solo/tiny"])


def test_component_filter_matches_changes_about_any_of_the_components(small_catalog: Any, client: Client) -> None:
    rows = list(ModelChange.objects.order_by("id"))
    ModelChange.objects.filter(pk=rows[0].pk).update(components_text=",input_token,output_token,")
    ModelChange.objects.filter(pk=rows[1].pk).update(components_text=",cache_read,")
    ModelChange.objects.filter(pk=rows[2].pk).update(components_text=",input,")  # not input_token
    ids = [c["id"] for c in client.get("/catalog/v1/changes?cursor=&component=output_token,cache_read").json()["data"]]
    assert ids == [rows[0].pk, rows[1].pk]
    only = client.get("/catalog/v1/changes?component=input_token").json()
    assert [(c["id"], c["components"]) for c in only["data"]] == [(rows[0].pk, ["input_token", "output_token"])]


def test_min_change_percent_is_the_largest_per_token_move_and_never_matches_added_or_removed(
    small_catalog: Any, client: Client
) -> None:
    # bolt/embedder: prompt 0.0000001 -> 0.00000008 (20 % down), completion unchanged at 0.
    # solo/tiny: prompt 0.0000002 -> 0.0000003 (50 % up), completion 0.0000002 -> 0.00000022 (10 %).
    small_catalog.publish("alpha", _priced(ALPHA, "bolt/embedder", prompt="0.00000008"))
    small_catalog.publish("gamma", _priced(GAMMA, "solo/tiny", prompt="0.0000003", completion="0.00000022"))

    def matching(threshold: str) -> list[tuple[str, str | None]]:
        body = client.get(f"/catalog/v1/changes?cursor=&min_change_percent={threshold}").json()
        return [(c["model_id"], c["change_percent"]) for c in body["data"]]

    assert matching("0") == [("bolt/embedder", "20"), ("solo/tiny", "50")]  # the 10 added rows never match
    assert matching("20") == [("bolt/embedder", "20"), ("solo/tiny", "50")]
    assert matching("20.000001") == [("solo/tiny", "50")]
    assert matching("50.5") == []
    assert matching("1e12") == []  # clamped to the largest stored change, not an error


def test_a_price_that_starts_charging_matches_every_threshold(small_catalog: Any, client: Client) -> None:
    small_catalog.publish("alpha", _priced(ALPHA, "acme/alpha-chat:free", prompt="0.0000001"))
    body = client.get("/catalog/v1/changes?min_change_percent=999999999").json()
    assert [(c["model_id"], c["change_percent"]) for c in body["data"]] == [("acme/alpha-chat:free", "1000000000")]


def test_filters_combine_with_cursor_and_since(small_catalog: Any, client: Client) -> None:
    small_catalog.publish("gamma", _priced(GAMMA, "solo/tiny", prompt="0.0000004"))
    price = ModelChange.objects.get(kind="price_changed")
    since = {"since": price.recorded_at.isoformat(), "cursor": "", "gateway": "gamma"}  # inclusive
    assert [c["id"] for c in client.get("/catalog/v1/changes", since).json()["data"]] == [price.pk]
    assert client.get("/catalog/v1/changes", {**since, "kind": "added"}).json()["data"] == []
    both = client.get("/catalog/v1/changes", {"cursor": "", "gateway": "gamma"}).json()
    assert [c["kind"] for c in both["data"]] == ["added", "price_changed"]


def test_a_cursor_page_is_cached_until_the_next_publish_and_answers_304(small_catalog: Any, client: Client) -> None:
    path = "/catalog/v1/changes?cursor=&limit=100"
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    small_catalog.publish("gamma", _priced(GAMMA, "solo/tiny", prompt="0.0000004"))
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert len(again.json()["data"]) == len(first.json()["data"]) + 1
