"""The drift guard end to end (catalog/drift.py, gateways/held.py; docs/operations.md "Drift
guard"): a saved upstream body is imported as a live fetch would be, and each case asserts what the
REST API serves and what the run says. Suspect values are held, the rest of the list publishes;
staff approve (publish the held values) or reject (keep the stored ones)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache as django_cache
from django.test import Client

from catalog.models import ModelChange
from gateways.held import ReviewRefused, held_approve, held_reject
from gateways.models import Gateway, HeldValue, RefreshRun
from gateways.refresh import gateway_import

from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db

IDS = [f"acme/model-{i}" for i in range(10)]
PROMPT = {model_id: Decimal("0.0000025") * (i + 1) for i, model_id in enumerate(IDS)}
COMPLETION = Decimal("0.00001")
CONTEXT = 128000


def item(model_id: str, *, prompt: Decimal | None = None, completion: Decimal = COMPLETION, **fields: Any) -> dict[str, Any]:
    body = openai_item(
        model_id, prompt=str(prompt if prompt is not None else PROMPT[model_id]), completion=str(completion), context=CONTEXT
    )
    body.update(fields)
    return body


def body(*items: dict[str, Any]) -> str:
    return json.dumps(openai_body(*items))


def baseline(**changed: dict[str, Any]) -> list[dict[str, Any]]:
    return [changed.get(model_id) or item(model_id) for model_id in IDS]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Catalog versions restart with every test's database: no response cached by another test may answer."""
    django_cache.clear()
    yield
    django_cache.clear()


@pytest.fixture
def acme(gateway_keys: Any) -> Gateway:
    gateway_keys(acme="sk-acme-0123456789")
    gateway = make_gateway("acme", options={"price_unit": "per_token"})
    run = gateway_import(gateway=gateway, body=body(*baseline()))
    assert (run.outcome, run.models_added) == ("success", 10)  # a first publish: nothing to compare
    return Gateway.objects.get(slug="acme")


def imported(gateway: Gateway, items: list[dict[str, Any]], **options: Any) -> RefreshRun:
    run = gateway_import(gateway=gateway, body=body(*items), **options)
    assert run.outcome in ("success", "held"), run.error_message
    return run


def served(client: Client) -> dict[str, dict[str, Any]]:
    response = client.get("/catalog/v1/models", {"gateway": "acme", "limit": 100})
    assert response.status_code == 200
    return {m["id"]: m for m in response.json()["data"]}


def detail(client: Client, model_id: str) -> dict[str, Any]:
    response = client.get(f"/catalog/v1/models/{model_id}")
    assert response.status_code == 200
    return response.json()["data"]


def input_price(client: Client, model_id: str) -> str:
    """The served input price of one model, whichever unit it is served in (a per-token price over
    the per-token ceiling is no `pricing.prompt`: `catalog.prices`)."""
    prices = detail(client, model_id)["prices"]
    return next(p["usd"] for p in prices if p["component"] in ("input_token", "input"))


def prompts(client: Client) -> dict[str, str]:
    return {model_id: m["pricing"]["prompt"] for model_id, m in served(client).items()}


def stored_prompts() -> dict[str, str]:
    return {model_id: format(PROMPT[model_id].normalize(), "f") for model_id in IDS}


def status(client: Client) -> str:
    return next(g["status"] for g in client.get("/health/gateways").json()["gateways"] if g["gateway"] == "acme")


def test_prices_times_a_million_on_every_model_are_held_and_the_stored_ones_served(acme: Gateway, client: Client) -> None:
    run = imported(acme, [item(m, prompt=PROMPT[m] * 1_000_000, completion=COMPLETION * 1_000_000) for m in IDS])

    assert run.outcome == "held"
    assert run.review_state == "pending"
    assert run.models_held == 10
    assert (
        run.drift_reasons[0] == "the unit looks switched (per token vs per 1M tokens): 20 of 20 changed prices moved x1,000,000"
    )
    assert "acme/model-0: input price x1,000,000 (0.0000025 -> 2.5)" in run.drift_reasons
    assert "acme/model-0: output price x1,000,000 (0.00001 -> 10)" in run.drift_reasons
    assert prompts(client) == stored_prompts()
    one = detail(client, "acme/model-3")
    assert (one["pricing"]["prompt"], one["pricing"]["completion"]) == ("0.00001", "0.00001")
    assert not ModelChange.objects.filter(kind="price_changed").exists()
    assert sorted(HeldValue.objects.filter(run=run).values_list("upstream_id", flat=True)) == sorted(IDS)
    assert status(client) == "held"
    assert Gateway.objects.get(slug="acme").last_outcome == "held"


def test_a_renamed_context_length_is_held_and_the_stored_context_lengths_served(acme: Gateway, client: Client) -> None:
    renamed = []
    for model_id in IDS:
        entry = item(model_id)
        entry["max_context"] = entry.pop("context_length")
        renamed.append(entry)
    renamed[0]["name"] = "Model zero, renamed"  # the rest of the list still publishes

    run = imported(acme, renamed)

    assert run.outcome == "held"
    assert run.drift_reasons[0] == "context_length missing on 100 % of models (was on 100 %): the stored values are kept"
    assert {m: s["context_length"] for m, s in served(client).items()} == dict.fromkeys(IDS, CONTEXT)
    assert detail(client, "acme/model-5")["context_length"] == CONTEXT
    assert served(client)["acme/model-0"]["name"] == "Model zero, renamed"
    assert not ModelChange.objects.filter(kind="context_changed").exists()
    assert list(HeldValue.objects.filter(run=run).values_list("held", flat=True)) == [["context_length"]] * 10
    assert prompts(client) == stored_prompts()


def test_sixty_percent_of_prices_halved_at_once_are_held_by_the_share_rule(acme: Gateway, client: Client) -> None:
    halved = {m: item(m, prompt=PROMPT[m] / 2) for m in IDS[:6]}

    run = imported(acme, baseline(**halved))

    assert run.outcome == "held"
    assert run.drift_reasons[0] == (
        "6 of 10 models changed price at once (60 %, over 50 %): every price change of this list is held"
    )
    assert sorted(HeldValue.objects.filter(run=run).values_list("upstream_id", flat=True)) == IDS[:6]
    assert prompts(client) == stored_prompts()
    assert not ModelChange.objects.filter(kind="price_changed").exists()


def test_one_genuine_doubling_publishes_as_usual(acme: Gateway, client: Client) -> None:
    run = imported(acme, baseline(**{"acme/model-2": item("acme/model-2", prompt=PROMPT["acme/model-2"] * 2)}))

    assert (run.outcome, run.review_state, run.drift_reasons, run.models_held) == ("success", "", [], 0)
    assert prompts(client) == {**stored_prompts(), "acme/model-2": "0.000015"}
    change = ModelChange.objects.get(kind="price_changed")
    assert (change.upstream_id, change.before["prompt"], change.after["prompt"]) == ("acme/model-2", "0.0000075", "0.000015")
    assert status(client) == "ok"


def test_only_the_model_that_moved_a_thousandfold_is_held_and_the_rest_publishes(acme: Gateway, client: Client) -> None:
    items = baseline(
        **{
            "acme/model-0": item("acme/model-0", prompt=PROMPT["acme/model-0"] * 1000),
            "acme/model-1": item("acme/model-1", prompt=PROMPT["acme/model-1"] * 2),
        }
    )
    items = [*items[:-1], item("acme/new", prompt=Decimal("0.000001"))]  # model-9 left, acme/new added

    run = imported(acme, items)

    assert run.outcome == "held"
    assert run.drift_reasons == ["acme/model-0: input price x1,000 (0.0000025 -> 0.0025)"]
    assert list(HeldValue.objects.filter(run=run).values_list("upstream_id", flat=True)) == ["acme/model-0"]
    now = served(client)
    assert now["acme/model-0"]["pricing"]["prompt"] == "0.0000025"  # held: the stored price
    assert input_price(client, "acme/model-0") == "0.0000025"
    assert now["acme/model-1"]["pricing"]["prompt"] == "0.00001"  # a genuine 2x: published
    assert now["acme/new"]["pricing"]["prompt"] == "0.000001"
    assert now["acme/model-9"]["availability"] == "missing"  # lifecycle ran as usual
    assert list(ModelChange.objects.filter(kind="price_changed").values_list("upstream_id", flat=True)) == ["acme/model-1"]
    assert set(ModelChange.objects.filter(kind__in=("added", "missing")).values_list("upstream_id", "kind")) >= {
        ("acme/new", "added"),
        ("acme/model-9", "missing"),
    }


TWENTYFOLD = {"acme/model-0": item("acme/model-0", prompt=PROMPT["acme/model-0"] * 20)}  # 0.0000025 -> 0.00005


def test_approving_publishes_the_held_values_with_change_rows_and_history(acme: Gateway, client: Client) -> None:
    run = imported(acme, baseline(**TWENTYFOLD))
    assert run.outcome == "held"

    result = held_approve(run=run, reviewer="ops")

    assert result.models == 1
    assert prompts(client)["acme/model-0"] == "0.00005"
    assert detail(client, "acme/model-0")["pricing"]["prompt"] == "0.00005"
    change = ModelChange.objects.get(kind="price_changed")
    assert (change.upstream_id, change.before["prompt"], change.after["prompt"]) == ("acme/model-0", "0.0000025", "0.00005")
    history = client.get("/catalog/v1/models/acme/model-0/prices").json()["data"]
    spans = [s for offer in history["offers"] for s in offer["prices"] if s["component"] == "input_token"]
    assert [(s["usd"], s["valid_to"] is None) for s in spans] == [("0.0000025", False), ("0.00005", True)]
    run.refresh_from_db()
    assert (run.review_state, run.reviewed_by) == ("approved", "ops")
    assert not HeldValue.objects.exists()
    assert status(client) == "ok"
    with pytest.raises(ReviewRefused, match="approved"):
        held_approve(run=run, reviewer="ops")


def test_rejecting_keeps_the_stored_values_and_clears_the_held_state(acme: Gateway, client: Client) -> None:
    run = imported(acme, baseline(**TWENTYFOLD))

    result = held_reject(run=run, reviewer="ops")

    assert result.models == 1
    assert prompts(client) == stored_prompts()
    assert not ModelChange.objects.filter(kind="price_changed").exists()
    run.refresh_from_db()
    assert run.review_state == "rejected"
    assert not HeldValue.objects.exists()
    assert Gateway.objects.get(slug="acme").review_pending is False
    assert status(client) == "ok"


def test_a_later_publish_supersedes_a_pending_review(acme: Gateway, client: Client) -> None:
    suspect = baseline(**TWENTYFOLD)
    first = imported(acme, suspect)
    second = imported(acme, suspect)  # still suspect: held again, in its own run
    first.refresh_from_db()
    assert (first.review_state, second.review_state) == ("superseded", "pending")
    assert status(client) == "held"

    fixed = imported(acme, baseline())  # the upstream fixed it: nothing to hold
    second.refresh_from_db()
    assert (fixed.outcome, second.review_state) == ("success", "superseded")
    assert not HeldValue.objects.exists()
    assert status(client) == "ok"
    with pytest.raises(ReviewRefused, match="superseded"):
        held_approve(run=second, reviewer="ops")


def test_force_does_not_bypass_the_drift_guard_and_accept_drift_does(acme: Gateway, client: Client) -> None:
    suspect = baseline(**TWENTYFOLD)
    assert imported(acme, suspect, force=True).outcome == "held"
    assert prompts(client)["acme/model-0"] == "0.0000025"

    run = imported(acme, suspect, accept_drift=True)

    assert run.outcome == "success"
    assert prompts(client)["acme/model-0"] == "0.00005"


def test_the_gateway_thresholds_are_its_own(acme: Gateway, client: Client) -> None:
    Gateway.objects.filter(pk=acme.pk).update(drift_price_factor=Decimal(2000))
    acme.refresh_from_db()
    run = imported(acme, baseline(**{"acme/model-0": item("acme/model-0", prompt=PROMPT["acme/model-0"] * 1000)}))
    assert run.outcome == "success"
    assert input_price(client, "acme/model-0") == "0.0025"


def test_import_catalog_says_what_it_held_and_accept_drift_publishes_it(acme: Gateway, client: Client, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "body.json"
    path.write_text(body(*baseline(**TWENTYFOLD)))
    out = StringIO()
    call_command("import_catalog", "acme", str(path), "--force", stdout=out)
    assert "acme: held in " in out.getvalue()
    assert ", 1 held for review (the drift guard: approve or reject them in admin)" in out.getvalue()
    assert prompts(client)["acme/model-0"] == "0.0000025"

    call_command("import_catalog", "acme", str(path), "--accept-drift", stdout=StringIO())
    assert prompts(client)["acme/model-0"] == "0.00005"
