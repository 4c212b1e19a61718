"""The normalized model record that adapters produce and the catalog stores.

It lives in `catalog` because it is the catalog's input: `gateways` depends on `catalog`, never the
other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class NormalizedModel:
    """One upstream model in the OpenRouter shape, prices in exact USD per token."""

    id: str
    name: str
    canonical_slug: str | None = None
    hugging_face_id: str | None = None
    description: str | None = None
    created: int | None = None
    context_length: int | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    modality: str | None = None
    modality_source: str = "upstream"  # upstream | inferred | unknown
    tokenizer: str | None = None
    instruct_type: str | None = None
    pricing: Mapping[str, Decimal | None] = field(default_factory=dict)
    pricing_overrides: tuple[Mapping[str, Any], ...] = ()
    # A pricing key whose value counts another unit than the key's usual one: {"prompt": "character"}
    # (`catalog.prices.UNITS`). The served `pricing` then has null there; `prices` has it with its unit.
    price_units: Mapping[str, str] = field(default_factory=dict)
    pricing_dynamic: bool = False
    price_unit: str | None = None  # which conversion produced the prices, e.g. "per_1m_usd"
    top_provider: Mapping[str, Any] | None = None
    per_request_limits: Mapping[str, Any] | None = None
    supported_parameters: tuple[str, ...] = ()
    default_parameters: Mapping[str, Any] = field(default_factory=dict)
    provider_slug: str | None = None
    variant: str | None = None  # ":free", "-TEE", "-fast" ... are separate offers
    merge_base: str | None = None  # the id with gateway-only prefixes and the variant removed
    upstream_active: bool = True
    # The upstream's lifecycle statements: that the model is deprecated (a flag, or implied by
    # either date), when it announced that (`deprecated_at`, Unix seconds), when the model stops
    # being served (`sunset_at`), and what it names to use instead (`successor`, an id on the same gateway).
    deprecated: bool = False
    deprecated_at: int | None = None
    sunset_at: int | None = None
    successor: str | None = None
    data_source: str = "live"  # live | fallback | static
    extra: Mapping[str, Any] = field(default_factory=dict)
    raw: Any = None
    # The hash of the upstream item and what else its normalization read (`gateways.source_hash`),
    # stored with the row; None: not hashed (the row is rendered again at the next refresh).
    source_hash: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedEndpoint:
    """One serving provider of an aggregator's model (OpenRouter's per-model endpoints): an offer
    of that model on that gateway with the provider named. `provider` (the endpoint's `tag`, e.g.
    `deepinfra/fp8`) is unique among the model's endpoints; `pricing` is exact USD per token (per
    the key's unit) with the stated `discount` already applied."""

    provider: str
    provider_name: str | None = None
    pricing: Mapping[str, Decimal | None] = field(default_factory=dict)
    pricing_dynamic: bool = False
    discount: Decimal | None = None
    price_unit: str | None = None
    quantization: str | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    max_prompt_tokens: int | None = None
    status: int | str | None = None
    uptime_last_30m: Decimal | None = None
    supported_parameters: tuple[str, ...] = ()
    raw: Any = None


@dataclass(frozen=True, slots=True)
class NormalizedEndpoints:
    """One model's endpoints body: the model's upstream id and every endpoint read from it."""

    model_id: str
    endpoints: tuple[NormalizedEndpoint, ...] = ()
    output_modalities: tuple[str, ...] = ()
