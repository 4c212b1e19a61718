"""Routes of the health app: JSON health, readiness, the dashboard for staff, the system endpoints."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from health import api, views

urlpatterns = [
    path("readyz", api.ReadyView.as_view(), name="readyz"),
    path("health/gateways", api.GatewayHealthListView.as_view(), name="health-gateways"),
    # Before the <slug> route: "dashboard" is a reserved slug (gateways/admin.py).
    path("health/gateways/dashboard", admin.site.admin_view(views.dashboard), name="health-dashboard"),
    path("health/gateways/<str:slug>", api.GatewayHealthDetailView.as_view(), name="health-gateway"),
    path("cache/status", api.CacheStatusView.as_view(), name="cache-status"),
    path("cache/refresh", api.RefreshAllView.as_view(), name="cache-refresh-all"),
    path("cache/refresh/<str:gateway>", api.RefreshGatewayView.as_view(), name="cache-refresh"),
    path("cache/clear", api.CacheClearView.as_view(), name="cache-clear"),
    path("cache/runs/<int:run_id>", api.RefreshRunView.as_view(), name="cache-run"),
]
