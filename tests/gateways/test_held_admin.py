"""The held-run review in admin without a browser (gateways/admin_review.py): who may review,
CSRF on the decision, what the page shows, and the dashboard's held status and link. The
browser test (tests/e2e/test_held_review_browser.py) clicks through the same flow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from gateways.models import Gateway, HeldValue, RefreshRun
from gateways.refresh import gateway_import

from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db

IDS = [f"acme/model-{i}" for i in range(6)]


def body(prompts: dict[str, str]) -> str:
    return json.dumps(openai_body(*(openai_item(m, prompt=prompts.get(m, "0.000001")) for m in IDS)))


@pytest.fixture
def held(gateway_keys: Any) -> RefreshRun:
    gateway_keys(acme="sk-acme-0123456789")
    gateway = make_gateway("acme", name="Acme", options={"price_unit": "per_token"})
    assert gateway_import(gateway=gateway, body=body({})).outcome == "success"
    run = gateway_import(gateway=gateway, body=body({"acme/model-0": "0.00005"}))
    assert run.outcome == "held"
    return run


def url(run: RefreshRun) -> str:
    return f"/admin/gateways/refreshrun/{run.pk}/review/"


def test_the_review_page_shows_what_was_held_and_why(admin_client: Client, held: RefreshRun) -> None:
    html = admin_client.get(url(held)).content.decode()
    assert '<tr class="held-row" data-model="acme/model-0">' in html
    assert "acme/model-0: input price x50 (0.000001 -&gt; 0.00005)" in html
    assert "input_token 0.000001/token" in html and "input_token 0.00005/token" in html
    assert 'id="approve-held"' in html and 'id="reject-held"' in html
    change = admin_client.get(f"/admin/gateways/refreshrun/{held.pk}/change/").content.decode()
    assert f'id="review-held" href="/admin/gateways/refreshrun/{held.pk}/review/"' in change


def test_the_decision_needs_a_csrf_token_and_the_change_gateway_permission(held: RefreshRun) -> None:
    users = get_user_model()
    staff = users.objects.create_superuser("root", "root@example.test", "pw-root-0123")
    no_csrf = Client(enforce_csrf_checks=True)
    no_csrf.force_login(staff)
    assert no_csrf.post(url(held), {"decision": "approve"}).status_code == 403

    viewer = users.objects.create_user("viewer", password="pw-viewer-0123", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    view_only = Client()
    view_only.force_login(viewer)
    page = view_only.get(url(held))
    assert page.status_code == 200 and b'id="approve-held"' not in page.content
    assert view_only.post(url(held), {"decision": "approve"}).status_code == 403

    anonymous = Client()
    assert anonymous.post(url(held), {"decision": "approve"})["Location"].startswith("/admin/login/")
    held.refresh_from_db()
    assert held.review_state == "pending" and HeldValue.objects.count() == 1


def test_an_unknown_decision_changes_nothing_and_a_decided_run_cannot_be_decided_again(
    admin_client: Client, held: RefreshRun
) -> None:
    response = admin_client.post(url(held), {"decision": "maybe"}, follow=True)
    assert "Choose Approve or Reject; nothing was changed." in response.content.decode()
    held.refresh_from_db()
    assert held.review_state == "pending"

    admin_client.post(url(held), {"decision": "reject"})
    response = admin_client.post(url(held), {"decision": "approve"}, follow=True)
    assert "Nothing was changed: this run&#x27;s review is rejected" in response.content.decode()
    assert admin_client.get("/catalog/v1/models/acme/model-0").json()["data"]["pricing"]["prompt"] == "0.000001"


def test_the_dashboard_shows_the_gateway_held_with_a_link_to_its_review(admin_client: Client, held: RefreshRun) -> None:
    html = admin_client.get("/admin/health/dashboard/").content.decode()
    assert '<tr class="health-row health-held" id="gateway-acme" data-status="held">' in html
    assert f'id="review-acme" href="/admin/gateways/refreshrun/{held.pk}/review/">Review held values (run {held.pk})</a>' in html
    health = admin_client.get("/health/gateways").json()
    assert health["summary"]["held"] == 1
    assert next(g for g in health["gateways"] if g["gateway"] == "acme")["status"] == "held"

    admin_client.post(url(held), {"decision": "approve"})
    assert Gateway.objects.get(slug="acme").review_pending is False
    assert 'id="gateway-acme" data-status="ok"' in admin_client.get("/admin/health/dashboard/").content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("drift_price_factor", "1"), ("drift_price_factor", "0.5"), ("drift_repriced_share", "0"), ("drift_field_share", "1.5")],
)
def test_drift_thresholds_are_validated(field: str, value: str) -> None:
    from django.core.exceptions import ValidationError

    gateway = make_gateway("acme")
    setattr(gateway, field, value)
    with pytest.raises(ValidationError) as caught:
        gateway.full_clean()
    assert field in caught.value.message_dict
