"""The one rule for variant suffixes: an id ending in a suffix an upstream declares (Nebius's
`-fast`, Chutes' `-TEE`) is a separate, differently priced offer of the model without it. Every
adapter whose ids carry such suffixes goes through `split_variant`, including an aggregator that
lists another upstream's ids (Portkey's `@nebius/...-fast`), so the same offer groups the same
way wherever it is listed (catalog/merge.py keys on merge base and variant)."""

from __future__ import annotations

from collections.abc import Mapping


def split_variant(model_id: str, suffixes: Mapping[str, str]) -> tuple[str, str | None]:
    """(`model_id` without its variant suffix, the variant's name), or (`model_id`, None). A
    suffix matches whatever its case (`-fast`, `-FAST`)."""
    lowered = model_id.lower()
    for suffix, variant in suffixes.items():
        if lowered.endswith(suffix.lower()) and len(model_id) > len(suffix):
            return model_id[: -len(suffix)], variant
    return model_id, None
