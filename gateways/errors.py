"""What can go wrong with a refresh: the error kinds, and `AdapterError`, the one exception every
failed fetch, parse or publish becomes.

A `permanent` error (401, 404, a malformed body, a refused host) is not retried; the others
(timeouts, connection errors, 429, 5xx) are, with backoff (`gateways.retries`). Every message is
scrubbed of every configured key before anything can store or log it.
"""

from __future__ import annotations

from gateways.keys import scrub_keys


class ErrorKind:
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    HTTP_STATUS = "http_status"
    RATE_LIMITED = "rate_limited"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    REDIRECT = "redirect"
    FORBIDDEN_HOST = "forbidden_host"
    UNCONFIGURED = "unconfigured"
    GUARD = "guard"
    INTERNAL = "internal"

    CHOICES = [
        (TIMEOUT, "timeout"),
        (CONNECTION, "connection error"),
        (HTTP_STATUS, "HTTP error status"),
        (RATE_LIMITED, "rate limited (429)"),
        (UNAUTHORIZED, "unauthorized (401/403)"),
        (NOT_FOUND, "not found (404)"),
        (TOO_LARGE, "body over the byte cap"),
        (MALFORMED, "malformed body"),
        (REDIRECT, "redirect refused"),
        (FORBIDDEN_HOST, "host refused (private address or plain http)"),
        (UNCONFIGURED, "unconfigured (no key)"),
        (GUARD, "refused by the publish guard"),
        (INTERNAL, "internal error"),
    ]


class AdapterError(Exception):
    """A failed fetch or parse. `permanent` errors are not retried; the others are."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        permanent: bool,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        message = scrub_keys(message)
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.permanent = permanent
        self.http_status = http_status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


def malformed(message: str) -> AdapterError:
    """A body that is not the list it should be: permanent, never retried."""
    return AdapterError(message, kind=ErrorKind.MALFORMED, permanent=True)
