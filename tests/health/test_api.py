"""JSON health (public), readiness, and the staff-only system endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog import cache as catalog_cache
from catalog.models import AIModel
from gateways.models import Gateway, RefreshRun

from .conftest import csrf_token
from .scenarios import HOSTILE_ERROR, every_status, make_gateway

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")
NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The health views see NOW as the current time (their figures are ages)."""
    monkeypatch.setattr("health.api.timezone", SimpleNamespace(now=lambda: NOW))
    return NOW


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def expected_ok(**overrides: Any) -> dict[str, Any]:
    base = {
        "gateway": "ok-gw",
        "name": "Ok Gw",
        "kind": "openrouter",
        "enabled": True,
        "status": "ok",
        "reason": "data 10 min old; refreshed every 60 min",
        "stale": False,
        "age_seconds": 600,
        "last_success_at": iso(NOW - timedelta(minutes=10)),
        "last_attempt_at": iso(NOW - timedelta(minutes=10)),
        "last_outcome": "success",
        "last_error_kind": None,
        "consecutive_failures": 0,
        "latency_ms": 420,
        "models": 3,
        "last_fetched_models": 3,
        "min_expected_models": 1,
        "refresh_interval_seconds": 3600,
        "stale_after_seconds": 10800,
        "circuit": "closed",
        "configured": True,
        "refreshing": False,
    }
    return {**base, **overrides}


def expected_failing(**overrides: Any) -> dict[str, Any]:
    base = {
        "gateway": "failing-gw",
        "name": "Failing Gw",
        "kind": "groq",
        "enabled": True,
        "status": "failing",
        "reason": "the last 3 refreshes failed (unauthorized (401/403)); no live data yet",
        "stale": True,
        "age_seconds": None,
        "last_success_at": None,
        "last_attempt_at": iso(NOW - timedelta(minutes=5)),
        "last_outcome": "failed",
        "last_error_kind": "unauthorized",
        "consecutive_failures": 3,
        "latency_ms": 95,
        "models": 0,
        "last_fetched_models": None,
        "min_expected_models": 1,
        "refresh_interval_seconds": 3600,
        "stale_after_seconds": 10800,
        "circuit": "closed",
        "configured": True,
        "refreshing": False,
    }
    return {**base, **overrides}


# --- GET /health/gateways ----------------------------------------------------------------------


def test_health_list_gives_each_gateway_and_a_summary_without_error_text(client: Client, gateway_keys, frozen) -> None:
    gateways = every_status(now=NOW, set_keys=gateway_keys)
    Gateway.objects.exclude(pk__in=[gateways["ok"].pk, gateways["failing"].pk]).delete()

    response = client.get("/health/gateways")

    assert response.status_code == 200
    assert response.json() == {
        "generated_at": iso(NOW),
        "summary": {
            "ok": 1,
            "stale": 0,
            "failing": 1,
            "degraded": 0,
            "held": 0,
            "unconfigured": 0,
            "disabled": 0,
            "never_refreshed": 0,
        },
        "gateways": [expected_failing(), expected_ok()],  # ordered by priority, then slug
    }


def test_health_list_counts_every_status(client: Client, gateway_keys, frozen) -> None:
    every_status(now=NOW, set_keys=gateway_keys)

    body = client.get("/health/gateways").json()

    assert body["summary"] == dict.fromkeys(
        ["ok", "stale", "failing", "degraded", "held", "unconfigured", "disabled", "never_refreshed"], 1
    )
    assert {g["gateway"]: g["status"] for g in body["gateways"]} == {
        "ok-gw": "ok",
        "stale-gw": "stale",
        "failing-gw": "failing",
        "degraded-gw": "degraded",
        "held-gw": "held",
        "unconfigured-gw": "unconfigured",
        "disabled-gw": "disabled",
        "never-gw": "never_refreshed",
    }
    assert "k-failing" not in str(body)


def test_staff_also_get_the_error_messages(client: Client, superuser: User, gateway_keys, frozen) -> None:
    gateways = every_status(now=NOW, set_keys=gateway_keys)
    Gateway.objects.exclude(pk=gateways["failing"].pk).delete()
    client.force_login(superuser)

    body = client.get("/health/gateways").json()

    assert body["gateways"] == [expected_failing(last_error=HOSTILE_ERROR, degraded_reason=None)]


def test_health_detail_includes_recent_runs_newest_first(client: Client, gateway_keys, frozen, staff_token: str) -> None:
    gateways = every_status(now=NOW, set_keys=gateway_keys)
    runs = list(RefreshRun.objects.filter(gateway=gateways["failing"]).order_by("-started_at"))

    public = client.get("/health/gateways/failing-gw").json()
    staff = client.get("/health/gateways/failing-gw", HTTP_AUTHORIZATION=f"Token {staff_token}").json()

    def run_doc(run: RefreshRun, **extra: Any) -> dict[str, Any]:
        return {
            "id": run.pk,
            "gateway": "failing-gw",
            "trigger": "schedule",
            "forced": False,
            "outcome": "failed",
            "started_at": iso(run.started_at),
            "finished_at": iso(run.finished_at),
            "duration_ms": run.duration_ms,
            "error_kind": "unauthorized",
            "http_status": 401,
            "retryable": False,
            "models_seen": 0,
            "models_added": 0,
            "models_changed": 0,
            "models_unchanged": 0,
            "models_deactivated": 0,
            "models_missing": 0,
            "models_rejected": 0,
            **extra,
        }

    assert public == {**expected_failing(), "recent_runs": [run_doc(r) for r in runs]}
    assert staff == {
        **expected_failing(last_error=HOSTILE_ERROR, degraded_reason=None),
        "recent_runs": [run_doc(r, error_message=HOSTILE_ERROR) for r in runs],
    }


def test_health_detail_of_an_unknown_gateway_is_404(client: Client) -> None:
    response = client.get("/health/gateways/nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "unknown gateway 'nope'"}


# --- readiness ---------------------------------------------------------------------------------


def test_readyz_is_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_names_an_unreachable_broker_without_its_url(client: Client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "unreachable (OperationalError)"}}
    assert b"hunter2" not in response.content


def test_readyz_names_a_missing_filesystem_broker_folder(client: Client, settings, tmp_path) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "absent")}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "the filesystem broker's queue folder is missing or not writable"


def test_readyz_names_an_unreachable_database(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    class DownConnection:
        def cursor(self) -> Any:
            raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("health.checks.connection", DownConnection())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable (OperationalError)", "broker": "ok"}}


# --- who may use the system endpoints ----------------------------------------------------------


@pytest.fixture
def target(db: None) -> Gateway:
    gateway = make_gateway("target-gw")
    make_gateway("second-gw")
    return gateway


def system_calls(run_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/cache/status"),
        ("post", "/cache/refresh/target-gw"),
        ("post", "/cache/refresh"),
        ("post", "/cache/clear"),
        ("get", f"/cache/runs/{run_id}"),
    ]


SUCCESS = {"/cache/status": 200, "/cache/refresh/target-gw": 202, "/cache/refresh": 202, "/cache/clear": 200}


def success_code(url: str) -> int:
    return SUCCESS.get(url, 200)


@pytest.fixture
def old_run(target: Gateway) -> RefreshRun:
    return RefreshRun.objects.create(gateway=target, started_at=NOW, outcome=RefreshRun.Outcome.SUCCESS)


def writes_happened(target: Gateway, old_run: RefreshRun) -> bool:
    target.refresh_from_db()
    return target.refresh_requested or RefreshRun.objects.exclude(pk=old_run.pk).exists()


@pytest.mark.parametrize("call", range(5))
def test_anonymous_gets_401(client: Client, queued_tasks, target: Gateway, old_run: RefreshRun, call: int) -> None:
    method, url = system_calls(old_run.pk)[call]

    response = getattr(client, method)(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not writes_happened(target, old_run) and queued_tasks.refreshes == []


@pytest.mark.parametrize("call", range(5))
def test_a_bad_token_gets_401(client: Client, queued_tasks, target: Gateway, old_run: RefreshRun, call: int) -> None:
    method, url = system_calls(old_run.pk)[call]

    response = getattr(client, method)(url, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401
    assert not writes_happened(target, old_run)


@pytest.mark.parametrize("call", range(5))
def test_non_staff_get_403_by_session_and_by_token(
    client: Client, plain_user: User, plain_token: str, queued_tasks, target: Gateway, old_run: RefreshRun, call: int
) -> None:
    method, url = system_calls(old_run.pk)[call]

    by_token = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Token {plain_token}")
    client.force_login(plain_user)
    by_session = getattr(client, method)(url)

    assert (by_token.status_code, by_session.status_code) == (403, 403)
    assert not writes_happened(target, old_run) and queued_tasks.refreshes == []


@pytest.mark.parametrize("call", range(5))
def test_staff_session_needs_the_csrf_token_on_posts(
    csrf_admin_client: Client, queued_tasks, target: Gateway, old_run: RefreshRun, call: int
) -> None:
    method, url = system_calls(old_run.pk)[call]
    if method == "post":
        refused = csrf_admin_client.post(url)
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        assert not writes_happened(target, old_run)
        response = csrf_admin_client.post(url, HTTP_X_CSRFTOKEN=csrf_token(csrf_admin_client))
    else:
        response = csrf_admin_client.get(url)

    assert response.status_code == success_code(url)


@pytest.mark.parametrize("call", range(5))
def test_staff_token_works_without_csrf_and_without_model_permissions(
    client: Client, queued_tasks, target: Gateway, old_run: RefreshRun, call: int
) -> None:
    method, url = system_calls(old_run.pk)[call]
    staff = User.objects.create_user("script", is_staff=True)  # staff flag only, no model permissions
    token = Token.objects.create(user=staff).key

    response = getattr(Client(enforce_csrf_checks=True), method)(url, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == success_code(url)


# --- what the system endpoints do --------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_refresh_one_answers_202_with_the_queued_run(
    client: Client, staff_token: str, queued_tasks, target: Gateway, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cache/refresh/target-gw?force=true", **auth(staff_token))

    run = RefreshRun.objects.get(gateway=target)
    assert response.status_code == 202
    assert response.json() == {
        "gateway": "target-gw",
        "run_id": run.pk,
        "run_url": f"http://testserver/cache/runs/{run.pk}",
        "status": "queued",
        "force": True,
    }
    assert (run.outcome, run.forced, run.trigger) == ("queued", True, "manual")
    assert queued_tasks.refreshes == [((target.pk,), {"force": True, "trigger": "manual", "run_id": run.pk})]
    polled = client.get(f"/cache/runs/{run.pk}", **auth(staff_token)).json()
    assert (polled["id"], polled["outcome"], polled["gateway"]) == (run.pk, "queued", "target-gw")


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The broker refuses every publish; the list holds the gateway id of each publish tried."""
    from kombu.exceptions import OperationalError as BrokerError

    from gateways.tasks import refresh_gateway

    tried: list[int] = []

    def unreachable(gateway_id: int, **kwargs: Any) -> None:
        tried.append(gateway_id)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(refresh_gateway, "delay", unreachable)
    return tried


@pytest.mark.django_db(transaction=True)  # the broker is asked at commit, before the answer
def test_refresh_one_with_the_broker_down_is_503_with_the_failed_run(
    client: Client, staff_token: str, broker_down: list[int], target: Gateway
) -> None:
    response = client.post("/cache/refresh/target-gw", **auth(staff_token))

    run = RefreshRun.objects.get(gateway=target)
    assert (response.status_code, response["Retry-After"]) == (503, "60")
    error = "the refresh could not be queued: broker unreachable (OperationalError)"
    assert response.json() == {
        "detail": f"target-gw was not queued: {error}; the gateway is marked due and the next scheduler tick queues it",
        "gateway": "target-gw",
        "run_id": run.pk,
        "run_url": f"http://testserver/cache/runs/{run.pk}",
        "status": "failed",
        "force": False,
        "error": error,
    }
    assert (run.outcome, run.error_kind) == ("failed", "connection")
    target.refresh_from_db()
    assert target.refresh_requested is True


@pytest.mark.django_db(transaction=True)  # the broker is asked at commit, before the answer
def test_refresh_all_with_the_broker_down_is_503_with_each_run_state(
    client: Client, staff_token: str, broker_down: list[int], target: Gateway
) -> None:
    response = client.post("/cache/refresh", **auth(staff_token))

    body = response.json()
    assert response.status_code == 503
    assert body["detail"].startswith(f"{len(body['queued'])} of {len(body['queued'])} refreshes could not be queued")
    assert {q["gateway"]: q["status"] for q in body["queued"]} == dict.fromkeys(
        Gateway.objects.filter(enabled=True).values_list("slug", flat=True), "failed"
    )
    assert not RefreshRun.objects.filter(outcome="queued").exists()


@pytest.mark.django_db(transaction=True)
def test_refresh_all_with_the_broker_down_asks_the_broker_once_then_short_circuits(
    client: Client, staff_token: str, broker_down: list[int], target: Gateway
) -> None:
    """A hung broker costs one publish timeout, not one per gateway (OUTAGE_RETRY_SECONDS)."""
    response = client.post("/cache/refresh", **auth(staff_token))

    failed = RefreshRun.objects.filter(outcome="failed")
    assert response.status_code == 503
    assert len(broker_down) == 1 < failed.count() == len(response.json()["queued"])
    assert set(failed.values_list("error_message", flat=True)) == {
        "the refresh could not be queued: broker unreachable (OperationalError)",
        "the refresh could not be queued: broker unreachable (BrokerStillDown)",
    }


@pytest.mark.django_db(transaction=True)
def test_after_the_outage_window_the_broker_is_asked_again(
    client: Client, staff_token: str, broker_down: list[int], target: Gateway, settings: Any
) -> None:
    settings.OUTAGE_RETRY_SECONDS = 0

    response = client.post("/cache/refresh", **auth(staff_token))

    assert response.status_code == 503
    assert len(broker_down) == len(response.json()["queued"]) == Gateway.objects.filter(enabled=True).count()


@pytest.mark.django_db(transaction=True)
def test_a_run_a_fast_worker_already_failed_is_still_answered_as_queued(
    client: Client, staff_token: str, monkeypatch: pytest.MonkeyPatch, target: Gateway
) -> None:
    """Only a run the broker never took is a 503: one a worker took and closed in the meantime was queued."""
    from gateways.tasks import refresh_gateway

    def fast_worker(gateway_id: int, **kwargs: Any) -> None:
        RefreshRun.objects.filter(pk=kwargs["run_id"]).update(
            outcome="failed", error_kind="connection", error_message="could not connect to the upstream"
        )

    monkeypatch.setattr(refresh_gateway, "delay", fast_worker)

    response = client.post("/cache/refresh/target-gw", **auth(staff_token))

    assert (response.status_code, response.json()["status"]) == (202, "queued")


def test_refresh_of_an_unknown_gateway_is_400_listing_the_valid_ones(client: Client, staff_token: str, target: Gateway) -> None:
    response = client.post("/cache/refresh/nope", **auth(staff_token))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "unknown gateway 'nope'; valid gateways: second-gw, target-gw",
        "valid_gateways": ["second-gw", "target-gw"],
    }
    assert not RefreshRun.objects.exists()


def test_refresh_with_a_bad_force_value_is_400(client: Client, staff_token: str, target: Gateway) -> None:
    response = client.post("/cache/refresh/target-gw?force=maybe", **auth(staff_token))

    assert response.status_code == 400
    assert response.json() == {"detail": "force must be true or false"}
    assert not RefreshRun.objects.exists()


def test_refresh_of_a_disabled_gateway_is_409_with_the_reason(client: Client, staff_token: str, queued_tasks) -> None:
    make_gateway("off-gw", enabled=False)

    response = client.post("/cache/refresh/off-gw", **auth(staff_token))

    assert response.status_code == 409
    assert response.json() == {"detail": "off-gw was not queued: disabled", "gateway": "off-gw", "reason": "disabled"}
    assert not RefreshRun.objects.exists()


def test_refresh_all_queues_every_enabled_gateway_and_lists_the_skipped(
    client: Client, staff_token: str, queued_tasks, gateway_keys, django_capture_on_commit_callbacks
) -> None:
    gateways = every_status(now=NOW, set_keys=gateway_keys)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cache/refresh", **auth(staff_token))

    body = response.json()
    assert response.status_code == 202
    assert body["force"] is False
    assert body["skipped"] == [{"gateway": "unconfigured-gw", "reason": "GATEWAY_KEY_UNCONFIGURED_GW is not set"}]
    queued = {q["gateway"]: q["run_id"] for q in body["queued"]}
    assert set(queued) == {"ok-gw", "stale-gw", "failing-gw", "degraded-gw", "held-gw", "never-gw"}
    assert sorted(queued_tasks.refreshed_ids) == sorted(
        gateways[s].pk for s in ("ok", "stale", "failing", "degraded", "held", "never_refreshed")
    )
    assert set(queued.values()) == set(RefreshRun.objects.filter(outcome="queued").values_list("pk", flat=True))


def test_clear_drops_response_caches_marks_due_and_keeps_models(client: Client, staff_token: str, gateway_keys) -> None:
    every_status(now=NOW, set_keys=gateway_keys)
    models = AIModel.objects.count()
    generation = catalog_cache.generation()

    response = client.post("/cache/clear", **auth(staff_token))

    assert response.status_code == 200
    assert response.json() == {
        "response_cache": "cleared",
        "catalog_version": catalog_cache.catalog_version(),
        "marked_due": ["degraded-gw", "failing-gw", "held-gw", "never-gw", "ok-gw", "stale-gw", "unconfigured-gw"],
    }
    assert AIModel.objects.count() == models > 0
    assert catalog_cache.generation() == generation + 1
    assert list(Gateway.objects.filter(refresh_requested=True).order_by("slug").values_list("slug", flat=True)) == [
        "degraded-gw",
        "failing-gw",
        "held-gw",
        "never-gw",
        "ok-gw",
        "stale-gw",
        "unconfigured-gw",
    ]


def test_clear_one_gateway_marks_only_it(client: Client, staff_token: str, target: Gateway) -> None:
    response = client.post("/cache/clear?gateway=target-gw", **auth(staff_token))

    assert response.json()["marked_due"] == ["target-gw"]
    assert list(Gateway.objects.filter(refresh_requested=True).values_list("slug", flat=True)) == ["target-gw"]


def test_clear_of_an_unknown_gateway_is_400(client: Client, staff_token: str, target: Gateway) -> None:
    response = client.post("/cache/clear?gateway=nope", **auth(staff_token))

    assert response.status_code == 400
    assert response.json()["valid_gateways"] == ["second-gw", "target-gw"]
    assert not Gateway.objects.filter(refresh_requested=True).exists()


def test_cache_status_reports_backend_version_and_rows_per_gateway(
    client: Client, staff_token: str, gateway_keys, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateways = every_status(now=NOW, set_keys=gateway_keys)
    Gateway.objects.exclude(pk__in=[gateways["ok"].pk, gateways["failing"].pk]).delete()
    AIModel.objects.filter(gateway=gateways["ok"], upstream_id="ok-gw/model-0").update(is_active=False)
    monkeypatch.setattr("health.api.timezone", SimpleNamespace(now=lambda: NOW))

    response = client.get("/cache/status", **auth(staff_token))

    assert response.status_code == 200
    body = response.json()
    assert body["response_cache"] == {
        "backend": settings.CACHES["default"]["BACKEND"],
        "reachable": True,
        "generation": catalog_cache.generation(),
    }
    assert body["catalog_version"] == catalog_cache.catalog_version() > 0
    assert body["gateways"] == [
        {
            "gateway": "failing-gw",
            "enabled": True,
            "status": "failing",
            "models_active": 0,
            "models_total": 0,
            "last_refresh_at": iso(NOW - timedelta(minutes=5)),
            "last_success_at": None,
            "refresh_requested": False,
            "refreshing": False,
        },
        {
            "gateway": "ok-gw",
            "enabled": True,
            "status": "ok",
            "models_active": 2,
            "models_total": 3,
            "last_refresh_at": iso(NOW - timedelta(minutes=10)),
            "last_success_at": iso(NOW - timedelta(minutes=10)),
            "refresh_requested": False,
            "refreshing": False,
        },
    ]


def test_run_endpoint_404s_on_an_unknown_run(client: Client, staff_token: str) -> None:
    response = client.get("/cache/runs/999999", **auth(staff_token))

    assert response.status_code == 404
    assert response.json() == {"detail": "no refresh run 999999"}
