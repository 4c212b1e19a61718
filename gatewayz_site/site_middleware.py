"""Django's session, authentication and messages middleware, left out of the public reads.

A public read (the catalog's lists and details, the OpenAI-compatible `/v1/models`, the health
probes) from a client without a session cookie has no session to load, no one to authenticate and
no message to show: the three middleware would only build lazy objects per request (and the
session one would look at the response to decide on a cookie). So for a `GET`, `HEAD` or `OPTIONS`
of those paths without the session cookie they pass the request straight on.

Everything else takes Django's middleware as before: the admin, every write, the webhook
subscriptions (`/catalog/v1/webhooks`, staff only), `/metrics` and the health dashboard (staff
sessions), and any request that carries the session cookie (a signed-in member of staff reading the
catalog is recognised, so not throttled: `catalog.access`). They are subclasses, so Django's admin
checks (admin.E408-E410) still find them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponseBase

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = ("/catalog/v1/", "/v1/models", "/models", "/healthz", "/readyz")
NOT_PUBLIC = ("/catalog/v1/webhooks",)  # staff: tokens or sessions


def is_public_read(request: HttpRequest) -> bool:
    path = request.path_info
    return (
        request.method in READ_METHODS
        and path.startswith(PUBLIC_PATHS)
        and not path.startswith(NOT_PUBLIC)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class PublicReadSessionMiddleware(SessionMiddleware):
    def __call__(self, request: HttpRequest) -> Any:
        if is_public_read(request):
            return self.get_response(request)
        return super().__call__(request)


class PublicReadAuthenticationMiddleware(AuthenticationMiddleware):
    def __call__(self, request: HttpRequest) -> Any:
        if is_public_read(request):
            return self.get_response(request)
        return super().__call__(request)


class PublicReadMessageMiddleware(MessageMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_public_read(request):
            return self.get_response(request)
        return super().__call__(request)
