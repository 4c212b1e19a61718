"""The trivial-view baseline: a prebuilt JSON body of a requested size, with an ETag and 304s.

It runs in the same gunicorn, behind the same middleware, as the catalog endpoints, and does no
database or cache work: the floor any read of the same size could reach in this server.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

ETAG = '"bench-baseline"'
_BODIES: dict[int, bytes] = {}


def _body(size: int) -> bytes:
    body = _BODIES.get(size)
    if body is None:
        head, tail = b'{"data":"', b'"}'
        body = head + b"x" * max(0, size - len(head) - len(tail)) + tail
        _BODIES[size] = body
    return body


def baseline(request: HttpRequest) -> HttpResponse:
    try:
        size = int(request.GET.get("bytes", "0"))
    except ValueError:
        return HttpResponseBadRequest("bytes must be an integer")
    if not 0 <= size <= 512 * 1024 * 1024:
        return HttpResponseBadRequest("bytes out of range")
    if request.headers.get("If-None-Match") == ETAG:
        return HttpResponse(status=304, headers={"ETag": ETAG})
    return HttpResponse(_body(size), content_type="application/json", headers={"ETag": ETAG})
