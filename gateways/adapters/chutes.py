"""Chutes model list.  Reference: https://llm.chutes.ai/v1/models

LLM chutes only, listed without a key. `pricing` holds USD per 1M tokens (fallback: the `usd` part of
`price.*`; the TAO equivalent is ignored); float noise such as `0.010399999999999998` is rounded
to 15 significant digits (`0.0104`; `values.price`). `owned_by` is the serving engine (`sglang`, `vllm`), never the author. A `-TEE` suffix marks
the confidential-compute deployment: a variant, a separate offer (UPSTREAMS.md 2.11).
"""

from __future__ import annotations

from gateways.adapters.base import Adapter, Builtin
from gateways.adapters.values import PER_MILLION
from gateways.registry import register


@register
class Chutes(Adapter):
    kind = "chutes"
    label = "Chutes"
    default_base_url = "https://llm.chutes.ai/v1"
    builtin = Builtin(priority=45, min_expected_models=5)
    requires_key = False
    price_unit_label = "USD per 1M tokens"
    reference = "https://llm.chutes.ai/v1/models"
    chat_models = True  # the endpoint lists LLM chutes only
    variant_suffixes = {"-TEE": "TEE"}
    price_unit = PER_MILLION
    price_fields = {
        "prompt": ("pricing.prompt", "price.input.usd"),
        "completion": ("pricing.completion", "price.output.usd"),
        "input_cache_read": ("pricing.input_cache_read", "price.input_cache_read.usd"),
    }
    max_output_fields = ("max_output_length",)
    parameter_fields, feature_fields = ("supported_sampling_parameters",), ("supported_features",)
    owner_field = None
    extra_fields = ("root", "chute_id", "quantization", "confidential_compute")
