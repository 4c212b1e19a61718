"""A small hand-built catalog, published through `catalog_publish` exactly as a refresh would.

Three gateways of our own (`alpha` priority 90, `beta` 50, `gamma` 10); every built-in gateway is
switched off so that no read asks for a real refresh. Expected results in the tests are computed
by hand from the table below.

| gateway | id | provider | ctx | in -> out | params | prompt | completion | created |
|---|---|---|---|---|---|---|---|---|
| alpha | acme/alpha-chat | acme | 128000 | text+image -> text | tools, temperature | 0.000001 | 0.000002 | 1700000000 |
| alpha | acme/alpha-chat:free | acme | 32000 | text -> text | temperature | 0 | 0 | 1700000100 |
| alpha | bolt/embedder | bolt | 8192 | text -> embeddings | - | 0.0000001 | 0 | - |
| alpha | bolt/vision-pro | bolt | - | text+image+file -> text | tools, seed | - | - | 1690000000 |
| alpha | zeta/video-gen | zeta | - | text -> video | - | 0 (placeholder) | 0 | 1710000000 |
| beta | Acme/Alpha-Chat | acme | 200000 | text+image -> text | - | 0.0000005 | 0.000003 | - |
| beta | bolt/embedder | bolt | 8192 | text -> embeddings | - | 0.00000005 | 0 | 1650000000 |
| beta | @cloudone/omni | omni-labs | 64000 | text -> text | tools | 0.000003 | 0.000006 | - |
| beta | @cloudtwo/omni | omni-labs | 64000 | text -> text | tools | 0.0000025 | 0.000007 | - |
| gamma | solo/tiny | solo | 2048 | text -> text | - | 0.0000002 | 0.0000002 | 1600000000 |

Merged (`all`, 7 entries): acme/alpha-chat (alpha + beta), acme/alpha-chat:free, bolt/embedder
(alpha + beta), bolt/vision-pro, zeta/video-gen, @cloudone/omni (two beta offers), solo/tiny.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache as django_cache
from django.utils import timezone

from catalog.records import NormalizedModel
from catalog.services import PublishResult, catalog_publish
from gateways.models import Gateway


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Response-cache entries and throttle counters of one test must not leak into the next (on
    Redis they would outlive the run)."""
    django_cache.clear()
    yield
    django_cache.clear()


def model(model_id: str, **fields: Any) -> NormalizedModel:
    """A `NormalizedModel` with plain defaults: a text chat model, unknown prices."""
    prompt = fields.pop("prompt", None)
    completion = fields.pop("completion", None)
    ins = tuple(fields.pop("ins", ("text",)))
    outs = tuple(fields.pop("outs", ("text",)))
    base, _, variant = model_id.partition(":")
    defaults: dict[str, Any] = {
        "name": model_id.rsplit("/", 1)[-1],
        "input_modalities": ins,
        "output_modalities": outs,
        "modality": "+".join(ins) + "->" + "+".join(outs),
        "pricing": {
            "prompt": Decimal(prompt) if prompt is not None else None,
            "completion": Decimal(completion) if completion is not None else None,
        },
        "price_unit": "per_token_usd",
        "provider_slug": base.split("/", 1)[0].lstrip("@") if "/" in base else None,
        "variant": variant or None,
        "merge_base": base.lower(),
    }
    defaults.update(fields)
    return NormalizedModel(id=model_id, **defaults)


@dataclass
class Catalog:
    """Builds gateways and publishes lists into them."""

    gateway_keys: Any
    gateways: dict[str, Gateway] = field(default_factory=dict)

    def gateway(self, slug: str, *, priority: int = 50, fresh: bool = True, **extra: Any) -> Gateway:
        now = timezone.now()
        gateway, _ = Gateway.objects.update_or_create(
            slug=slug,
            defaults={
                "name": slug.title(),
                "kind": "openai_compatible",
                "base_url": f"https://{slug}.example.com/v1",
                "priority": priority,
                "enabled": True,
                "last_success_at": now - timedelta(seconds=30) if fresh else None,
                "last_attempt_at": now - timedelta(seconds=30) if fresh else None,
                **extra,
            },
        )
        self.gateway_keys(**{slug: f"key-for-{slug}"})
        self.gateways[slug] = gateway
        return gateway

    def publish(self, slug: str, models: list[NormalizedModel], *, now: datetime | None = None) -> PublishResult:
        gateway = self.gateways.get(slug) or self.gateway(slug)
        return catalog_publish(gateway=gateway, models=models, force=True, now=now)

    def replace(self, slug: str, models: list[NormalizedModel]) -> PublishResult:
        """Publish `models` as two refreshes a grace period apart, as a gateway whose list really
        changed would: models the list lacks are removed, not only missing (`catalog.lifecycle`)."""
        gateway = self.gateways.get(slug) or self.gateway(slug)
        self.publish(slug, models, now=timezone.now() - timedelta(seconds=gateway.missing_grace_seconds))
        return self.publish(slug, models)


@pytest.fixture
def catalog(db: Any, gateway_keys: Any) -> Catalog:
    Gateway.objects.update(enabled=False)  # the built-in ones: no reads may enqueue real refreshes
    return Catalog(gateway_keys=gateway_keys)


ALPHA = [
    model(
        "acme/alpha-chat",
        name="Acme Alpha Chat",
        description="General chat model",
        context_length=128000,
        ins=("text", "image"),
        supported_parameters=("tools", "temperature"),
        prompt="0.000001",
        completion="0.000002",
        created=1700000000,
    ),
    model(
        "acme/alpha-chat:free",
        name="Acme Alpha Chat (free)",
        context_length=32000,
        supported_parameters=("temperature",),
        prompt="0",
        completion="0",
        created=1700000100,
    ),
    model("bolt/embedder", name="Bolt Embedder", context_length=8192, outs=("embeddings",), prompt="0.0000001", completion="0"),
    model(
        "bolt/vision-pro",
        name="Bolt Vision Pro",
        description="Reads images and documents",
        ins=("text", "image", "file"),
        supported_parameters=("tools", "seed"),
        created=1690000000,
    ),
    model("zeta/video-gen", name="Zeta Video", outs=("video",), prompt="0", completion="0", created=1710000000),
]
BETA = [
    model(
        "Acme/Alpha-Chat",
        name="Alpha Chat",
        context_length=200000,
        ins=("text", "image"),
        prompt="0.0000005",
        completion="0.000003",
        provider_slug="acme",
    ),
    model(
        "bolt/embedder",
        name="Embedder",
        context_length=8192,
        outs=("embeddings",),
        prompt="0.00000005",
        completion="0",
        created=1650000000,
    ),
    model(
        "@cloudone/omni",
        name="Omni",
        context_length=64000,
        supported_parameters=("tools",),
        prompt="0.000003",
        completion="0.000006",
        provider_slug="omni-labs",
        merge_base="omni",
    ),
    model(
        "@cloudtwo/omni",
        name="Omni",
        context_length=64000,
        supported_parameters=("tools",),
        prompt="0.0000025",
        completion="0.000007",
        provider_slug="omni-labs",
        merge_base="omni",
    ),
]
GAMMA = [
    model("solo/tiny", name="solo tiny", context_length=2048, prompt="0.0000002", completion="0.0000002", created=1600000000),
]
ALL_IDS = [  # the merged entries in the default order (id; byte order, '@' before letters)
    "@cloudone/omni",
    "acme/alpha-chat",
    "acme/alpha-chat:free",
    "bolt/embedder",
    "bolt/vision-pro",
    "solo/tiny",
    "zeta/video-gen",
]


@pytest.fixture
def small_catalog(catalog: Catalog) -> Catalog:
    catalog.gateway("alpha", priority=90)
    catalog.gateway("beta", priority=50)
    catalog.gateway("gamma", priority=10)
    catalog.publish("alpha", ALPHA)
    catalog.publish("beta", BETA)
    catalog.publish("gamma", GAMMA)
    return catalog
