"""`/` (the admin's "View site") is a small page that says where things are, not a 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_root_is_a_landing_page_linking_the_docs_the_catalog_and_the_admin(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    links = re.findall(r'href="([^"]+)"', response.content.decode())
    assert links == [
        "/api/docs/",
        "/api/schema/",
        "/catalog/v1/models?gateway=all&amp;limit=20",
        "/catalog/v1/gateways",
        "/admin/",
    ]
    for link in links:
        expected = 302 if link == "/admin/" else 200  # the admin sends a visitor to its login page
        assert client.get(link.replace("&amp;", "&")).status_code == expected, link


def test_the_admin_view_site_link_points_at_the_landing_page(admin_client: Client) -> None:
    page = admin_client.get("/admin/").content.decode()
    assert '<a href="/">View site</a>' in page
    assert admin_client.get("/").status_code == 200
