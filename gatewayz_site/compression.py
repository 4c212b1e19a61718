"""gzip for responses that have not chosen their encoding: Django's `GZipMiddleware`, except that
a response marked `encoding_chosen` (the catalog's cached bodies, `catalog.responses`) passes
untouched. Those are already gzip-compressed for a client that accepts it, or plain for one that
does not, and assembled from parts that Django's middleware would join into one new body only to
measure it (a copy of the whole page per request: about 1.5 MB for `limit=1000`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if getattr(response, "encoding_chosen", False):
            return response
        return super().process_response(request, response)
