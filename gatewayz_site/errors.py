"""404 answers for paths that match no route: JSON outside the admin, in the shape the neighbouring
endpoints use (`{"detail": ...}` for the system and health endpoints, the catalog's error object
elsewhere), so an API client never has to parse an HTML page. Admin paths keep Django's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found

from catalog.access import error_body

SYSTEM_PREFIXES = ("/cache/", "/health/", "/metrics", "/readyz", "/healthz")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/admin/"):
        return page_not_found(request, exception)
    message = "no such endpoint; see /api/docs/ for the API"
    if request.path.startswith(SYSTEM_PREFIXES):
        return JsonResponse({"detail": message}, status=404)
    return JsonResponse(error_body(message, code="not_found", type_="not_found_error"), status=404)
