"""Gateways in every status, with stored models and refresh history, for the admin, dashboard and
browser tests. Written straight into the tables the refresh pipeline writes, so each status is
exact; the pipeline itself is tested through `gateway_refresh` elsewhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from catalog.records import NormalizedModel
from catalog.services import catalog_publish
from gateways.models import Gateway, RefreshRun

# A hostile upstream body snippet: it must be shown as text, never as markup.
HOSTILE_ERROR = 'HTTP 401 from https://failing.example/v1/models: <script>alert("x")</script> (check the gateway\'s key)'


def make_gateway(slug: str, *, kind: str = "openrouter", **fields: Any) -> Gateway:
    defaults = {"name": slug.replace("-", " ").title(), "kind": kind, "enabled": True, "min_expected_models": 1}
    if kind == "openai_compatible":
        defaults["base_url"] = f"https://{slug}.example/v1"
    return Gateway.objects.create(slug=slug, **{**defaults, **fields})


def publish(gateway: Gateway, count: int, *, now: datetime, prompt: str = "0.0000005") -> None:
    """Store `count` active models for `gateway` through the real publish path."""
    models = [
        NormalizedModel(
            id=f"{gateway.slug}/model-{i}",
            name=f"Model {i}",
            context_length=8192,
            input_modalities=("text",),
            output_modalities=("text",),
            modality="text->text",
            pricing={"prompt": Decimal(prompt) * (i + 1), "completion": Decimal(prompt) * 4},
            price_unit="per_token_usd",
            provider_slug=gateway.slug,
            raw={"id": f"{gateway.slug}/model-{i}"},
        )
        for i in range(count)
    ]
    catalog_publish(gateway=gateway, models=models, force=True, now=now, accept_drift=True)  # setup, not a drift case


def history(
    gateway: Gateway,
    *,
    now: datetime,
    outcomes: list[str],
    every: timedelta = timedelta(hours=1),
    failure: tuple[str, str, int | None] = ("unauthorized", HOSTILE_ERROR, 401),
    models: int = 40,
) -> list[RefreshRun]:
    """Finished runs, oldest first, ending `every` before `now`. Failed ones carry `failure`
    (error kind, message, HTTP status); published ones `models` + their index models."""
    kind, message, http_status = failure
    runs = []
    for index, outcome in enumerate(outcomes):
        started = now - every * (len(outcomes) - index)
        published = outcome in (RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.DEGRADED)
        runs.append(
            RefreshRun.objects.create(
                gateway=gateway,
                trigger=RefreshRun.Trigger.SCHEDULE,
                started_at=started,
                finished_at=started + timedelta(seconds=2),
                outcome=outcome,
                duration_ms=400 + 37 * index,
                models_seen=models + index if published else 0,
                models_unchanged=models + index if published else 0,
                error_kind="" if published else kind,
                error_message="" if published else message,
                http_status=None if published else http_status,
            )
        )
    return runs


def every_status(*, now: datetime, set_keys: Any) -> dict[str, Gateway]:
    """One gateway per status (health.selectors.STATUSES), keyed by that status."""
    success, failed = RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.FAILED
    set_keys(**{"failing-gw": "k-failing", "degraded-gw": "k-degraded"})
    gateways = {
        "ok": make_gateway(
            "ok-gw",
            last_success_at=now - timedelta(minutes=10),
            last_attempt_at=now - timedelta(minutes=10),
            last_outcome=success,
            last_latency_ms=420,
            last_model_count=3,
        ),
        "stale": make_gateway(
            "stale-gw",
            last_success_at=now - timedelta(hours=4),
            last_attempt_at=now - timedelta(hours=4),
            last_outcome=success,
            last_model_count=2,
        ),
        "failing": make_gateway(
            "failing-gw",
            kind="groq",
            last_attempt_at=now - timedelta(minutes=5),
            last_outcome=failed,
            consecutive_failures=3,
            last_error=HOSTILE_ERROR,
            last_error_kind="unauthorized",
            last_latency_ms=95,
        ),
        "degraded": make_gateway(
            "degraded-gw",
            kind="groq",
            last_success_at=now - timedelta(minutes=50),
            last_attempt_at=now - timedelta(minutes=3),
            last_outcome=failed,
            consecutive_failures=1,
            last_error="timed out fetching https://degraded.example/openai/v1/models",
            last_error_kind="timeout",
        ),
        "held": make_gateway(
            "held-gw",
            last_success_at=now - timedelta(minutes=15),
            last_attempt_at=now - timedelta(minutes=15),
            last_outcome=RefreshRun.Outcome.HELD,
            last_model_count=2,
            review_pending=True,
        ),
        "unconfigured": make_gateway("unconfigured-gw", kind="groq"),
        "disabled": make_gateway("disabled-gw", enabled=False),
        "never_refreshed": make_gateway("never-gw"),
    }
    publish(gateways["ok"], 3, now=now - timedelta(minutes=10))
    publish(gateways["stale"], 2, now=now - timedelta(hours=4))
    publish(gateways["degraded"], 2, now=now - timedelta(minutes=50))
    publish(gateways["held"], 2, now=now - timedelta(minutes=15))
    RefreshRun.objects.create(
        gateway=gateways["held"],
        started_at=now - timedelta(minutes=15),
        finished_at=now - timedelta(minutes=15),
        outcome=RefreshRun.Outcome.HELD,
        models_seen=2,
        models_held=1,
        review_state=RefreshRun.Review.PENDING,
        drift_reasons=["held-gw/model-0: input price x1,000 (0.0000005 -> 0.0005)"],
    )
    history(gateways["ok"], now=now, outcomes=[success] * 6)
    history(gateways["stale"], now=now, outcomes=[success, success, failed], every=timedelta(hours=2))
    history(gateways["failing"], now=now, outcomes=[failed] * 3)
    history(gateways["degraded"], now=now, outcomes=[success, success, failed])
    return gateways
