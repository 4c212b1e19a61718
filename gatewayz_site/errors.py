"""Answers the views do not give themselves: JSON outside the admin, in the shape the neighbouring
endpoints use (`{"detail": ...}` for the system and health endpoints, the catalog's error object
elsewhere), so an API client never has to parse an HTML page. Admin paths keep Django's pages.

- `not_found`: a path that matches no route (404).
- `DatabaseUnavailableMiddleware`: a view that could not reach the database (PostgreSQL stopped,
  the connection refused or dropped) answers 503 with `Retry-After`, not a 500 page. The catalog's
  own views do the same in their exception handler (catalog/access.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found

from catalog.access import error_body
from catalog.outage import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE

log = logging.getLogger("gatewayz.request")

# The staff endpoints answer errors as DRF does (`{"detail": ...}`), the catalog reads as OpenAI does.
SYSTEM_PREFIXES = ("/cache/", "/health/", "/metrics", "/readyz", "/healthz", "/catalog/v1/webhooks")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/admin/"):
        return page_not_found(request, exception)
    message = "no such endpoint; see /api/docs/ for the API"
    if request.path.startswith(SYSTEM_PREFIXES):
        return JsonResponse({"detail": message}, status=404)
    return JsonResponse(error_body(message, code="not_found", type_="not_found_error"), status=404)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        log.error("request failed: the database is unavailable (%s): %s", exception.__class__.__name__, request.path)
        message = "the database is unavailable; retry shortly"
        if request.path.startswith("/admin/"):
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        elif request.path.startswith(SYSTEM_PREFIXES):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = JsonResponse(error_body(message, code="service_unavailable", type_="api_error"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
