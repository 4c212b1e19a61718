"""`manage.py import_catalog SLUG FILE` with every recorded-shape fixture: each stores every model
the body lists, with the id, prices, context length and modality of its reviewed golden file.

The fixtures are small and carry deliberate bad items, so the gateway's guard thresholds are
relaxed for the import (`min_expected_models=1`, rejects allowed); the guard itself is tested in
tests/gateways/test_refresh_service.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from catalog.identity import resolve
from catalog.model_aliases import alias_map
from catalog.models import AIModel
from gateways.builtins import builtin_adapters
from gateways.models import Gateway, RefreshRun

from ..factories import make_gateway
from .test_adapter_contract import scenarios

pytestmark = pytest.mark.django_db


def gateway_for(kind: str, path: Path) -> Gateway:
    options_path = path.with_name(path.stem + ".options.json")
    if kind == "openai_compatible":  # no built-in row: an admin-made gateway of the generic kind
        options = json.loads(options_path.read_text()) if options_path.exists() else {}
        return make_gateway(kind, kind=kind, options=options, max_reject_fraction=1.0)
    gateway = Gateway.objects.get(slug=kind, kind=kind)
    Gateway.objects.filter(pk=gateway.pk).update(min_expected_models=1, max_reject_fraction=1.0)
    gateway.refresh_from_db()
    return gateway


@pytest.mark.parametrize(("kind", "path"), scenarios(), ids=lambda v: v if isinstance(v, str) else v.stem)
def test_import_catalog_stores_every_model_of_the_fixture_as_its_golden_file_says(kind: str, path: Path) -> None:
    gateway = gateway_for(kind, path)
    golden: dict[str, Any] = json.loads(path.with_name(path.stem + ".expected.json").read_text())

    out = io.StringIO()
    call_command("import_catalog", gateway.slug, str(path), "--force", stdout=out)

    run = RefreshRun.objects.get(gateway=gateway)
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert (run.models_rejected, run.models_skipped) == (golden["rejected"], golden["skipped"])
    assert run.warnings == golden["warnings"]
    rows = {row.upstream_id: row for row in AIModel.objects.filter(gateway=gateway)}
    assert sorted(rows) == sorted(m["document"]["id"] for m in golden["models"])
    for expected in golden["models"]:
        document = expected["document"]
        row = rows[document["id"]]
        architecture = document["architecture"]
        assert {
            "pricing": row.pricing,
            "prices": row.prices,
            "price_unit": row.price_unit,
            "context_length": row.context_length,
            "modality": row.modality,
            "input_modalities": row.input_modalities,
            "output_modalities": row.output_modalities,
            "modality_source": row.modality_source,
            "upstream_active": row.upstream_active,
            "canonical_key": row.canonical_key,
        } == {
            "pricing": document["pricing"],
            "prices": document["prices"],
            "price_unit": expected["price_unit"],
            "context_length": document["context_length"],
            "modality": architecture["modality"],
            "input_modalities": architecture["input_modalities"],
            "output_modalities": architecture["output_modalities"],
            "modality_source": expected["modality_source"],
            "upstream_active": expected["upstream_active"],
            # the golden key, through the alias table (curated: Groq's short names)
            "canonical_key": resolve(expected["canonical_key"], alias_map()),
        }, document["id"]
        # the golden file is the adapter's output; a record no author is named in is served as its gateway's
        assert json.loads(row.public_json) == document | {"provider_slug": document["provider_slug"] or gateway.slug}


def test_every_builtin_gateway_has_a_fixture_to_import() -> None:
    kinds_with_fixtures = {kind for kind, _ in scenarios()}
    builtin = set(Gateway.objects.exclude(kind="openai_compatible").values_list("kind", flat=True))
    assert builtin == set(builtin_adapters())
    assert builtin <= kinds_with_fixtures
