"""The adapter contract, parametrised over the registry.

Every registered kind must have at least one recorded-shape fixture in
`tests/fixtures/gateways/<kind>/<scenario>.json` (a body of its model-list call, written by hand in
the upstream's real shape) with a golden `<scenario>.expected.json`. The body goes through the
adapter exactly as `import_catalog` sends it; the output must equal the golden file.

To write a new golden file, run with UPDATE_GOLDEN=1, then read the diff line by line before
committing it: the golden file is the claim the test makes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from catalog.merge import canonical_key
from catalog.render import jsonable, model_document
from gateways.fetch import decode_json
from gateways.registry import registered_kinds

from ..conftest import FIXTURES


def golden(kind: str, body: Any, options: dict[str, Any]) -> dict[str, Any]:
    adapter = registered_kinds()[kind](options=options)
    result = adapter.parse_body(body)
    return {
        "rejected": result.rejected,
        "skipped": result.skipped,
        "degraded_reason": result.degraded_reason,
        "warnings": result.warnings,
        "models": [
            {
                "document": model_document(m, gateway_slug=kind),
                "canonical_key": canonical_key(
                    model_id=m.id, merge_base=m.merge_base, hugging_face_id=m.hugging_face_id, variant=m.variant
                ),
                "variant": m.variant,
                "price_unit": m.price_unit,
                "modality_source": m.modality_source,
                "upstream_active": m.upstream_active,
                "data_source": m.data_source,
                "extra": jsonable(dict(m.extra)),
            }
            for m in result.models
        ],
    }


def scenarios() -> list[tuple[str, Path]]:
    found = []
    for kind in registered_kinds():
        for path in sorted((FIXTURES / kind).glob("*.json")):
            if not path.name.endswith((".expected.json", ".options.json")):
                found.append((kind, path))
    return found


@pytest.mark.parametrize("kind", list(registered_kinds()))
def test_every_registered_kind_has_a_fixture(kind: str) -> None:
    bodies = [p for k, p in scenarios() if k == kind]
    assert bodies, f"adapter {kind!r} has no fixture in tests/fixtures/gateways/{kind}/"


@pytest.mark.parametrize(("kind", "path"), scenarios(), ids=lambda v: v if isinstance(v, str) else v.stem)
def test_fixture_normalizes_to_its_golden_output(kind: str, path: Path) -> None:
    options_path = path.with_name(path.stem + ".options.json")
    options = json.loads(options_path.read_text()) if options_path.exists() else {}
    got = json.loads(json.dumps(golden(kind, decode_json(path.read_bytes()), options)))
    expected_path = path.with_name(path.stem + ".expected.json")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert expected_path.exists(), f"{expected_path.name} is missing (UPDATE_GOLDEN=1 writes it; then review it)"
    assert got == json.loads(expected_path.read_text())
