"""The one HTTP client every adapter receives.

`build_client()` makes it: the base URL (with the `GATEWAY_BASE_URL_<SLUG>` override), the auth
header from `GATEWAY_KEY_<SLUG>`, a wall-clock deadline over the whole fetch, a byte cap,
same-origin redirects only, and the private-address guard (`gateways.addresses`) on every request,
redirects and pagination included. Its `transport=` argument is the test seam.

Keys only ever travel in request headers: a request whose URL carries the key (an upstream echoed
it into a redirect or a next-page link) is refused before it is sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import unquote

import httpx
from django.conf import settings

from gateways import addresses
from gateways.errors import AdapterError, ErrorKind
from gateways.keys import REDACTED, base_url_for, gateway_key, redact_url, scrubbable

USER_AGENT = "gatewayz-catalog/1.0 (+model catalog refresher)"


class Upstream(Protocol):
    """What the client needs to know of an adapter class."""

    default_base_url: str
    max_body_bytes: int | None

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]: ...


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def check(self) -> float:
        remaining = self.remaining()
        if remaining <= 0:
            raise AdapterError(f"fetch exceeded its {self.seconds:g} s deadline", kind=ErrorKind.TIMEOUT, permanent=False)
        return remaining


def too_large(max_bytes: int) -> AdapterError:
    return AdapterError(f"response body is larger than the {max_bytes} byte cap", kind=ErrorKind.TOO_LARGE, permanent=True)


class _GuardedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: Deadline, max_bytes: int) -> None:
        self.inner = inner
        self.deadline = deadline
        self.max_bytes = max_bytes

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self.inner:
            self.deadline.check()
            received += len(chunk)
            if received > self.max_bytes:
                raise too_large(self.max_bytes)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class GuardedTransport(httpx.BaseTransport):
    """Applies the host guard, the deadline and the raw byte cap to every request, redirects and
    pagination included."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        origin: httpx.URL,
        deadline: Deadline,
        max_bytes: int,
        allow_private: bool,
        allow_http: bool,
        secret: str | None = None,
    ) -> None:
        self.inner = inner
        self.origin = origin
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.allow_http = allow_http
        self.secret = secret

    def _same_origin(self, url: httpx.URL) -> bool:
        """Same scheme, host and port as the base URL; an http base may also go to https on the
        same host. Never a downgrade to plain http, never another port of the same host."""
        if url.host != self.origin.host:
            return False
        if url.scheme == self.origin.scheme:
            return url.port == self.origin.port
        return self.origin.scheme == "http" and url.scheme == "https" and url.port is None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.secret and (self.secret in str(request.url) or self.secret in unquote(str(request.url))):
            raise AdapterError(
                "refused to request a URL that carries the gateway's key (an upstream redirect or next-page link "
                "echoed it); keys travel only in request headers",
                kind=ErrorKind.REDIRECT,
                permanent=True,
            )
        if not self._same_origin(request.url):
            origin = redact_url(str(self.origin.copy_with(path="/")))
            raise AdapterError(
                f"refused to follow {redact_url(str(request.url))}: only {origin} may be fetched",
                kind=ErrorKind.REDIRECT,
                permanent=True,
            )
        addresses.check_target(request.url, allow_private=self.allow_private, allow_http=self.allow_http)
        remaining = self.deadline.check()
        request.extensions["timeout"] = httpx.Timeout(min(remaining, 30.0), connect=min(remaining, 10.0)).as_dict()
        response = self.inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_GuardedStream(response.stream, self.deadline, self.max_bytes),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class GatewayClient(httpx.Client):
    """An `httpx.Client` that also knows its byte cap and how to redact its own key."""

    max_bytes: int
    secret: str | None

    def redact(self, text: str) -> str:
        return text.replace(self.secret, REDACTED) if self.secret else text

    def carries_key(self, body: bytes) -> bool:
        """Whether `body` contains this client's key (such a body is refused, never stored)."""
        return self.secret is not None and scrubbable(self.secret) and self.secret.encode() in body


def build_client(
    *,
    slug: str,
    base_url: str,
    adapter: type[Upstream],
    allow_http: bool = False,
    transport: httpx.BaseTransport | None = None,
    deadline_seconds: float | None = None,
    max_bytes: int | None = None,
) -> GatewayClient:
    """The client for one fetch of one gateway. `transport=` is the test seam."""
    url = base_url_for(slug=slug, base_url=base_url, default=adapter.default_base_url)
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise AdapterError(f"base URL {redact_url(url)!r} is not an http(s) URL", kind=ErrorKind.FORBIDDEN_HOST, permanent=True)
    key = gateway_key(slug)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
    if key:
        headers.update(adapter.auth_headers(key))
    cap = max_bytes or adapter.max_body_bytes or settings.GATEWAY_MAX_BODY_BYTES
    allow_private = settings.GATEWAY_ALLOW_PRIVATE_HOSTS
    guarded = GuardedTransport(
        transport or addresses.network_transport(allow_private=allow_private),
        origin=parsed,
        deadline=Deadline(deadline_seconds or settings.GATEWAY_FETCH_DEADLINE_SECONDS),
        max_bytes=cap,
        allow_private=allow_private,
        allow_http=allow_http,
        secret=key if scrubbable(key) else None,
    )
    client = GatewayClient(
        base_url=url + "/",
        headers=headers,
        transport=guarded,
        follow_redirects=True,
        max_redirects=5,
        trust_env=False,
    )
    client.max_bytes = cap
    client.secret = key
    return client


WEBHOOK_USER_AGENT = "gatewayz-catalog/1.0 (+webhook delivery)"
WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024  # a receiver's answer is never read; the cap bounds a stray read


def build_webhook_client(*, url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The client for one webhook POST to `url`: the private-address guard on the request and at
    connect time (DNS rebinding), a wall-clock deadline of `WEBHOOK_TIMEOUT_SECONDS`, a byte cap,
    and no redirects (a 3xx is a failed attempt). Plain http is allowed: the body is public catalog
    data and its signature, not the channel, is what a receiver trusts. `transport=` is the test seam."""
    allow_private = settings.GATEWAY_ALLOW_PRIVATE_HOSTS
    seconds = settings.WEBHOOK_TIMEOUT_SECONDS
    guarded = GuardedTransport(
        transport or addresses.network_transport(allow_private=allow_private),
        origin=httpx.URL(url),
        deadline=Deadline(seconds),
        max_bytes=WEBHOOK_MAX_RESPONSE_BYTES,
        allow_private=allow_private,
        allow_http=True,
    )
    return httpx.Client(
        headers={"User-Agent": WEBHOOK_USER_AGENT, "Content-Type": "application/json"},
        transport=guarded,
        follow_redirects=False,
        timeout=httpx.Timeout(seconds),
        trust_env=False,
    )
