"""Per-provider offers inside an aggregator (OpenRouter's per-model endpoints; docs/adapters.md,
"OpenRouter endpoints").

A model's endpoints are `ModelEndpoint` rows of its `AIModel` row, keyed by `(ai_model,
provider)`, published one model at a time by `endpoints_publish()`: the gateway's list rows are
never touched, so publishing one model's endpoints does not make the rest of the list vanish, and
a list refresh keeps every model's endpoints. Like the list's publish it writes only rows whose
content hash changed (an unchanged body writes nothing), records a change row per provider
(`provider` in `before`/`after`), rebuilds the model's merged entry and bumps the catalog version.

The merge (`catalog.merge.merge_documents`) serves each endpoint as an offer of its own beside the
gateway's routed offer: same gateway and id, the provider named (`offers[].provider`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog import cache
from catalog.models import AIModel, ModelChange, ModelEndpoint
from catalog.price_changes import price_change
from catalog.prices import components, served_pricing
from catalog.records import NormalizedEndpoint, NormalizedEndpoints
from catalog.render import content_hash, dumps, jsonable, numbers, price_text
from catalog.services import (
    PublishRefused,
    _bump_version,
    _change,
    _insert_changes,
    _lock_version,
    rebuild_merged,
)

HEAD = ("prompt", "completion")


@dataclass(slots=True)
class EndpointsPublishResult:
    model_id: str
    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    version: int | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def wrote_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def endpoint_document(endpoint: NormalizedEndpoint, *, outputs: Iterable[str] = ()) -> dict[str, Any]:
    """The offer fields one endpoint adds to its model's offer (`catalog.merge` completes it with
    the gateway, id, author and availability)."""
    outputs = tuple(outputs)
    served = served_pricing(endpoint.pricing, outputs=outputs)
    return {
        "provider": endpoint.provider,
        "pricing": {key: price_text(served.get(key)) for key in HEAD},
        "prices": [price.document() for price in components(endpoint.pricing, outputs=outputs)],
        "pricing_dynamic": endpoint.pricing_dynamic,
        "context_length": endpoint.context_length,
        "quantization": endpoint.quantization,
        "endpoint": {
            "provider_name": endpoint.provider_name,
            "discount": _number(endpoint.discount),
            "status": endpoint.status,
            "uptime_last_30m": _number(endpoint.uptime_last_30m),
            "max_completion_tokens": endpoint.max_completion_tokens,
            "max_prompt_tokens": endpoint.max_prompt_tokens,
            "supported_parameters": list(endpoint.supported_parameters),
            "price_unit": endpoint.price_unit,
        },
    }


def _number(value: Decimal | None) -> int | float | str | None:
    """A stated statistic as a JSON number: whole ones as integers (`0`, not `0.0`)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else numbers(value)


def endpoints_publish(*, gateway: Any, endpoints: NormalizedEndpoints, now: datetime | None = None) -> EndpointsPublishResult:
    """Replace the stored endpoints of one model of `gateway` with `endpoints`, or raise
    `PublishRefused` and change nothing: the model must be on the gateway's stored list (its
    endpoints are offers of that row), and a body without one usable endpoint is refused."""
    now = now or timezone.now()
    model_id = endpoints.model_id
    with transaction.atomic():
        row = (
            AIModel.objects.filter(gateway=gateway, upstream_id=model_id, is_active=True)
            .values("pk", "canonical_key", "output_modalities")
            .first()
        )
        if row is None:
            raise PublishRefused(
                f"{model_id!r} is not on {gateway.slug}'s stored list; refresh or import the list first, then its endpoints"
            )
        if not endpoints.endpoints:
            raise PublishRefused(f"the endpoints body of {model_id!r} has no usable endpoint; its stored endpoints were kept")
        outputs = endpoints.output_modalities or tuple(row["output_modalities"] or ())
        existing = {stored.provider: stored for stored in ModelEndpoint.objects.filter(ai_model_id=row["pk"]).select_for_update()}
        result = EndpointsPublishResult(model_id=model_id, seen=len(endpoints.endpoints))
        changes: list[ModelChange] = []
        written: list[tuple[ModelEndpoint | None, dict[str, Any]]] = []
        for endpoint in endpoints.endpoints:
            document = endpoint_document(endpoint, outputs=outputs)
            raw = jsonable(endpoint.raw)
            digest = content_hash({"document": document, "raw": raw})
            old = existing.get(endpoint.provider)
            if old is not None and old.content_hash == digest:
                result.unchanged += 1
                continue
            values = {
                "pricing": document["pricing"],
                "prices": document["prices"],
                "context_length": endpoint.context_length,
                "raw": raw,
                "content_hash": digest,
                "public_json": dumps(document),
                "updated_at": now,
            }
            written.append((old, {"provider": endpoint.provider, **values}))
            changes.extend(_changes(gateway, row["pk"], model_id, endpoint.provider, old, values, now))
        gone = [stored for provider, stored in existing.items() if provider not in {e.provider for e in endpoints.endpoints}]
        for stored in gone:
            pricing = {key: (stored.pricing or {}).get(key) for key in HEAD}
            before = {"provider": stored.provider, "pricing": pricing, "context_length": stored.context_length}
            changes.append(_change(gateway, row["pk"], model_id, ModelChange.Kind.REMOVED, before, None, now))
        result.removed = len(gone)
        result.added = sum(1 for old, _ in written if old is None)
        result.changed = len(written) - result.added
        if result.wrote_anything:
            _lock_version()
            for old, values in written:
                if old is None:
                    ModelEndpoint.objects.create(ai_model_id=row["pk"], first_seen_at=now, **values)
                else:
                    ModelEndpoint.objects.filter(pk=old.pk).update(**values)
            ModelEndpoint.objects.filter(pk__in=[stored.pk for stored in gone]).delete()
            _insert_changes(changes)
            rebuild_merged(keys={row["canonical_key"]}, now=now)
            result.version = _bump_version(now)
            result.changes = [f"{c.kind} {c.upstream_id} via {(c.after or c.before or {}).get('provider')}" for c in changes[:20]]
            transaction.on_commit(cache.invalidate)
    return result


def _changes(
    gateway: Any, pk: int, model_id: str, provider: str, old: ModelEndpoint | None, values: dict[str, Any], now: datetime
) -> list[ModelChange]:
    """The change rows of one written endpoint, each naming its provider."""
    named = {"provider": provider}
    if old is None:
        after = {**named, "pricing": values["pricing"], "prices": values["prices"], "context_length": values["context_length"]}
        return [_change(gateway, pk, model_id, ModelChange.Kind.ADDED, None, after, now)]
    found = []
    repriced = price_change(
        old_pricing=old.pricing, old_prices=old.prices, new_pricing=values["pricing"], new_prices=values["prices"]
    )
    if repriced:
        change = _change(
            gateway, pk, model_id, ModelChange.Kind.PRICE_CHANGED, {**named, **repriced.before}, {**named, **repriced.after}, now
        )
        change.components_text = repriced.components_text
        found.append(change)
    if old.context_length != values["context_length"]:
        found.append(
            _change(
                gateway,
                pk,
                model_id,
                ModelChange.Kind.CONTEXT_CHANGED,
                {**named, "context_length": old.context_length},
                {**named, "context_length": values["context_length"]},
                now,
            )
        )
    return found
