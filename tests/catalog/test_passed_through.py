"""OpenRouter-shape fields an upstream states (`knowledge_cutoff`, `reasoning`, `benchmarks`,
`quantization`, ...) are served as given, numbers as numbers; a value of the wrong type, or one not
stated, is null (catalog/render.py, PASSED_THROUGH)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.test import Client

from catalog.render import PASSED_THROUGH

from .conftest import model

pytestmark = pytest.mark.django_db


def test_stated_fields_are_served_as_given_and_wrong_types_are_null(catalog: Any) -> None:
    extra = {
        "knowledge_cutoff": "2026-03-01",
        "expiration_date": "",
        "reasoning": {"default_effort": "medium", "max_tokens": 32000},
        "benchmarks": {"mmlu_pro": Decimal("0.873")},
        "supported_voices": ["alloy", 7, "verse"],
        "alias_target": ["not", "a", "string"],
        "quantization": "fp8",
        "links": {"details": "/api/v1/models/acme/tuned/endpoints"},
        "kept_only": "not served",
    }
    catalog.publish("passing", [model("acme/tuned", prompt="0.0000003", completion="0.0000012", extra=extra)])
    served = orjson.loads(Client().get("/catalog/v1/models?gateway=passing").content)["data"][0]
    assert {name: served[name] for name in PASSED_THROUGH} == {
        "expiration_date": None,
        "knowledge_cutoff": "2026-03-01",
        "alias_target": None,
        "supported_voices": ["alloy", "verse"],
        "reasoning": {"default_effort": "medium", "max_tokens": 32000},
        "benchmarks": {"mmlu_pro": 0.873},
        "links": {"details": "/api/v1/models/acme/tuned/endpoints"},
        "quantization": "fp8",
    }
    assert "kept_only" not in served and "extra" not in served
