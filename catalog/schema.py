"""OpenAPI descriptions of the catalog's lenient authentication (drf-spectacular extensions).

Imported by `CatalogConfig.ready`. Both schemes are optional: catalog reads are public, and a
recognised staff session or API token only lifts the anonymous throttle.
"""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme, TokenScheme


class CookieSessionScheme(SessionScheme):
    target_class = "catalog.access.CookieSessionAuthentication"
    name = "catalogSessionAuth"
    priority = 1


class LenientTokenScheme(TokenScheme):
    target_class = "catalog.access.LenientTokenAuthentication"
    name = "catalogTokenAuth"
    priority = 1  # win over drf-spectacular's TokenScheme, which also matches subclasses
