"""The gateways' environment: API keys (`GATEWAY_KEY_<SLUG>`) and base-URL overrides
(`GATEWAY_BASE_URL_<SLUG>`), both read by `gatewayz_site/settings.py` and only looked up here.

Keys never live in the database and never reach a response, a page, a log line, a task argument or
an error message: `scrub_keys()` replaces every configured key in a text, and `AdapterError`
applies it to every message it carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from gateways.registry import UnknownKind

if TYPE_CHECKING:
    from gateways.models import Gateway

# A configured key shorter than this is not scrubbed from messages (it would mangle ordinary words);
# no provider issues keys that short, and the client still redacts its own key whatever its length.
MIN_SCRUBBED_KEY_LENGTH = 8
REDACTED = "[redacted]"


def env_suffix(slug: str) -> str:
    """`near-ai` -> `NEAR_AI`: the suffix of `GATEWAY_KEY_*` and `GATEWAY_BASE_URL_*`."""
    return slug.upper().replace("-", "_")


def key_variable(slug: str) -> str:
    return f"GATEWAY_KEY_{env_suffix(slug)}"


def gateway_key(slug: str) -> str | None:
    return settings.GATEWAY_KEYS.get(env_suffix(slug)) or None


def has_key(slug: str) -> bool:
    return gateway_key(slug) is not None


def base_url_for(*, slug: str, base_url: str, default: str) -> str:
    """The URL a gateway is fetched from: the environment's override, else its record's, else the
    adapter's default."""
    override = settings.GATEWAY_BASE_URLS.get(env_suffix(slug))
    return (override or base_url or default).rstrip("/")


def key_required(gateway: Gateway) -> bool:
    """Whether `gateway` may not be refreshed without its key: its kind's rule, with its record's
    options (an OpenAI-compatible record can say `requires_key: false`). Raises `UnknownKind`."""
    return gateway.adapter_class.needs_key(gateway.options or {})


def configuration_problem(gateway: Gateway) -> str | None:
    """Why `gateway` cannot be refreshed as configured, or None: its kind's own rule for its
    options (`Adapter.configuration_problem`), then its key. Names a variable, never a value."""
    try:
        needs_key = key_required(gateway)
    except UnknownKind:
        return f"no adapter is registered for kind {gateway.kind!r}"
    if missing := gateway.adapter_class.configuration_problem(gateway.options or {}):
        return missing
    return f"{key_variable(gateway.slug)} is not set" if needs_key and not has_key(gateway.slug) else None


def key_state(gateway: Gateway) -> str:
    """`configured` (the variable is set), `not needed` (its list needs none) or `missing`: whether
    `GATEWAY_KEY_<SLUG>` is set, never its value. A kind with no adapter counts as needing one."""
    if has_key(gateway.slug):
        return "configured"
    try:
        return "missing" if key_required(gateway) else "not needed"
    except UnknownKind:
        return "missing"


def is_configured(gateway: Gateway) -> bool:
    """Its options are complete, and it needs no key or the key is set. Raises `UnknownKind` for a
    kind with no adapter."""
    gateway.adapter_class  # noqa: B018 - an unknown kind raises here; configuration_problem names it instead
    return configuration_problem(gateway) is None


def scrubbable(key: str | None) -> bool:
    return key is not None and len(key.strip()) >= MIN_SCRUBBED_KEY_LENGTH


def scrub_keys(text: str) -> str:
    """`text` with every configured gateway key (`GATEWAY_KEY_*`) replaced by `[redacted]`."""
    for key in settings.GATEWAY_KEYS.values():
        key = key.strip()
        if scrubbable(key) and key in text:
            text = text.replace(key, REDACTED)
    return text


def redact_url(url: str) -> str:
    """Drop the query string and any userinfo: only scheme, host and path reach a message."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
