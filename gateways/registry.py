"""The adapter registry: the one list of gateway kinds.

An adapter module in `gateways/adapters/` registers its class with `@register`; `autodiscover()`
imports every module of that package at start-up (`GatewaysConfig.ready`). Everything that needs
to know which kinds exist (the `Gateway.kind` choices, admin forms, docs, tests) asks this module,
so adding a gateway never means editing a list somewhere else.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateways.adapters.base import Adapter

_ADAPTERS: dict[str, type[Adapter]] = {}
_discovered = False


class UnknownKind(LookupError):
    pass


def register(cls: type[Adapter]) -> type[Adapter]:
    """Class decorator: make an adapter available under its `kind`."""
    kind = getattr(cls, "kind", "")
    if not kind:
        raise TypeError(f"{cls.__name__} has no kind")
    existing = _ADAPTERS.get(kind)
    if existing is not None and existing is not cls:
        raise TypeError(f"kind {kind!r} is registered twice: {existing.__name__} and {cls.__name__}")
    _ADAPTERS[kind] = cls
    return cls


def autodiscover() -> None:
    """Import every module in `gateways.adapters` so that their `@register` calls run."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module("gateways.adapters")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _discovered = True


def adapter_for(kind: str) -> type[Adapter]:
    autodiscover()
    try:
        return _ADAPTERS[kind]
    except KeyError:
        raise UnknownKind(f"no adapter registered for kind {kind!r}; known kinds: {', '.join(sorted(_ADAPTERS))}") from None


def registered_kinds() -> dict[str, type[Adapter]]:
    autodiscover()
    return dict(sorted(_ADAPTERS.items()))


def kind_choices() -> list[tuple[str, str]]:
    """Callable `choices` for `Gateway.kind`: a new adapter never needs a migration."""
    return [(kind, cls.label) for kind, cls in registered_kinds().items()]
