from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from health import views as health_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health_views.healthz, name="healthz"),
    path("", include("health.urls")),  # /readyz, /health/gateways[...], /cache/...
]
