"""Every URL pattern of the project, walked recursively, and concrete paths for them.

The permission table (test_permissions.py) and the secrets canary (test_secrets_canary.py) both
start from `routes()`, so a new URL is covered by both, or fails the permission test until it has
an entry in its table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True, slots=True)
class Route:
    route: str  # the patterns' text joined, e.g. "admin/gateways/gateway/<path:object_id>/change/"
    name: str | None
    pattern: URLPattern


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, ""))


def _walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[Route]:
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, text)
        else:
            yield Route(text, pattern.name, pattern)


def fill(route: str, values: dict[str, str]) -> str:
    """`route` with each `<converter:name>` replaced by `values[name]`, as an absolute path."""
    path = route
    while "<" in path:
        start = path.index("<")
        end = path.index(">", start)
        name = path[start + 1 : end].split(":")[-1]
        path = path[:start] + values[name] + path[end + 1 :]
    return "/" + path
