from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.access import CatalogThrottle
from health import views as health_views
from health.metrics import metrics_view

urlpatterns = [
    # A small page for people who open the root (and the admin's "View site"): where things are.
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("admin/", admin.site.urls),
    path("healthz", health_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("catalog.urls")),
    path("", include("gateways.urls")),  # /catalog/v1/webhooks (staff)
    # Building the schema costs real CPU: anonymous callers are throttled like catalog reads.
    path("api/schema/", SpectacularAPIView.as_view(throttle_classes=[CatalogThrottle]), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("health.urls")),  # /readyz, /health/gateways[...], /cache/...
]

handler404 = "gatewayz_site.errors.not_found"
