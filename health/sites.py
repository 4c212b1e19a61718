"""The admin site: Django's, plus the gateway health dashboard as an admin page.

`admin.site` is this class (see `health.admin_apps.CatalogAdminConfig`), so every app's
`admin.site.register(...)` works unchanged.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.urls import URLPattern, URLResolver, path


class CatalogAdminSite(AdminSite):
    site_header = "Gatewayz model catalog"
    site_title = "Gatewayz catalog admin"
    index_title = "Operations"
    index_template = "admin/health/index.html"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from health.views import dashboard

        return [path("health/dashboard/", self.admin_view(dashboard), name="health_dashboard"), *super().get_urls()]
