"""A gateway value that cannot be a slug (a NUL byte, found by the schemathesis run on PostgreSQL)
is an unknown gateway, never a database error."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Any) -> Any:
    client.force_login(User.objects.create_user("ops", is_staff=True))
    return client


def test_cache_clear_with_a_nul_gateway_is_400(staff: Any) -> None:
    response = staff.post("/cache/clear?gateway=gr%00oq")
    assert response.status_code == 400
    assert "unknown gateway 'gr\\x00oq'" in response.json()["detail"]


def test_refresh_with_a_nul_gateway_is_400(staff: Any) -> None:
    assert staff.post("/cache/refresh/gr%00oq").status_code == 400


def test_health_detail_with_a_nul_slug_is_404(client: Any) -> None:
    assert client.get("/health/gateways/gr%00oq").status_code == 404
