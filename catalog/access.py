"""Who may read the catalog, how often, and what an error looks like.

Catalog reads are public. Clients of the old API send `Authorization: Bearer <their own upstream
key>` on every call: that header must never turn into a 401, so the catalog's authentication only
ever *recognises* a staff member (a session cookie, or a valid DRF token as `Token` or `Bearer`)
and treats everything else as anonymous. Recognition matters only for throttling: anonymous
clients are throttled per address (`CATALOG_ANON_THROTTLE_RATE`, behind `NUM_PROXIES` proxies),
other signed-in users per account, staff not at all. No header is ever logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from catalog.outage import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)


class CookieSessionAuthentication(SessionAuthentication):
    """A signed-in admin session, looked at only when the request carries the session cookie (so
    anonymous responses do not vary on Cookie). Never fails the request."""

    def authenticate(self, request: Any) -> Any:
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None
        try:
            return super().authenticate(request)
        except exceptions.APIException:
            return None


class LenientTokenAuthentication(TokenAuthentication):
    """A valid DRF API token (`Token <key>` or `Bearer <key>`) identifies its user; any other
    credentials (an upstream key meant for someone else) are ignored, never rejected."""

    def authenticate(self, request: Any) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() not in ("token", "bearer") or not credentials or " " in credentials or len(credentials) > 64:
            return None
        try:
            return self.authenticate_credentials(credentials)
        except exceptions.APIException:
            return None


class CatalogThrottle(SimpleRateThrottle):
    """The anonymous rate (`DEFAULT_THROTTLE_RATES["anon_catalog"]`, from
    `CATALOG_ANON_THROTTLE_RATE`), keyed by client address (DRF's `NUM_PROXIES` decides which
    X-Forwarded-For entry that is). Signed-in users are counted per account; staff are exempt.

    One atomic counter per client and fixed window (`cache.add`, then `cache.incr`: Redis INCR, or
    the local cache's lock), not DRF's read-modify-write request history, which concurrent requests
    overwrite so that a burst passes uncounted. A client gets at most the rate per window; across a
    window's edge, up to twice it in a short burst."""

    scope = "anon_catalog"

    def get_rate(self) -> str | None:
        # Read at request time (not at import, as DRF's class attribute is), so settings apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.get_cache_key(request, view)}:{window}"
        try:
            count = self._count(key)
        except Exception:  # noqa: BLE001 - the counters live in the cache: an outage must not stop reads
            log.warning("throttle counters unavailable (cache down); request allowed")
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        """This request's number in its window, counted atomically."""
        if self.cache.add(key, 1, timeout=self.duration + 1):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's counter expired between add and incr
            self.cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self) -> float:
        return max(1.0, self.window_ends - time.time())

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class JSONOnlyNegotiation(BaseContentNegotiation):
    """The catalog answers JSON whatever `Accept` says (old clients send all sorts)."""

    def select_parser(self, request: Any, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: list[Any], format_suffix: str | None = None) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type


def error_body(
    message: str, *, code: str, type_: str = "invalid_request_error", param: str | None = None, valid_values: Any = None
) -> dict[str, Any]:
    """The one error shape of the catalog (OpenAI's, so SDKs surface the message)."""
    error: dict[str, Any] = {"message": message, "type": type_, "param": param, "code": code}
    if valid_values is not None:
        error["valid_values"] = list(valid_values)
    return {"error": error}


_KNOWN = {
    status.HTTP_400_BAD_REQUEST: ("invalid_request_error", "invalid_request"),
    status.HTTP_401_UNAUTHORIZED: ("authentication_error", "not_authenticated"),
    status.HTTP_403_FORBIDDEN: ("permission_error", "permission_denied"),
    status.HTTP_404_NOT_FOUND: ("not_found_error", "not_found"),
    status.HTTP_405_METHOD_NOT_ALLOWED: ("invalid_request_error", "method_not_allowed"),
    status.HTTP_406_NOT_ACCEPTABLE: ("invalid_request_error", "not_acceptable"),
    status.HTTP_429_TOO_MANY_REQUESTS: ("rate_limit_error", "rate_limited"),
}


def _path(request: HttpRequest | None) -> str:
    return request.path if request is not None else "?"


def catalog_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exceptions in the catalog's error shape. A database that cannot be reached is our
    outage: 503 with `Retry-After`. Anything else is a bug: it is logged (with the path only,
    never headers) and answered with a plain 500 in the same shape."""
    if isinstance(exc, exceptions.APIException):
        type_, code = _KNOWN.get(exc.status_code, ("api_error", "error"))
        detail = exc.detail
        if isinstance(detail, list | dict):
            detail = "; ".join(str(item) for item in (detail.values() if isinstance(detail, dict) else detail))
        headers = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
            detail = f"too many requests; retry in {int(exc.wait) + 1} seconds"
        return Response(error_body(str(detail), code=code, type_=type_), status=exc.status_code, headers=headers)
    request: HttpRequest | None = getattr(context.get("request"), "_request", None)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        # Our own outage, not the client's fault nor a bug: a 503 a client can retry.
        log.error("catalog request failed: the database is unavailable (%s): %s", exc.__class__.__name__, _path(request))
        return Response(
            error_body("the catalog's database is unavailable; retry shortly", code="service_unavailable", type_="api_error"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    log.exception("catalog request failed: %s", _path(request))
    return Response(
        error_body("internal error; the catalog team has been notified", code="internal_error", type_="api_error"),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
