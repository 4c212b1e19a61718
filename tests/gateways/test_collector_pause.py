"""A refresh parses and publishes with Python's cycle collector off, and always turns it back on."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

from catalog import services as catalog_services
from gateways import refresh
from gateways.refresh import gateway_import

from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the collector was on when the publish ran (one entry per publish)."""
    seen: list[bool] = []
    publish = catalog_services.catalog_publish

    def spy(**kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return publish(**kwargs)

    monkeypatch.setattr(refresh, "catalog_publish", spy)
    return seen


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


BODY = json.dumps(openai_body(openai_item("acme/one"), openai_item("acme/two")))


def test_the_collector_is_off_while_publishing_and_on_again_after(collector_on: None, collector_seen: list[bool]) -> None:
    run = gateway_import(gateway=make_gateway(), body=BODY)
    assert run.outcome == "success"
    assert collector_seen == [False]
    assert gc.isenabled()


def test_a_failed_refresh_turns_the_collector_back_on(collector_on: None, collector_seen: list[bool]) -> None:
    run = gateway_import(gateway=make_gateway(), body="{not json")
    assert run.outcome == "failed"
    assert gc.isenabled()
    assert collector_seen == []  # it failed before publishing


def test_a_crash_inside_the_publish_turns_the_collector_back_on(collector_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(**kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(refresh, "catalog_publish", crash)
    run = gateway_import(gateway=make_gateway(), body=BODY)
    assert (run.outcome, run.error_kind) == ("failed", "internal")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_seen: list[bool]) -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        assert gateway_import(gateway=make_gateway(), body=BODY).outcome == "success"
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_overlapping_refreshes_keep_it_off_until_the_last_one_ends(collector_on: None) -> None:
    with refresh._collector_paused():
        with refresh._collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
