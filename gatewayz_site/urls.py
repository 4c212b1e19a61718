from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.access import CatalogThrottle
from health import views as health_views
from health.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("catalog.urls")),
    # Building the schema costs real CPU: anonymous callers are throttled like catalog reads.
    path("api/schema/", SpectacularAPIView.as_view(throttle_classes=[CatalogThrottle]), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("health.urls")),  # /readyz, /health/gateways[...], /cache/...
]

handler404 = "gatewayz_site.errors.not_found"
