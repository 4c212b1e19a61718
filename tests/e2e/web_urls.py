"""The project's URLs plus `GET /e2e/catalog/<slug>`: a catalog read made the way the read path
makes it (the REST API is built elsewhere): freshness and the stale-read refresh from
`catalog.sources`, the response cache from `catalog.cache`, the models from the database."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path

from catalog import cache
from catalog.models import AIModel
from catalog.sources import sources
from gatewayz_site.urls import urlpatterns as site_urlpatterns


def catalog_read(request: HttpRequest, slug: str) -> JsonResponse:
    statuses = sources().statuses(slugs=[slug])
    sources().refresh_if_stale(statuses.values())
    key = cache.key("e2e-models", slug, cache.catalog_version(), cache.generation())
    data = cache.get(key)
    if data is None:
        rows = AIModel.objects.filter(gateway__slug=slug, is_active=True).order_by("upstream_id")
        data = [json.loads(document) for document in rows.values_list("public_json", flat=True)]
        cache.set(key, data, 300)
    return JsonResponse({"data": data, "freshness": [status.freshness() for status in statuses.values()]})


urlpatterns = [*site_urlpatterns, path("e2e/catalog/<slug:slug>", catalog_read)]
