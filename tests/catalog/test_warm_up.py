"""gatewayz_site/warm.py: a gunicorn worker's warm-up request (the `post_worker_init` hook)."""

from __future__ import annotations

import logging
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection

from catalog import cache
from gatewayz_site import warm
from health import metrics

CONFIG = Path(__file__).resolve().parents[2] / "gatewayz_site" / "gunicorn.conf.py"


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the request must not close the test's open transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_hook_builds_the_front_page_in_the_worker(
    small_catalog: Any, keep_the_test_connection: None, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="gatewayz.warm")
    assert cache._recent.entries == {}

    counted = metrics.REQUESTS.labels("catalog/v1/models", "GET", "200")._value.get()

    hook = runpy.run_path(str(CONFIG))["post_worker_init"]
    monkeypatch.setattr(logging.getLogger("gatewayz.warm"), "handlers", [caplog.handler])  # the config set logging up anew

    hook(None)

    assert cache._recent.entries  # this process now holds the page's part
    assert metrics.REQUESTS.labels("catalog/v1/models", "GET", "200")._value.get() == counted  # not a client's
    [line] = [r for r in caplog.records if r.name == "gatewayz.warm"]
    assert (line.message, line.status, line.path) == ("worker warmed up", 200, "/catalog/v1/models")
    assert line.duration_ms >= 0


def test_a_database_error_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    caplog.set_level(logging.INFO, logger="gatewayz.warm")

    assert warm.warm() is None

    [line] = [r for r in caplog.records if r.name == "gatewayz.warm"]
    assert (line.levelname, line.message) == ("WARNING", "worker warm-up failed")
    assert "connection refused" in caplog.text
