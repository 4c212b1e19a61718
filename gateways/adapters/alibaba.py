"""Alibaba Cloud Model Studio (DashScope) model list.  Reference: https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope

`GET /compatible-mode/v1/models` (Singapore by default; another region is another base URL): bare
OpenAI items, no prices, no context, no type. Modality from the id: the keyword table, then Qwen's
own names (`-vl`/`qvq` read images, `omni` reads and speaks); an unmatched `qwen*`/`qwq*` id is a
chat model (inferred). `owned_by` is not an author (docs/adapters.md, "Alibaba Cloud Model Studio").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.modalities import fallback_modalities, vision_input
from gateways.registry import register

QWEN_HEADS = ("qwen", "qwq", "qvq")


@register
class Alibaba(Adapter):
    kind = "alibaba"
    label = "Alibaba Cloud Model Studio"
    default_base_url = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    builtin = Builtin(priority=45, min_expected_models=5)
    price_unit_label = "none in the list: null"
    reference = "https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope"
    owner_field = None

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        lowered = model_id.lower()
        stated = fallback_modalities(lowered)
        if stated[2] != "unknown" or not lowered.startswith(QWEN_HEADS):
            return stated
        if "omni" in lowered:
            return ("text", "image", "audio", "video"), ("text", "audio"), "inferred"
        vision = vision_input(lowered) or lowered.startswith("qvq")
        return (("text", "image") if vision else ("text",)), ("text",), "inferred"

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return "qwen" if model_id.lower().startswith(QWEN_HEADS) else super().author(model_id, item)
