"""A gateway's change page has object tools (Refresh now, Test connection, its runs, its models and
its health page), and the health page shows its status, runs, failures, models and price range."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from catalog.price_spread import prompt_price_spread
from gateways.models import RefreshRun

from .conftest import csrf_token
from .scenarios import HOSTILE_ERROR, every_status, history, make_gateway, publish

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")


def urls(gateway) -> dict[str, str]:
    base = f"/admin/gateways/gateway/{gateway.pk}/"
    return {
        "change": f"{base}change/",
        "refresh": f"{base}refresh/",
        "test": f"{base}test-connection/",
        "health": f"{base}health/",
    }


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_change_page_has_the_object_tools(admin_client: Client, gateway_keys) -> None:
    gateway = every_status(now=timezone.now(), set_keys=gateway_keys)["ok"]
    html = admin_client.get(urls(gateway)["change"]).content.decode()

    tools = html[html.index('<ul class="object-tools">') : html.index("</ul>", html.index('<ul class="object-tools">'))]
    assert f'<form method="post" action="{urls(gateway)["refresh"]}">' in tools
    assert f'<form method="post" action="{urls(gateway)["test"]}">' in tools
    assert tools.count('name="csrfmiddlewaretoken"') == 2
    assert f'href="/admin/gateways/refreshrun/?gateway__id__exact={gateway.pk}"' in tools
    assert f'href="/admin/catalog/aimodel/?gateway__id__exact={gateway.pk}"' in tools
    assert f'href="{urls(gateway)["health"]}"' in tools


def test_the_runs_and_models_links_list_that_gateway_only(admin_client: Client, gateway_keys) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)
    ok = gateways["ok"]

    runs = admin_client.get(f"/admin/gateways/refreshrun/?gateway__id__exact={ok.pk}")
    models = admin_client.get(f"/admin/catalog/aimodel/?gateway__id__exact={ok.pk}")

    assert {run.gateway_id for run in runs.context["cl"].result_list} == {ok.pk}
    assert {model.gateway_id for model in models.context["cl"].result_list} == {ok.pk}
    assert models.context["cl"].result_count == 3


def test_refresh_now_on_the_change_page_queues_through_the_same_path_as_the_action(
    csrf_admin_client: Client, queued_tasks, django_capture_on_commit_callbacks
) -> None:
    gateway = make_gateway("tool-gw", name="Tool")
    token = csrf_token(csrf_admin_client, urls(gateway)["change"])

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_admin_client.post(urls(gateway)["refresh"], {"csrfmiddlewaretoken": token}, follow=True)

    run = RefreshRun.objects.get(gateway=gateway)
    assert response.redirect_chain == [(urls(gateway)["change"], 302)]
    assert (run.outcome, run.trigger) == (RefreshRun.Outcome.QUEUED, RefreshRun.Trigger.MANUAL)
    assert queued_tasks.refreshes == [((gateway.pk,), {"force": False, "trigger": "manual", "run_id": run.pk})]
    assert page_messages(response) == [
        f'Queued refresh for 1 gateway: Tool (tool-gw), <a href="/admin/gateways/refreshrun/{run.pk}/change/">run {run.pk}</a>. '
        "The dashboard and each run show the result once a worker has run it."
    ]


def test_test_connection_on_the_change_page_fetches_and_publishes_nothing(
    admin_client: Client, gateway_keys, loopback_upstream
) -> None:
    gateway = make_gateway("probe-gw", name="Probe", kind="openai_compatible", base_url=loopback_upstream.base_url)
    gateway_keys(**{"probe-gw": "probe-secret"})
    loopback_upstream.routes["/v1/models"] = (200, {"data": [{"id": "m-1"}, {"id": "m-2"}]})

    response = admin_client.post(urls(gateway)["test"], follow=True)

    assert response.redirect_chain == [(urls(gateway)["change"], 302)]
    (message,) = page_messages(response)
    assert re.fullmatch(r"Probe \(probe-gw\): connection OK, 2 models parsed in \d+ ms\. First ids: m-1, m-2\.", message)
    assert loopback_upstream.requests == [{"path": "/v1/models", "authorization": "Bearer probe-secret"}]
    assert not RefreshRun.objects.exists()
    assert "probe-secret" not in response.content.decode()


def test_object_tools_take_only_a_post_from_someone_who_may_change_gateways(
    admin_client: Client, staff_viewer: User, queued_tasks
) -> None:
    gateway = make_gateway("guarded-gw")
    viewer = Client()
    viewer.force_login(staff_viewer)

    assert admin_client.get(urls(gateway)["refresh"]).status_code == 405
    assert admin_client.get(urls(gateway)["test"]).status_code == 405
    assert viewer.post(urls(gateway)["refresh"]).status_code == 403
    assert viewer.post(urls(gateway)["test"]).status_code == 403
    assert admin_client.post("/admin/gateways/gateway/999999/refresh/").status_code == 404
    assert admin_client.post("/admin/gateways/gateway/not-a-number/refresh/").status_code == 404
    assert admin_client.get("/admin/gateways/gateway/not-a-number/health/").status_code == 404
    assert not RefreshRun.objects.exists()
    page = viewer.get(urls(gateway)["health"])
    assert page.status_code == 200 and 'id="gateway-refresh-now"' not in page.content.decode()


def test_the_health_page_shows_status_runs_failures_models_and_prices(admin_client: Client, gateway_keys) -> None:
    now = timezone.now()
    gateway = every_status(now=now, set_keys=gateway_keys)["degraded"]

    response = admin_client.get(urls(gateway)["health"])

    assert response.status_code == 200
    html = response.content.decode()
    status = html[html.index('id="gateway-status"') : html.index('id="gateway-charts"')]
    assert '<span class="health-badge health-degraded">degraded</span> the last refresh failed (timeout)' in status
    assert re.search(r'id="gateway-models"><span class="">2</span> active', status)
    runs = html[html.index('id="gateway-runs"') : html.index('id="gateway-failures"')]
    assert runs.count("/admin/gateways/refreshrun/") == RefreshRun.objects.filter(gateway=gateway).count() == 3
    failures = html[html.index('id="gateway-failures"') :]
    (failed,) = RefreshRun.objects.filter(gateway=gateway, outcome="failed")
    assert f"/admin/gateways/refreshrun/{failed.pk}/change/" in failures
    assert "&lt;script&gt;" in failures and HOSTILE_ERROR not in html  # upstream text escaped
    assert "k-degraded" not in html
    assert re.search(r"0\.5 \(degraded-gw/model-0\) – 1 \(degraded-gw/model-1\) USD per 1M tokens", text(status))


def test_the_price_range_names_the_outlier_model(admin_client: Client) -> None:
    now = timezone.now()
    gateway = make_gateway("spread-gw", last_success_at=now, last_outcome="success")
    publish(gateway, 3, now=now - timedelta(minutes=1), prompt="0.0000001")  # 0.1, 0.2, 0.3 USD per 1M
    from catalog.models import AIModel

    AIModel.objects.filter(upstream_id="spread-gw/model-2").update(prompt_price="0.00003")  # 30 USD per 1M: 150x

    spread = prompt_price_spread(gateway_id=gateway.pk)
    page = text(admin_client.get(urls(gateway)["health"]).content.decode())

    assert spread is not None and spread.outlier is not None and spread.outlier.upstream_id == "spread-gw/model-2"
    assert "Outlier: spread-gw/model-2 at 30, ten times or more from the median" in page
    AIModel.objects.filter(upstream_id="spread-gw/model-2").update(prompt_price="0.0000003")
    assert prompt_price_spread(gateway_id=gateway.pk).outlier is None
    assert "Outlier" not in text(admin_client.get(urls(gateway)["health"]).content.decode())


def test_the_dashboard_links_each_gateway_to_its_health_page(admin_client: Client) -> None:
    gateway = make_gateway("linked-gw")
    history(gateway, now=timezone.now(), outcomes=["success"])

    html = admin_client.get("/admin/health/dashboard/").content.decode()

    assert f'<a href="{urls(gateway)["health"]}"><strong>Linked Gw</strong></a>' in html


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
