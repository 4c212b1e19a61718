"""Adapters say only what differs about their upstream: each registered adapter's module stays
within 60 lines (docs/design.md, "Adapters declare"). One that needs more is a sign that the base
lacks a declaration."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from gateways.registry import registered_kinds

MAX_LINES = 60


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
def test_adapter_module_is_at_most_60_lines(kind: str) -> None:
    path = Path(inspect.getfile(registered_kinds()[kind]))
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.name} is {lines} lines; move what a second upstream could use into the base"
