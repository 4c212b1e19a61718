"""The one table from upstream feature and parameter names to OpenRouter's `supported_parameters`
(gateways/adapters/parameters.py), and docs/adapters.md ("Parameters") printing it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from gateways.adapters.parameters import FEATURES, PARAMETERS, feature_parameters, named_parameters, stated_defaults

DOCS = Path(__file__).resolve().parents[2] / "docs" / "adapters.md"


def test_features_map_to_parameters_and_unknown_features_are_left_out() -> None:
    assert feature_parameters(["tools", "json_mode", "browser_search", "reasoning_effort", "vision"]) == (
        "tools",
        "response_format",
        "reasoning",
    )
    assert feature_parameters({"function_calling": True, "tool_choice": False}) == ("tools",)


def test_parameter_spellings_are_mapped_and_other_names_kept() -> None:
    assert named_parameters(["temperature", "topP", "max_completion_tokens", "verbosity", "max_tokens"]) == (
        "temperature",
        "top_p",
        "max_tokens",
        "verbosity",
    )


def test_stated_defaults_take_numbers_only_under_openrouter_names() -> None:
    item = {"temperature": Decimal("1.0"), "topP": Decimal("0.95"), "topK": 64, "thinking": True, "seed": "7"}
    fields = {"temperature": "temperature", "top_p": "topP", "top_k": "topK", "thinking": "thinking", "seed": "seed"}
    assert stated_defaults(item, fields) == {"temperature": Decimal("1.0"), "top_p": Decimal("0.95"), "top_k": 64}
    assert stated_defaults({"topP": Decimal("NaN")}, {"top_p": "topP"}) == {}


def test_the_docs_print_the_table() -> None:
    section = DOCS.read_text().split("## Parameters", 1)[1]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")] if line.startswith("| `") else []
        if len(cells) == 2:
            target = cells[1].strip("`")
            for name in re.findall(r"`([^`]+)`", cells[0]):
                rows.setdefault(name, set()).add(target)
    expected: dict[str, set[str]] = {}
    for table in (FEATURES, PARAMETERS):
        for name, target in table.items():
            expected.setdefault(name, set()).add(target)
    assert rows == expected
