"""Other names clients use for a gateway: `?gateway=google-vertex` reads the `google` gateway.

The old catalog's web front end asks for some gateways by names of its own; each maps here to the
slug this service serves them under. Operators add their own with `CATALOG_GATEWAY_ALIASES`
(`old-name=slug,...`). A name is an alias only while no gateway has that slug itself, and only
when its target exists; any other unknown name keeps its 400.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.conf import settings

BUILTIN_ALIASES: Mapping[str, str] = {
    "google-vertex": "google",  # the old front end's name for the Google models
    "x-ai": "xai",  # xAI's author slug on OpenRouter, asked for as a gateway
}


def gateway_aliases() -> dict[str, str]:
    """Every alias, the operator's over the built-in ones, lower-cased."""
    configured = {name.strip().lower(): slug.strip().lower() for name, slug in settings.CATALOG_GATEWAY_ALIASES.items()}
    return {**BUILTIN_ALIASES, **configured}


def resolve_gateway(name: str, known: Collection[str]) -> str | None:
    """The slug `name` reads (itself when a gateway has it), or None when it names no gateway."""
    if name in known:
        return name
    target = gateway_aliases().get(name)
    return target if target in known else None


def gateway_names(known: Collection[str]) -> list[str]:
    """Every value `?gateway=` accepts: `all`, each slug, then each alias of one."""
    aliases = sorted(name for name, slug in gateway_aliases().items() if slug in known and name not in known)
    return ["all", *sorted(known), *aliases]
