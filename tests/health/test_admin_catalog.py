"""Read-only admins: stored models, refresh runs and model changes. Staff read them; nobody edits."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import AIModel, MergedModel, ModelChange
from gateways.models import RefreshRun

from .scenarios import every_status, make_gateway, publish

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")


@pytest.fixture
def stored(gateway_keys) -> dict:
    return every_status(now=timezone.now(), set_keys=gateway_keys)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/aimodel/",
        "/admin/catalog/mergedmodel/",
        "/admin/catalog/modelchange/",
        "/admin/gateways/refreshrun/",
        "/admin/catalog/aimodel/?q=model-1",
        "/admin/catalog/aimodel/?output=text&is_active__exact=1",
        "/admin/gateways/refreshrun/?outcome__exact=failed&error_kind__exact=unauthorized",
        "/admin/catalog/modelchange/?kind__exact=added",
    ],
)
def test_read_only_changelists_render(admin_client: Client, stored: dict, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_detail_pages_render_read_only(admin_client: Client, stored: dict) -> None:
    pages = [
        f"/admin/catalog/aimodel/{AIModel.objects.first().pk}/change/",
        f"/admin/catalog/mergedmodel/{MergedModel.objects.first().pk}/change/",
        f"/admin/catalog/modelchange/{ModelChange.objects.first().pk}/change/",
        f"/admin/gateways/refreshrun/{RefreshRun.objects.filter(outcome='failed').first().pk}/change/",
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'name="_save"' not in html, url  # view only: no save button
        assert "<input" not in re.sub(
            r'<input type="hidden"[^>]*>', "", html.split('id="content-main"')[1].split("</form>")[0]
        ), url


@pytest.mark.parametrize("model", ["aimodel", "mergedmodel", "modelchange"])
def test_nobody_adds_or_deletes_catalog_rows_by_hand(admin_client: Client, stored: dict, model: str) -> None:
    row = {"aimodel": AIModel, "mergedmodel": MergedModel, "modelchange": ModelChange}[model].objects.first()
    before = type(row).objects.count()

    assert admin_client.get(f"/admin/catalog/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/catalog/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"/admin/catalog/{model}/{row.pk}/change/", {"name": "hand-edited"}).status_code == 403
    assert type(row).objects.count() == before


def test_nobody_adds_or_edits_refresh_runs(admin_client: Client, stored: dict) -> None:
    run = RefreshRun.objects.first()

    assert admin_client.get("/admin/gateways/refreshrun/add/").status_code == 403
    assert admin_client.post(f"/admin/gateways/refreshrun/{run.pk}/change/", {"outcome": "success"}).status_code == 403
    assert admin_client.post(f"/admin/gateways/refreshrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RefreshRun.objects.get(pk=run.pk).outcome == run.outcome


def test_model_list_labels_prices_per_million_tokens(admin_client: Client) -> None:
    gateway = make_gateway("priced-gw")
    publish(gateway, 2, now=timezone.now(), prompt="0.00000015")  # 0.15 and 0.3 USD per 1M tokens

    html = admin_client.get("/admin/catalog/aimodel/").content.decode()

    assert "Prompt (USD per 1M tokens)" in html and "Completion (USD per 1M tokens)" in html
    cells = re.findall(r'<td class="field-prompt_per_million">([^<]*)</td>', html)
    assert sorted(cells) == ["0.15", "0.3"]


def test_model_detail_shows_stored_and_per_million_prices_and_escaped_raw_json(admin_client: Client) -> None:
    gateway = make_gateway("raw-gw")
    publish(gateway, 1, now=timezone.now(), prompt="0.0000025")
    model = AIModel.objects.get(gateway=gateway)
    AIModel.objects.filter(pk=model.pk).update(raw={"id": "raw-gw/model-0", "note": "<img src=x onerror=alert(1)>"})

    html = admin_client.get(f"/admin/catalog/aimodel/{model.pk}/change/").content.decode()

    assert "<tr><td><code>prompt</code></td><td>2.5</td><td>USD per 1M tokens</td><td>0.0000025</td></tr>" in html
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&quot;note&quot;: &quot;&lt;img src=x onerror=alert(1)&gt;&quot;" in html
    assert '<pre class="json-block">{\n  &quot;id&quot;: &quot;raw-gw/model-0&quot;' in html


def test_search_finds_models_by_id_and_name(admin_client: Client) -> None:
    gateway = make_gateway("search-gw")
    publish(gateway, 3, now=timezone.now())

    by_id = admin_client.get("/admin/catalog/aimodel/", {"q": "search-gw/model-2"})
    by_name = admin_client.get("/admin/catalog/aimodel/", {"q": "Model 1"})

    assert [m.upstream_id for m in by_id.context["cl"].result_list] == ["search-gw/model-2"]
    assert [m.upstream_id for m in by_name.context["cl"].result_list] == ["search-gw/model-1"]


def test_run_filters_narrow_by_gateway_outcome_and_error_kind(admin_client: Client, stored: dict) -> None:
    failing = stored["failing"]

    response = admin_client.get(
        "/admin/gateways/refreshrun/",
        {"gateway__id__exact": failing.pk, "outcome__exact": "failed", "error_kind__exact": "unauthorized"},
    )

    runs = list(response.context["cl"].result_list)
    assert len(runs) == 3 and {r.gateway_id for r in runs} == {failing.pk}
