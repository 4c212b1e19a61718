"""Reading upstream bodies: `fetch_json()` GETs one URL through a gateway client and decodes it,
`decode_json()` decodes a saved body the same way (`import_catalog`).

Every failure becomes one `AdapterError` with a kind and a permanence the task's retry decision
reads. Error messages are built from our own words; anything taken from an upstream (a body
snippet) is redacted first, so a key an upstream echoes never reaches a run, a log or a page.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from gateways.client import GatewayClient, too_large
from gateways.errors import AdapterError, ErrorKind, malformed
from gateways.keys import redact_url


def decode_json(body: bytes | str) -> Any:
    """Strict JSON with exact decimals: floats become `Decimal` straight from the text."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise malformed("body is nested too deeply to be a model list") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise malformed(f"body is not valid JSON ({exc.__class__.__name__}: {str(exc)[:120]})") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _status_error(response: httpx.Response, snippet: str) -> AdapterError:
    status = response.status_code
    where = redact_url(str(response.request.url))
    detail = f": {snippet}" if snippet else ""
    message = f"HTTP {status} from {where}{detail}"
    if status in (401, 403):
        return AdapterError(
            message + " (check the gateway's key)", kind=ErrorKind.UNAUTHORIZED, permanent=True, http_status=status
        )
    if status == 404:
        return AdapterError(message, kind=ErrorKind.NOT_FOUND, permanent=True, http_status=status)
    if status == 429:
        return AdapterError(
            message,
            kind=ErrorKind.RATE_LIMITED,
            permanent=False,
            http_status=status,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    return AdapterError(message, kind=ErrorKind.HTTP_STATUS, permanent=status < 500, http_status=status)


def _snippet(raw: bytes, client: GatewayClient) -> str:
    # Redact before cutting: a key cut in half by the length limit would no longer match.
    text = client.redact(raw[:4096].decode("utf-8", "replace"))
    return " ".join(text.split())[:200]


def fetch_json(client: httpx.Client, url: str, *, params: dict[str, Any] | None = None) -> Any:
    """GET `url` (relative to the base URL, or absolute on the same host) and decode its JSON."""
    assert isinstance(client, GatewayClient), "adapters receive clients from gateways.client.build_client"
    try:
        with client.stream("GET", url, params=params) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > client.max_bytes:  # decoded size: a gzip bomb stops here
                    raise too_large(client.max_bytes)
                chunks.append(chunk)
            body = b"".join(chunks)
            if response.status_code >= 300:
                raise _status_error(response, _snippet(body, client))
            content_type = response.headers.get("content-type", "")
    except AdapterError:
        raise
    except httpx.TimeoutException:
        raise AdapterError(
            f"timed out fetching {redact_url(client.base_url.join(url))}", kind=ErrorKind.TIMEOUT, permanent=False
        ) from None
    except httpx.TooManyRedirects:
        raise AdapterError("too many redirects", kind=ErrorKind.REDIRECT, permanent=True) from None
    except httpx.DecodingError:
        raise malformed("body could not be decompressed") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise AdapterError(
            f"bad upstream URL: {client.redact(str(exc))[:200]}", kind=ErrorKind.FORBIDDEN_HOST, permanent=True
        ) from None
    except httpx.TransportError as exc:
        raise AdapterError(
            f"connection failed to {redact_url(client.base_url.join(url))}: {exc.__class__.__name__}",
            kind=ErrorKind.CONNECTION,
            permanent=False,
        ) from None
    if client.carries_key(body):
        raise AdapterError(
            f"the body from {redact_url(str(response.request.url))} contains the gateway's key; refused, so the key "
            "is never stored, served or logged",
            kind=ErrorKind.MALFORMED,
            permanent=True,
            http_status=response.status_code,
        )
    if "html" in content_type or body.lstrip()[:1] == b"<":
        raise AdapterError(
            f"expected JSON from {redact_url(str(response.request.url))}, got an HTML page",
            kind=ErrorKind.MALFORMED,
            permanent=True,
            http_status=response.status_code,
        )
    return decode_json(body)
