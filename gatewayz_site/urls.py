from __future__ import annotations

from django.contrib import admin
from django.urls import path

from health import views as health_views
from health.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
]
