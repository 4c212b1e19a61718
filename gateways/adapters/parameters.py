"""The one table from upstream feature and parameter names to OpenRouter's `supported_parameters`
vocabulary (UPSTREAMS.md 1.1), and the readers that use it.

- A feature list (`supported_features`, `capabilities`, tags: `feature_fields`) names what a model
  can do; each known feature maps to a parameter, an unknown one is left out (the raw item and,
  where an adapter keeps it, `extra` still have it).
- A parameter list (`supported_sampling_parameters`, OpenRouter's own `supported_parameters`:
  `parameter_fields`) names request parameters; a known spelling is mapped (`topP` -> `top_p`,
  `max_completion_tokens` -> `max_tokens`), any other name is kept as the upstream wrote it, since
  OpenRouter's vocabulary grows.
- Stated defaults (`default_parameter_fields`: Google's `temperature`, `topP`, `topK`) become
  `default_parameters` under the OpenRouter names.

docs/adapters.md ("Parameters") prints this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gateways.adapters.values import dig, true_keys

FEATURES = {
    "tools": "tools",
    "tool-use": "tools",
    "function-calling": "tools",
    "function_calling": "tools",
    "tool_choice": "tool_choice",
    "structured_outputs": "structured_outputs",
    "structured-outputs": "structured_outputs",
    "json_mode": "response_format",
    "response_format": "response_format",
    "reasoning": "reasoning",
    "reasoning_effort": "reasoning",  # DeepInfra's tag: the effort is settable, so reasoning is
}

PARAMETERS = {
    "topP": "top_p",
    "topK": "top_k",
    "minP": "min_p",
    "maxTokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "max_output_tokens": "max_tokens",
    "frequencyPenalty": "frequency_penalty",
    "presencePenalty": "presence_penalty",
    "repetitionPenalty": "repetition_penalty",
    "stopSequences": "stop",
    "stop_sequences": "stop",
    "logitBias": "logit_bias",
    "topLogprobs": "top_logprobs",
    "reasoning_effort": "reasoning",
}


def feature_parameters(features: Any) -> tuple[str, ...]:
    """OpenRouter-style `supported_parameters` from an upstream's explicit feature list (or object
    of booleans). Features without an OpenRouter equivalent are left out."""
    return tuple(dict.fromkeys(FEATURES[f] for f in true_keys(features) if f in FEATURES))


def named_parameters(names: Any) -> tuple[str, ...]:
    """A stated parameter list (or object of booleans) in OpenRouter's spelling."""
    return tuple(dict.fromkeys(PARAMETERS.get(name, name) for name in true_keys(names)))


def stated_defaults(item: Any, fields: Mapping[str, str]) -> dict[str, Any]:
    """`{OpenRouter name: number}` for each `fields` path (`{"top_p": "topP"}`) the item states as
    a number (decimals stay exact; `catalog.render.numbers` serves them as JSON numbers)."""
    values = {name: dig(item, path) for name, path in fields.items()}
    return {name: value for name, value in values.items() if _number(value)}


def _number(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) and not isinstance(value, bool)
