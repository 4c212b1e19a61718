"""OpenAPI descriptions drf-spectacular cannot infer: the catalog's lenient authentication
(extensions, imported by `CatalogConfig.ready`; both schemes are optional: catalog reads are public,
and a recognised staff session or API token only lifts the anonymous throttle); and, as
postprocessing hooks, the gateway names `?gateway=` accepts (the database's, at the time of asking)
and the 414 every operation may answer.
"""

from __future__ import annotations

import logging
from typing import Any

from drf_spectacular.authentication import SessionScheme, TokenScheme

from catalog.aliases import gateway_names
from catalog.sources import source_statuses

log = logging.getLogger(__name__)


class CookieSessionScheme(SessionScheme):
    target_class = "catalog.access.CookieSessionAuthentication"
    name = "catalogSessionAuth"
    priority = 1


class LenientTokenScheme(TokenScheme):
    target_class = "catalog.access.LenientTokenAuthentication"
    name = "catalogTokenAuth"
    priority = 1  # win over drf-spectacular's TokenScheme, which also matches subclasses


def gateway_names_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every `gateway` query parameter gets the accepted names as its `enum`, so that the schema
    is the truth about which values answer 400 (`SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`).
    Without a database (`manage.py spectacular` on a build machine) the parameter stays a string."""
    try:
        slugs = list(source_statuses())
    except Exception as exc:  # noqa: BLE001 - no database, or not migrated: the schema is still served
        log.info("gateway names left out of the schema: %s", exc.__class__.__name__)
        return result
    return add_gateway_enums(result, slugs)


def add_gateway_enums(result: dict[str, Any], slugs: list[str]) -> dict[str, Any]:
    """`result` with these gateways as the `enum` of every `gateway` parameter: catalog reads take
    `all` and aliases too; the staff operations (tag "system") and the gateway lists of request
    bodies take a slug only."""
    names, system = gateway_names(slugs), sorted(slugs)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                if parameter.get("name") == "gateway" and parameter.get("in") in ("query", "path"):
                    enum = system if "system" in operation.get("tags", ()) else names
                    parameter["schema"] = {**parameter["schema"], "enum": enum}
                    parameter["schema"].pop("maxLength", None)
    # A request body's list of gateways (the webhook filters) takes slugs, as the staff operations do.
    for component in result.get("components", {}).get("schemas", {}).values():
        listed = component.get("properties", {}).get("gateway")
        if isinstance(listed, dict) and listed.get("type") == "array":
            listed["items"] = {key: value for key, value in listed["items"].items() if key != "maxLength"} | {"enum": system}
    return result


def uri_too_long_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation may answer 414: the web server refuses a request line over its limit
    (gunicorn: 4094 bytes) before the application sees it, with no body of ours."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("414", {"description": "The URL is longer than the server accepts."})
    return result
