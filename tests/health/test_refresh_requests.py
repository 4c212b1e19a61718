"""An operator's refresh: a queued run the worker fills in, and a broker outage that is recorded."""

from __future__ import annotations

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from catalog.models import AIModel
from catalog.tasks import rebuild_merged_catalog
from gateways.leases import lease_acquire
from gateways.manual import gateways_request_refresh
from gateways.models import RefreshRun
from gateways.tasks import refresh_gateway

from .scenarios import make_gateway

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")


def test_the_worker_fills_in_the_queued_run(
    gateway_keys, loopback_upstream, queued_tasks, django_capture_on_commit_callbacks
) -> None:
    gateway = make_gateway("worker-gw", kind="openai_compatible", base_url=loopback_upstream.base_url)
    gateway_keys(**{"worker-gw": "k"})
    loopback_upstream.routes["/v1/models"] = (200, {"data": [{"id": "w-1"}, {"id": "w-2"}]})
    with django_capture_on_commit_callbacks(execute=True):
        (queued,) = gateways_request_refresh(gateways=[gateway], force=True).queued
    (args, kwargs) = queued_tasks.refreshes[0]

    refresh_gateway.apply(args=args, kwargs=kwargs)

    run = RefreshRun.objects.get()
    assert run.pk == queued.pk
    assert (run.outcome, run.forced, run.trigger, run.models_added) == ("success", True, "manual", 2)
    assert sorted(AIModel.objects.values_list("upstream_id", flat=True)) == ["w-1", "w-2"]


def test_a_run_that_finds_the_lease_taken_is_closed_as_skipped(queued_tasks, django_capture_on_commit_callbacks) -> None:
    gateway = make_gateway("busy-gw")
    with django_capture_on_commit_callbacks(execute=True):
        (queued,) = gateways_request_refresh(gateways=[gateway]).queued
    assert lease_acquire(gateway_id=gateway.pk) is not None  # another worker got there first

    refresh_gateway.apply(args=(gateway.pk,), kwargs={"trigger": "manual", "run_id": queued.pk})

    run = RefreshRun.objects.get()
    assert (run.pk, run.outcome, run.error_message) == (queued.pk, "skipped", "another refresh of this gateway is in progress")


def test_a_running_refresh_is_not_queued_again() -> None:
    gateway = make_gateway("leased-gw")
    lease_acquire(gateway_id=gateway.pk)
    gateway.refresh_from_db()

    result = gateways_request_refresh(gateways=[gateway])

    assert result.queued == [] and [(g.slug, r) for g, r in result.skipped] == [("leased-gw", "a refresh is already running")]


def test_an_open_circuit_does_not_block_a_manual_refresh(queued_tasks) -> None:
    gateway = make_gateway("tripped-gw", circuit_state="open", circuit_opened_at=timezone.now(), consecutive_failures=5)

    assert len(gateways_request_refresh(gateways=[gateway]).queued) == 1


def test_a_broker_outage_closes_the_queued_run_as_failed(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    gateway = make_gateway("nobroker-gw")

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis://:secret@10.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(refresh_gateway, "delay", unreachable)

    with django_capture_on_commit_callbacks(execute=True):
        gateways_request_refresh(gateways=[gateway])

    run = RefreshRun.objects.get()
    assert (run.outcome, run.error_kind) == ("failed", "connection")
    assert run.error_message == "the refresh could not be queued: broker unreachable (OperationalError)"
    assert run.finished_at is not None


def test_a_broker_outage_rebuilds_the_merged_catalog_inline(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    from catalog import tasks

    rebuilt = []
    monkeypatch.setattr(rebuild_merged_catalog, "delay", lambda: (_ for _ in ()).throw(OperationalError("down")))
    monkeypatch.setattr(tasks, "rebuild_all_merged", lambda: rebuilt.append(True) or 0)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_rebuild_merged()

    assert rebuilt == [True]
