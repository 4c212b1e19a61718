"""The project's admin site, installed in place of `django.contrib.admin` (INSTALLED_APPS)."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class CatalogAdminConfig(AdminConfig):
    default_site = "health.sites.CatalogAdminSite"
