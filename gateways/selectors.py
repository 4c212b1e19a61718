"""Reads of the gateways app's records that other apps need: refresh-run history for the health
dashboard. Database reads only, each in one query whatever the number of gateways."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from gateways.models import Gateway, RefreshRun

# Run outcomes that carry figures worth charting (a queued, running or skipped run has none).
CHARTED_OUTCOMES = (RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.DEGRADED, RefreshRun.Outcome.HELD, RefreshRun.Outcome.FAILED)


def run_history(*, gateway_ids: Iterable[int], limit: int = 20, days: int = 14, now: datetime) -> dict[int, list[RefreshRun]]:
    """The last `limit` charted runs of each gateway within `days`, oldest first, in one query
    (a window function numbers each gateway's runs; works on SQLite and PostgreSQL)."""
    ids = list(gateway_ids)
    if not ids:
        return {}
    numbered = (
        RefreshRun.objects.filter(gateway_id__in=ids, outcome__in=CHARTED_OUTCOMES, started_at__gte=now - timedelta(days=days))
        .annotate(position=Window(RowNumber(), partition_by=[F("gateway_id")], order_by=[F("started_at").desc(), F("id").desc()]))
        .filter(position__lte=limit)
        .defer("rejections", "warnings")
    )
    history: dict[int, list[RefreshRun]] = defaultdict(list)
    for run in numbered:
        history[run.gateway_id].append(run)
    return {gateway_id: sorted(runs, key=lambda r: (r.started_at, r.pk)) for gateway_id, runs in history.items()}


def latest_runs(*, gateway_ids: Iterable[int]) -> dict[int, RefreshRun]:
    """Each gateway's most recent run of any outcome (queued and running included), in one query
    (a correlated subquery per gateway, served by the `run_gateway_recent` index)."""
    ids = list(gateway_ids)
    if not ids:
        return {}
    newest = RefreshRun.objects.filter(gateway_id=OuterRef("pk")).order_by("-started_at", "-id").values("pk")[:1]
    newest_ids = Gateway.objects.filter(pk__in=ids).annotate(newest=Subquery(newest)).values("newest")
    runs = RefreshRun.objects.filter(pk__in=newest_ids).defer("rejections", "warnings")
    return {run.gateway_id: run for run in runs}


def recent_runs(*, gateway_id: int, limit: int = 20) -> list[RefreshRun]:
    """One gateway's latest runs of any outcome, newest first (one query on `run_gateway_recent`)."""
    return list(
        RefreshRun.objects.filter(gateway_id=gateway_id).defer("rejections", "warnings").order_by("-started_at", "-id")[:limit]
    )


def recent_failures(*, limit: int = 15, gateway_id: int | None = None) -> list[RefreshRun]:
    """The latest failed runs across gateways (or of one), newest first, with their gateway (one query)."""
    runs = RefreshRun.objects.filter(outcome=RefreshRun.Outcome.FAILED)
    if gateway_id is not None:
        runs = runs.filter(gateway_id=gateway_id)
    return list(runs.select_related("gateway").defer("rejections", "warnings").order_by("-started_at", "-id")[:limit])


def pending_reviews(*, gateway_ids: Iterable[int]) -> dict[int, int]:
    """gateway id -> the id of its latest held run waiting for review (drift guard), in one query."""
    runs = RefreshRun.objects.filter(gateway_id__in=list(gateway_ids), review_state=RefreshRun.Review.PENDING)
    found: dict[int, int] = {}
    for gateway_id, run_id in runs.order_by("pk").values_list("gateway_id", "pk"):
        found[gateway_id] = run_id
    return found
