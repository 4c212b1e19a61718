"""Modalities: the canonical order, the `"text+image->text"` string, and what to infer when an
upstream does not say (UPSTREAMS.md 1.6)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

INPUT_ORDER = ("text", "image", "file", "audio", "video")
OUTPUT_ORDER = ("text", "image", "audio", "video", "embeddings", "speech", "transcription", "rerank", "3d")

# What the type words upstreams state mean: (inputs, outputs).
# Hugging Face task names (`pipeline_tag`), which DeepInfra's `/models/list` `type` also uses, with
# DeepInfra's own `embeddings`.
TASKS = {
    "text-generation": (("text",), ("text",)),
    "image-text-to-text": (("text", "image"), ("text",)),
    "feature-extraction": (("text",), ("embeddings",)),
    "sentence-similarity": (("text",), ("embeddings",)),
    "embeddings": (("text",), ("embeddings",)),
    "text-to-image": (("text",), ("image",)),
    "automatic-speech-recognition": (("audio",), ("transcription",)),
    "text-to-speech": (("text",), ("speech",)),
}
# Fal `metadata.category` (`<in>-to-<out>`; image and video edits take a prompt too).
FAL_CATEGORIES = {
    "text-to-image": (("text",), ("image",)),
    "image-to-image": (("text", "image"), ("image",)),
    "text-to-video": (("text",), ("video",)),
    "image-to-video": (("text", "image"), ("video",)),
    "video-to-video": (("text", "video"), ("video",)),
    "text-to-audio": (("text",), ("audio",)),
    "text-to-speech": (("text",), ("speech",)),
    "speech-to-text": (("audio",), ("transcription",)),
    "audio-to-audio": (("audio",), ("audio",)),
    "image-to-3d": (("image",), ("3d",)),
    "text-to-3d": (("text",), ("3d",)),
    "llm": (("text",), ("text",)),
    "vision": (("text", "image"), ("text",)),
}
# Together `type`.
TOGETHER_TYPES = {
    "chat": (("text",), ("text",)),
    "language": (("text",), ("text",)),
    "moderation": (("text",), ("text",)),
    "embedding": (("text",), ("embeddings",)),
    "rerank": (("text",), ("rerank",)),
    "image": (("text",), ("image",)),
    "video": (("text",), ("video",)),
    "audio": (("text",), ("speech",)),
    "transcribe": (("audio",), ("transcription",)),
}


def ordered(values: Iterable[Any], order: tuple[str, ...]) -> tuple[str, ...]:
    wanted = {str(v).strip().lower() for v in values if isinstance(v, str) and v.strip()}
    known = [v for v in order if v in wanted]
    return tuple(known + sorted(wanted - set(known)))


def modality_string(inputs: Iterable[str], outputs: Iterable[str]) -> str | None:
    ins, outs = ordered(inputs, INPUT_ORDER), ordered(outputs, OUTPUT_ORDER)
    if not ins or not outs:
        return None
    return f"{'+'.join(ins)}->{'+'.join(outs)}"


def parse_modality(value: str | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """`"text+image->text"` -> (("text", "image"), ("text",)); None if it is not an arrow string."""
    if not value or "->" not in value:
        return None
    left, right = value.split("->", 1)
    fix = {"embedding": "embeddings"}
    ins = ordered((p for p in left.split("+")), INPUT_ORDER)
    outs = ordered((fix.get(p.strip().lower(), p) for p in right.split("+")), OUTPUT_ORDER)
    return (ins, outs) if ins and outs else None


_KEYWORDS: tuple[tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), ins, outs)
    for pattern, ins, outs in (
        (r"rerank", ("text",), ("rerank",)),
        (
            r"embed|/bge-|bge-m3|/e5-|-e5-|gte-|minilm|mpnet|text2vec|clip-vit|sentence-transformers/|retrieval",
            ("text",),
            ("embeddings",),
        ),
        (r"whisper|asr|speech-to-text|-stt", ("audio",), ("transcription",)),
        (r"tts|kokoro|orpheus|sonic|chatterbox|csm-", ("text",), ("speech",)),
        (r"i2v|image-to-video", ("text", "image"), ("video",)),
        (r"video|t2v|veo|kling|seedance|hailuo|sora|vidu|pixverse", ("text",), ("video",)),
        (r"edit|erase|background|expand|fill|enhance|inpaint|redux|kontext", ("text", "image"), ("image",)),
        (r"flux|sdxl|stable-diffusion|seedream|image|t2i|janus|hidream|imagen|dreamshaper", ("text",), ("image",)),
    )
)


_VISION = re.compile(r"vision|-vl|vl-|llava|pixtral")


def infer_modalities(model_id: str, *, chat: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Last-resort modality from the id (UPSTREAMS.md 1.6). `chat=True` when the upstream says the
    model is a chat model, so an unmatched id is text->text rather than unknown."""
    lowered = model_id.lower()
    for pattern, ins, outs in _KEYWORDS:
        if pattern.search(lowered):
            return ins, outs
    if chat:
        return (("text", "image") if _VISION.search(lowered) else ("text",)), ("text",)
    return None


def vision_input(model_id: str) -> bool:
    """A chat model whose id says it reads images (the last row of UPSTREAMS.md 1.6)."""
    return bool(_VISION.search(model_id.lower()))


GOOGLE_GEMINI_INPUTS = ("text", "image", "file", "audio", "video")
_GEMMA_VERSION = re.compile(r"gemma-(\d+)")


def google_chat_modalities(model_id: str, *, live_only: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A Google chat model's modalities from its name, where the API lists no input types:
    `gemini-*` reads text, images, files, audio and video; `gemma-3` and later text and images;
    text-to-speech, native-audio and Live-only (`live_only`) models answer in audio or speech."""
    lowered = model_id.lower()
    if "tts" in lowered:
        return ("text",), ("speech",)
    gemma = _GEMMA_VERSION.match(lowered)
    ins = (
        GOOGLE_GEMINI_INPUTS
        if lowered.startswith("gemini-")
        else ("text", "image")
        if gemma and int(gemma[1]) >= 3
        else ("text",)
    )
    if "native-audio" in lowered or live_only:
        return ins, ("audio",)
    return ins, (("text", "image") if "image" in lowered else ("text",))


def fallback_modalities(model_id: str, *, chat: bool = False) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """`(inputs, outputs, modality_source)` when the upstream states no type: the keyword table,
    else unknown (or text->text when the upstream says it lists chat models only)."""
    inferred = infer_modalities(model_id, chat=chat)
    return (inferred[0], inferred[1], "inferred") if inferred else ((), (), "unknown")


def modalities_from_lists(inputs: Any, outputs: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Upstream `input_modalities`/`output_modalities` lists in our order; None unless both sides
    name something."""
    ins = ordered(inputs if isinstance(inputs, list) else (), INPUT_ORDER)
    outs = ordered(outputs if isinstance(outputs, list) else (), OUTPUT_ORDER)
    return (ins, outs) if ins and outs else None
