"""The drift guard's rules, pure (catalog/drift.py): stored facts and new records in, suspects and
reasons out, no database."""

from __future__ import annotations

from decimal import Decimal

from catalog.drift import Stored, Thresholds, compare, factor_text
from catalog.prices import components
from tests.factories import make_model, token_prices

IDS = [f"acme/m{i}" for i in range(10)]


def stored(prompt: str = "0.000001", completion: str = "0.000002", **fields: object) -> Stored:
    return Stored(prices=token_prices(prompt, completion), fields={"context_length": 8192, **fields})


def everything(**changed: object) -> tuple[dict[str, Stored], list]:
    facts = {model_id: stored() for model_id in IDS}
    models = [changed.get(model_id) or make_model(model_id) for model_id in IDS]
    return facts, models


def test_an_unchanged_list_and_a_first_publish_are_never_suspect() -> None:
    facts, models = everything()
    assert not compare(stored=facts, models=models, thresholds=Thresholds())
    times_a_million = [make_model(m, prompt="1", completion="2") for m in IDS]
    assert not compare(stored={}, models=times_a_million, thresholds=Thresholds())


def test_the_factor_rule_holds_a_tenfold_move_either_way_and_not_a_doubling() -> None:
    facts, models = everything(
        **{
            "acme/m0": make_model("acme/m0", prompt="0.0000101"),  # x10.1
            "acme/m1": make_model("acme/m1", completion="0.0000001"),  # /20
            "acme/m2": make_model("acme/m2", prompt="0.000002"),  # x2
            "acme/m3": make_model("acme/m3", prompt="0.00001"),  # exactly x10: not more than the factor
        }
    )
    drift = compare(stored=facts, models=models, thresholds=Thresholds())
    assert sorted(drift.suspects) == ["acme/m0", "acme/m1"]
    assert drift.suspects["acme/m0"].reasons == ["acme/m0: input price x10.1 (0.000001 -> 0.0000101)"]
    assert drift.suspects["acme/m1"].reasons == ["acme/m1: output price /20 (0.000002 -> 0.0000001)"]
    assert drift.reasons == []
    assert not compare(stored=facts, models=models, thresholds=Thresholds(price_factor=Decimal(25)))


def test_a_price_to_or_from_zero_is_no_factor_and_a_per_token_price_over_the_ceiling_is_still_compared() -> None:
    facts, models = everything(
        **{"acme/m0": make_model("acme/m0", prompt="0"), "acme/m1": make_model("acme/m1", prompt="0.5")}  # 0.5: unit unstated
    )
    drift = compare(stored=facts, models=models, thresholds=Thresholds())
    assert list(drift.suspects) == ["acme/m1"]
    assert drift.suspects["acme/m1"].reasons == ["acme/m1: input price x500,000 (0.000001 -> 0.5)"]


def test_the_share_rule_needs_more_than_the_share_and_enough_models() -> None:
    halved = {m: make_model(m, prompt="0.0000005") for m in IDS[:5]}
    assert not compare(stored=everything(**halved)[0], models=everything(**halved)[1], thresholds=Thresholds())  # 50 %: not over
    six = {m: make_model(m, prompt="0.0000005") for m in IDS[:6]}
    drift = compare(stored=everything(**six)[0], models=everything(**six)[1], thresholds=Thresholds())
    assert sorted(drift.suspects) == IDS[:6]
    assert drift.reasons == ["6 of 10 models changed price at once (60 %, over 50 %): every price change of this list is held"]
    assert not compare(
        stored=everything(**six)[0], models=everything(**six)[1], thresholds=Thresholds(repriced_share=Decimal("0.7"))
    )
    # Four models all repriced: a share of so few says nothing.
    few = {m: stored() for m in IDS[:4]}
    assert not compare(stored=few, models=[make_model(m, prompt="0.0000005") for m in IDS[:4]], thresholds=Thresholds())


def test_a_field_most_models_had_and_most_lost_keeps_its_stored_values() -> None:
    facts = {model_id: stored() for model_id in IDS}
    lost = [make_model(m, context_length=None) for m in IDS[:6]] + [make_model(m) for m in IDS[6:]]
    drift = compare(stored=facts, models=lost, thresholds=Thresholds())
    assert drift.reasons == ["context_length missing on 60 % of models (was on 100 %): the stored values are kept"]
    assert {m: s.fields for m, s in drift.suspects.items()} == {m: {"context_length": 8192} for m in IDS[:6]}
    assert not any(s.prices for s in drift.suspects.values())
    # Lost by half of them only: no rename.
    half = [make_model(m, context_length=None) for m in IDS[:5]] + [make_model(m) for m in IDS[5:]]
    assert not compare(stored=facts, models=half, thresholds=Thresholds())
    # A field only 70 % had is not one "most models had".
    sparse = {m: stored(context_length=8192 if i < 7 else None) for i, m in enumerate(IDS)}
    assert not compare(stored=sparse, models=[make_model(m, context_length=None) for m in IDS], thresholds=Thresholds())


def test_every_price_vanishing_at_once_holds_the_prices() -> None:
    facts = {model_id: stored() for model_id in IDS}
    drift = compare(stored=facts, models=[make_model(m, prompt=None, completion=None) for m in IDS], thresholds=Thresholds())
    assert drift.reasons == ["prices missing on 100 % of models (was on 100 %): the stored values are kept"]
    assert all(s.prices for s in drift.suspects.values()) and len(drift.suspects) == 10


def test_the_unit_rule_catches_a_switch_the_factor_rule_lets_through() -> None:
    facts = {model_id: stored() for model_id in IDS}
    cents = [make_model(m, prompt="0.0001", completion="0.0002") for m in IDS[:3]] + [make_model(m) for m in IDS[3:]]
    lenient = Thresholds(price_factor=Decimal(1000), repriced_share=Decimal(1))
    drift = compare(stored=facts, models=cents, thresholds=lenient)
    assert drift.reasons == ["the unit looks switched (cents vs dollars): 6 of 6 changed prices moved x100"]
    assert sorted(drift.suspects) == IDS[:3]
    # One model moving x100 is no unit switch: the factor rule's to judge.
    one = [make_model(IDS[0], prompt="0.0001", completion="0.0002")] + [make_model(m) for m in IDS[1:]]
    assert not compare(stored=facts, models=one, thresholds=lenient)


def test_every_component_is_compared_by_its_pricing_key_and_tier() -> None:
    def priced(model_id: str, request: str, tier_prompt: str) -> object:
        return make_model(
            model_id,
            pricing={"prompt": Decimal("0.000001"), "completion": Decimal("0.000002"), "request": Decimal(request)},
            pricing_overrides=({"min_prompt_tokens": 200000, "prompt": Decimal(tier_prompt)},),
        )

    before = priced("acme/m0", "0.01", "0.000002")
    facts = {"acme/m0": Stored(prices=[p.document() for p in components(before.pricing, before.pricing_overrides)])}
    drift = compare(stored=facts, models=[priced("acme/m0", "0.2", "0.00003")], thresholds=Thresholds())
    assert drift.suspects["acme/m0"].reasons == [
        "acme/m0: request price x20 (0.01 -> 0.2)",
        "acme/m0: input price (from 200,000 prompt tokens) x15 (0.000002 -> 0.00003)",
    ]


def test_factor_text() -> None:
    assert [factor_text(Decimal(v)) for v in ("1000000", "2.5", "0.001", "10.123", "0.5")] == [
        "x1,000,000",
        "x2.5",
        "/1,000",
        "x10.12",
        "/2",
    ]
