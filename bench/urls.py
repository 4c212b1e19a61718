"""The product's URLs plus `/bench/baseline`, the trivial view every read is compared with."""

from __future__ import annotations

from django.urls import path

from bench.views import baseline
from gatewayz_site.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/baseline", baseline, name="bench-baseline"), *product_urlpatterns]
