"""A realistic, deterministic catalog: model lists of the built-in gateways in each upstream's
own response shape (as in tests/fixtures/gateways/), at a chosen total size.

    python bench/generator.py --size 20000 --out var/bench/catalog-20000

writes one `<slug>.json` body per gateway (the whole list in the upstream's envelope) and
`manifest.json` (counts, seed). `bench/upstream.py` serves those bodies the way each upstream
does, pagination included.

Sizes follow the real upstreams at about 20,000 models (Featherless and Hugging Face in the
thousands, Fal over a thousand, OpenRouter ~550, Portkey 500, Groq ~20...). Another total scales
every gateway in proportion (each keeps at least a few models) and Featherless takes the rounding,
so the total is exact. The same popular open-weight models appear at several gateways under each
upstream's own id form (OpenRouter lower-case, Fireworks `accounts/fireworks/models/...`, Portkey
`@provider/...`), so the `gateway=all` merge has real groups to build.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

# Models per gateway at 20,000 in total (the size of the real lists in 2026, roughly).
REAL_SIZES: dict[str, int] = {
    "openrouter": 550,
    "portkey": 500,
    "featherless": 13000,
    "deepinfra": 180,
    "google": 50,
    "cerebras": 10,
    "nebius": 60,
    "xai": 20,
    "novita": 100,
    "huggingface": 3430,
    "chutes": 80,
    "groq": 20,
    "fireworks": 200,
    "together": 250,
    "aimo": 30,
    "near": 20,
    "fal": 1500,
}
REFERENCE_TOTAL = sum(REAL_SIZES.values())  # 20,000
FILLER = "featherless"  # takes the rounding so a catalog has exactly the asked size
UNSHAPED_SIZE = 20  # models of a built-in with no shape here (it is served as a generic list)
EPOCH = 1_735_689_600  # 2025-01-01

ORGS = [
    ("meta-llama", "Llama", "Llama3"),
    ("Qwen", "Qwen", "Qwen"),
    ("mistralai", "Mistral", "Mistral"),
    ("google", "gemma", "Gemini"),
    ("microsoft", "Phi", "Other"),
    ("deepseek-ai", "DeepSeek", "DeepSeek"),
    ("NousResearch", "Hermes", "Llama3"),
    ("allenai", "OLMo", "Other"),
    ("tiiuae", "Falcon", "Other"),
    ("01-ai", "Yi", "Yi"),
    ("zai-org", "GLM", "Other"),
    ("moonshotai", "Kimi", "Other"),
    ("ibm-granite", "granite", "Other"),
    ("nvidia", "Nemotron", "Llama3"),
    ("CohereLabs", "aya", "Cohere"),
    ("openai", "gpt-oss", "GPT"),
]
VERSIONS = ["2", "2.5", "3", "3.1", "3.2", "3.3", "4"]
SIZES_B = [0.5, 1, 1.5, 3, 7, 8, 12, 14, 24, 27, 32, 70, 72, 110, 235, 405]
FLAVOURS = ["Instruct", "Chat", "", "Coder-Instruct", "Math", "Thinking", "VL-Instruct"]
TUNERS = [
    "Sao10K", "TheDrummer", "anthracite-org", "cognitivecomputations", "NeverSleep", "Gryphe", "mlabonne",
    "bartowski", "unsloth", "teknium", "openchat", "lmsys", "upstage", "WizardLMTeam", "Undi95", "KoboldAI",
    "SicariusSicariiStuff", "allura-org", "LatitudeGames", "nbeerbower", "grimjim", "Nitral-AI", "arcee-ai",
    "huihui-ai", "migtissera", "jondurbin", "EVA-UNIT-01", "inflatebot", "Steelskull", "ReadyArt",
]  # fmt: skip
TUNE_TAGS = ["RP", "Uncensored", "DPO", "SFT", "Merge", "Abliterated", "Creative", "Storywriter", "ORPO", "Lora"]
CLOSED = [
    ("openai", "gpt-4o", 128000, 2.5, 10.0, "vision"),
    ("openai", "gpt-4.1", 1047576, 2.0, 8.0, "vision"),
    ("openai", "o3-mini", 200000, 1.1, 4.4, "chat"),
    ("anthropic", "claude-sonnet-4", 200000, 3.0, 15.0, "vision"),
    ("anthropic", "claude-3.5-haiku", 200000, 0.8, 4.0, "vision"),
    ("google", "gemini-2.5-flash", 1048576, 0.3, 2.5, "vision"),
    ("google", "gemini-2.5-pro", 1048576, 1.25, 10.0, "vision"),
    ("x-ai", "grok-4", 256000, 3.0, 15.0, "vision"),
    ("cohere", "command-r-plus", 128000, 2.5, 10.0, "chat"),
    ("perplexity", "sonar-pro", 200000, 3.0, 15.0, "chat"),
    ("amazon", "nova-pro-v1", 300000, 0.8, 3.2, "vision"),
    ("inflection", "inflection-3-pi", 8000, 2.5, 10.0, "chat"),
]
MEDIA = [  # (kind, id words) for the non-chat part of the pool
    ("embedding", "bge-m3"),
    ("embedding", "e5-mistral-7b-embed"),
    ("embedding", "gte-Qwen2-7B-instruct"),
    ("rerank", "bge-reranker-v2-m3"),
    ("image", "FLUX.1-dev"),
    ("image", "stable-diffusion-3.5-large"),
    ("tts", "Kokoro-82M"),
    ("stt", "whisper-large-v3"),
]
FAL_CATEGORIES = [
    ("text-to-image", 40),
    ("image-to-image", 20),
    ("text-to-video", 10),
    ("image-to-video", 10),
    ("text-to-speech", 5),
    ("speech-to-text", 3),
    ("image-to-3d", 2),
    ("llm", 4),
    ("vision", 3),
    ("training", 3),
]
PROVIDERS_HF = ["together", "novita", "fireworks-ai", "groq", "cerebras", "nebius", "sambanova", "hyperbolic", "featherless-ai"]
PARAMS = ["max_tokens", "temperature", "top_p", "stop", "frequency_penalty", "presence_penalty", "seed"]
TOOL_PARAMS = ["tools", "tool_choice", "response_format", "structured_outputs"]


@dataclass(frozen=True, slots=True)
class Base:
    """One model, independent of any upstream's way of writing it down."""

    repo: str  # Hugging Face style "Org/Name" (closed models: "org/slug")
    org: str
    name: str
    kind: str  # chat | vision | embedding | rerank | image | tts | stt
    params_b: float
    context: int | None
    max_output: int | None
    prompt_m: float | None  # USD per 1M tokens
    completion_m: float | None
    created: int
    open_weights: bool = True
    tokenizer: str = "Other"
    tools: bool = False
    reasoning: bool = False


# --- the shared pool -------------------------------------------------------------------------


def _price_m(rng: random.Random, params_b: float) -> tuple[float, float]:
    low, high = (0.02, 0.06) if params_b <= 3 else (0.05, 0.2) if params_b <= 10 else (0.1, 0.8) if params_b <= 40 else (0.3, 0.9)
    if params_b > 100:
        low, high = 0.8, 3.0
    prompt = round(rng.uniform(low, high), 2)
    # About one price in ten carries the float noise real bodies have (0.04 * 3 = 0.12000000000000001).
    if rng.random() < 0.1:
        prompt = round(prompt / 3, 2) * 3
    return prompt, round(prompt * rng.choice((1, 2, 3, 4)), 4)


def head_pool(seed: int) -> list[Base]:
    """The popular models most gateways carry, most popular first. Independent of the size."""
    rng = random.Random(f"{seed}:pool")
    pool: list[Base] = []
    seen: set[str] = set()
    for org, slug, ctx, prompt, completion, kind in CLOSED:
        pool.append(
            Base(
                f"{org}/{slug}",
                org,
                slug,
                kind,
                0,
                ctx,
                ctx // 8,
                prompt,
                completion,
                EPOCH + rng.randrange(30_000_000),
                False,
                "GPT",
                True,
                "o3" in slug,
            )
        )
    while len(pool) < 1200:
        org, family, tokenizer = rng.choice(ORGS)
        if rng.random() < 0.1:
            kind, words = rng.choice(MEDIA)
            name = f"{words}" if rng.random() < 0.5 else f"{words}-v{rng.choice(VERSIONS)}"
            size = 0.5
        else:
            size = rng.choice(SIZES_B)
            flavour = rng.choice(FLAVOURS)
            size_text = f"{size:g}B"
            name = "-".join(p for p in (f"{family}-{rng.choice(VERSIONS)}", size_text, flavour) if p)
            kind = "vision" if "VL" in flavour else "chat"
        repo = f"{org}/{name}"
        if repo.lower() in seen:
            continue
        seen.add(repo.lower())
        ctx = rng.choice((8192, 32768, 65536, 131072, 131072, 262144)) if kind in ("chat", "vision") else rng.choice((512, 8192))
        prompt_m, completion_m = _price_m(rng, size)
        if kind in ("embedding", "rerank"):
            completion_m = 0.0
        pool.append(
            Base(
                repo, org, name, kind, size, ctx, min(ctx, 16384), prompt_m, completion_m,
                EPOCH + rng.randrange(int(4e7)), True, tokenizer, rng.random() < 0.6, "Thinking" in name,
            )
        )  # fmt: skip
    return pool


def tail_models(rng: random.Random, count: int, *, prefix: str, taken: set[str]) -> list[Base]:
    """Long-tail fine-tunes (the bulk of Featherless and Hugging Face): unique per gateway."""
    out: list[Base] = []
    index = 0
    while len(out) < count:
        index += 1
        org, family, tokenizer = rng.choice(ORGS)
        size = rng.choice(SIZES_B[2:12])
        tuner = rng.choice(TUNERS)
        name = f"{family}-{rng.choice(VERSIONS)}-{size:g}B-{rng.choice(TUNE_TAGS)}-{prefix}{index}"
        repo = f"{tuner}/{name}"
        if repo.lower() in taken:
            continue
        taken.add(repo.lower())
        prompt_m, completion_m = _price_m(rng, size)
        ctx = rng.choice((4096, 8192, 16384, 32768, 131072))
        out.append(
            Base(
                repo,
                tuner,
                name,
                "chat",
                size,
                ctx,
                min(ctx, 4096),
                prompt_m,
                completion_m,
                EPOCH + rng.randrange(int(4e7)),
                True,
                tokenizer,
            )
        )
    return out


def sizes_for(total: int, slugs: Iterable[str] | None = None) -> dict[str, int]:
    """Models per gateway for a catalog of `total` models (exact), for `slugs` (default: every
    shape here; a built-in without one counts as `UNSHAPED_SIZE` at the reference total)."""
    real = {slug: REAL_SIZES.get(slug, UNSHAPED_SIZE) for slug in (REAL_SIZES if slugs is None else slugs)}
    if total < 3 * len(real):
        raise ValueError(f"a catalog needs at least {3 * len(real)} models (3 per gateway), not {total}")
    scale = total / sum(real.values())
    counts = {slug: max(min(size, 3), round(size * scale)) for slug, size in real.items()}
    counts[FILLER if FILLER in counts else max(counts, key=counts.__getitem__)] += total - sum(counts.values())
    return counts


def _choose(pool: list[Base], count: int, kinds: Iterable[str], *, closed: bool = False) -> list[Base]:
    wanted = set(kinds)
    return [b for b in pool if b.kind in wanted and (closed or b.open_weights)][:count]


def _models(slug: str, count: int, pool: list[Base], rng: random.Random, *, shared: float, kinds: Iterable[str]) -> list[Base]:
    head = _choose(pool, int(count * shared), kinds)
    taken = {b.repo.lower() for b in head}
    return head + tail_models(rng, count - len(head), prefix=slug[:2], taken=taken)


def _per_token(value: float | None) -> str | None:
    if value is None:
        return None
    return format((Decimal(repr(value)) / Decimal(1_000_000)).normalize(), "f")


def _modalities(base: Base) -> tuple[list[str], list[str]]:
    return {
        "chat": (["text"], ["text"]),
        "vision": (["text", "image"], ["text"]),
        "embedding": (["text"], ["embeddings"]),
        "rerank": (["text"], ["rerank"]),
        "image": (["text"], ["image"]),
        "tts": (["text"], ["speech"]),
        "stt": (["audio"], ["transcription"]),
    }[base.kind]


def _iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- one function per upstream shape -------------------------------------------------------


def openrouter(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    """2026 era: canonical_slug, default_parameters, zero-valued pricing keys omitted, `:free`
    variants, one `-1` router, `links` and `total_count`."""
    items: list[dict[str, Any]] = [
        {
            "id": "openrouter/auto",
            "canonical_slug": "openrouter/auto",
            "hugging_face_id": None,
            "name": "Auto Router",
            "created": EPOCH,
            "description": "Your prompt will be processed by a meta-model and routed to one of dozens of models.",
            "context_length": 2000000,
            "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"], "tokenizer": "Router", "instruct_type": None},
            "pricing": {"prompt": "-1", "completion": "-1"},
            "top_provider": {"context_length": None, "max_completion_tokens": None, "is_moderated": False},
            "per_request_limits": None,
            "supported_parameters": [],
            "default_parameters": {},
            "expiration_date": None,
        }
    ]  # fmt: skip
    bases = _choose(pool, count, ("chat", "vision", "embedding", "rerank", "image"), closed=True)
    bases += tail_models(rng, max(0, count - 1 - len(bases)), prefix="or", taken={b.repo.lower() for b in bases})
    for base in bases:
        if len(items) >= count:
            break
        variants = [""] + ([":free"] if base.open_weights and rng.random() < 0.08 else [])
        for variant in variants:
            if len(items) >= count:
                break
            ins, outs = _modalities(base)
            lower = base.repo.lower()
            pricing: dict[str, Any] = {"prompt": "0", "completion": "0"} if variant else {
                "prompt": _per_token(base.prompt_m), "completion": _per_token(base.completion_m)
            }  # fmt: skip
            if not variant and base.kind in ("chat", "vision") and rng.random() < 0.3:
                pricing["input_cache_read"] = _per_token((base.prompt_m or 0) / 10)
            if base.kind == "vision" and not variant:
                pricing["image"] = "0.001445"
            if not variant and not base.open_weights and rng.random() < 0.3:
                pricing["overrides"] = [
                    {"min_prompt_tokens": 200000, "prompt": _per_token((base.prompt_m or 0) * 2), "completion": _per_token((base.completion_m or 0) * 1.5)}
                ]  # fmt: skip
            params = PARAMS[: rng.randrange(3, len(PARAMS) + 1)] + (TOOL_PARAMS if base.tools else [])
            if base.reasoning:
                params += ["reasoning", "include_reasoning"]
            items.append(
                {
                    "id": lower + variant,
                    "canonical_slug": f"{lower}-2025{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
                    "hugging_face_id": base.repo if base.open_weights else "",
                    "name": f"{base.org.title()}: {base.name.replace('-', ' ')}{' (free)' if variant else ''}",
                    "created": base.created,
                    "description": f"{base.name} by {base.org}. " + "A capable model for chat, code and tools. " * rng.randrange(2, 8),
                    "context_length": base.context if base.kind not in ("image",) else 0,
                    "architecture": {
                        "modality": f"{'+'.join(ins)}->{'+'.join(outs)}",
                        "input_modalities": ins,
                        "output_modalities": outs,
                        "tokenizer": base.tokenizer,
                        "instruct_type": None,
                    },
                    "pricing": pricing,
                    "top_provider": {"context_length": base.context, "max_completion_tokens": base.max_output, "is_moderated": not base.open_weights},
                    "per_request_limits": None,
                    "supported_parameters": params,
                    "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
                    "expiration_date": None,
                    "knowledge_cutoff": "2024-12-31" if rng.random() < 0.5 else None,
                }
            )  # fmt: skip
    return {"data": items[:count], "total_count": min(count, len(items)), "links": {"next": None}}


def portkey(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    heads = ["deepinfra", "together-ai", "fireworks-ai", "groq", "openai", "anthropic", "nebius", "novita", "xai", "cerebras"]
    items = []
    taken: set[str] = set()
    bases = _choose(pool, count, ("chat", "vision", "embedding", "rerank", "image"), closed=True)
    bases += tail_models(rng, count, prefix="pk", taken={b.repo.lower() for b in bases})
    for base in bases:
        provider = (
            ("openai" if base.org == "openai" else "anthropic") if not base.open_weights else rng.choice(heads[:3] + heads[6:8])
        )
        slug = base.name if not base.open_weights else base.repo
        ident = f"@{provider}/{slug}"
        if ident.lower() in taken:
            continue
        taken.add(ident.lower())
        items.append({"id": ident, "slug": slug, "canonical_slug": slug, "object": "model"})
        if len(items) == count:
            break
    return {"object": "list", "total": len(items), "data": items}


def featherless(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("featherless", count, pool, rng, shared=0.04, kinds=("chat",)):
        items.append(
            {
                "id": base.repo,
                "name": base.repo,
                "created": base.created,
                "owned_by": base.org,
                "model_class": f"{base.tokenizer.lower()}-{int(base.params_b) or 1}b-{(base.context or 8192) // 1024}k",
                "context_length": base.context,
                "max_completion_tokens": base.max_output,
                "is_gated": rng.random() < 0.1,
            }
        )
    return {"data": items}


def deepinfra(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("deepinfra", count, pool, rng, shared=0.95, kinds=("chat", "vision", "embedding", "image", "tts", "stt")):
        chat = base.kind in ("chat", "vision")
        pricing = {"input_tokens": base.prompt_m, "output_tokens": base.completion_m}
        if rng.random() < 0.3:
            pricing["cache_read_tokens"] = (base.prompt_m or 0) / 5
        items.append(
            {
                "id": base.repo,
                "object": "model",
                "created": 0,
                "owned_by": "deepinfra",
                "root": base.repo,
                "parent": None,
                "metadata": {
                    "description": f"{base.name} served by DeepInfra.",
                    "context_length": base.context,
                    "max_tokens": base.context,
                    "pricing": pricing,
                    "tags": (["vision"] if base.kind == "vision" else []) + (["reasoning"] if base.reasoning else []),
                }
                if chat
                else None,
            }
        )
    return {"object": "list", "data": items}


def google(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    families = [
        "gemini-2.5-flash",
        "gemini-2.5-pro",
        "gemini-2.0-flash",
        "gemini-2.5-flash-lite",
        "gemma-3-27b-it",
        "gemma-3-12b-it",
    ]
    for index in range(count):
        family = families[index % len(families)]
        kind = "embed" if index % 11 == 10 else "imagen" if index % 13 == 12 else "chat"
        if kind == "embed":
            name, methods = f"text-embedding-{index:03d}", ["embedContent", "batchEmbedContents"]
        elif kind == "imagen":
            name, methods = f"imagen-4.0-generate-{index:03d}", ["predict"]
        else:
            name = family if index < len(families) else f"{family}-preview-{index:03d}"
            methods = ["generateContent", "countTokens", "createCachedContent"]
        items.append(
            {
                "name": f"models/{name}",
                "version": "001",
                "displayName": name.replace("-", " ").title(),
                "description": f"{name}: a Google model.",
                "inputTokenLimit": 1048576 if kind == "chat" else 2048,
                "outputTokenLimit": 65536 if kind == "chat" else 1,
                "supportedGenerationMethods": methods,
                **(
                    {"temperature": 1, "maxTemperature": 2, "topP": 0.95, "topK": 64, "thinking": "2.5" in name}
                    if kind == "chat"
                    else {}
                ),
            }
        )
    return {"models": items}


def cerebras(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("cerebras", count, pool, rng, shared=1.0, kinds=("chat",)):
        short = base.name.lower().replace("-instruct", "")
        items.append(
            {
                "id": short,
                "object": "model",
                "created": 0,
                "owned_by": "Cerebras",
                "name": base.name,
                "description": f"{base.name} on Cerebras wafer-scale hardware.",
                "hugging_face_id": base.repo,
                "pricing": {"prompt": _per_token(base.prompt_m), "completion": _per_token(base.completion_m)},
                "capabilities": {"vision": False, "tools": base.tools, "reasoning": base.reasoning, "structured_outputs": True},
                "supported_parameters": {
                    "tools": base.tools,
                    "temperature": True,
                    "top_p": True,
                    "reasoning_effort": base.reasoning,
                },
                "architecture": {"modality": "text", "tokenizer": base.tokenizer, "instruct_type": None},
                "limits": {"max_context_length": base.context, "max_completion_tokens": base.max_output},
                "deprecated": False,
                "preview": rng.random() < 0.2,
                "quantization": "fp16",
            }
        )
    return {"object": "list", "data": items}


def nebius(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for base in _models("nebius", count, pool, rng, shared=0.95, kinds=("chat", "vision", "embedding")):
        for suffix in ("", "-fast") if rng.random() < 0.2 else ("",):
            ins, outs = _modalities(base)
            factor = 2 if suffix else 1
            items.append(
                {
                    "id": base.repo + suffix,
                    "object": "model",
                    "created": base.created,
                    "owned_by": "system",
                    "name": base.name + suffix,
                    "context_length": base.context,
                    "pricing": {"prompt": _per_token((base.prompt_m or 0) * factor), "completion": _per_token((base.completion_m or 0) * factor)},
                    "architecture": {"modality": f"{'+'.join(ins)}->{'+'.join(outs).replace('embeddings', 'embedding')}"},
                    "supported_features": (["tools"] if base.tools else []) + (["reasoning"] if base.reasoning else []),
                    "supported_sampling_parameters": ["temperature", "top_p", "seed"],
                    "regions": ["eu-north1"],
                }
            )  # fmt: skip
    return {"object": "list", "data": items[:count]}


def xai(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for index in range(count):
        name = ["grok-4-0709", "grok-3", "grok-3-mini", "grok-code-fast-1", "grok-4-fast-reasoning"][index % 5]
        ident = name if index < 5 else f"{name}-{index:03d}"
        prompt = rng.choice((2000, 30000, 3000, 200000))
        items.append(
            {
                "id": ident,
                "fingerprint": f"fp_{rng.randrange(16**10):010x}",
                "created": EPOCH + index * 86400,
                "object": "model",
                "owned_by": "xai",
                "version": "1.0.0",
                "input_modalities": ["text", "image"] if index % 2 else ["text"],
                "output_modalities": ["text"],
                "prompt_text_token_price": prompt,
                "cached_prompt_text_token_price": prompt // 4,
                "prompt_image_token_price": prompt if index % 2 else 0,
                "completion_text_token_price": prompt * 5,
                "search_price": 250000000,
                "aliases": [f"{ident}-latest"],
                "max_prompt_length": 131072 * (1 + index % 2),
                "long_context_threshold": 128000 if index % 3 == 0 else 0,
                "prompt_text_token_price_long_context": prompt * 2 if index % 3 == 0 else 0,
                "completion_text_token_price_long_context": prompt * 10 if index % 3 == 0 else 0,
            }
        )
    return {"models": items}


def novita(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("novita", count, pool, rng, shared=0.95, kinds=("chat", "vision", "embedding")):
        ins, outs = _modalities(base)
        items.append(
            {
                "id": base.repo.lower(),
                "object": "model",
                "created": base.created,
                "owned_by": "unknown",
                "permission": None,
                "root": "",
                "parent": "",
                "title": base.name,
                "description": f"{base.name} on Novita.",
                "input_token_price_per_m": int((base.prompt_m or 0) * 10000),
                "output_token_price_per_m": int((base.completion_m or 0) * 10000),
                "context_size": base.context,
                "status": 1 if rng.random() < 0.95 else 0,
                "tags": ["HOT"] if rng.random() < 0.1 else [],
                "cus_id": "",
                "display_name": base.name,
                "model_type": "embedding" if base.kind == "embedding" else "chat",
                "max_output_tokens": base.max_output,
                "features": (["function-calling"] if base.tools else []) + (["vision"] if base.kind == "vision" else []),
                "input_modalities": ins,
                "output_modalities": outs,
                "endpoints": ["chat/completions"],
            }
        )
    return {"data": items}


def huggingface(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("huggingface", count, pool, rng, shared=0.3, kinds=("chat", "vision")):
        providers = []
        for provider in rng.sample(PROVIDERS_HF, rng.randrange(1, 4)):
            entry: dict[str, Any] = {"provider": provider, "status": "live" if rng.random() < 0.9 else "staging"}
            if rng.random() < 0.85:
                entry["context_length"] = base.context
                entry["pricing"] = {"input": base.prompt_m, "output": base.completion_m}
                entry["supports_tools"] = base.tools
                entry["supports_structured_output"] = rng.random() < 0.5
                entry["first_token_latency_ms"] = rng.randrange(80, 900)
                entry["throughput"] = round(rng.uniform(20, 400), 1)
                entry["is_model_author"] = False
            providers.append(entry)
        ins, outs = _modalities(base)
        items.append(
            {
                "id": base.repo,
                "object": "model",
                "created": base.created,
                "owned_by": base.org,
                "architecture": {"input_modalities": ins, "output_modalities": outs},
                "providers": providers,
            }
        )
    return {"object": "list", "data": items}


def chutes(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for base in _models("chutes", count, pool, rng, shared=0.95, kinds=("chat", "vision")):
        for suffix in ("", "-TEE") if rng.random() < 0.15 else ("",):
            ins, outs = _modalities(base)
            prices = {"prompt": base.prompt_m, "completion": base.completion_m, "input_cache_read": (base.prompt_m or 0) / 2}
            items.append(
                {
                    "id": base.repo + suffix,
                    "root": base.repo + "-FP8",
                    "chute_id": f"{rng.randrange(16**8):08x}-{rng.randrange(16**4):04x}-4{rng.randrange(16**3):03x}-8{rng.randrange(16**3):03x}-{rng.randrange(16**12):012x}",
                    "created": base.created,
                    "owned_by": rng.choice(("sglang", "vllm")),
                    "quantization": "fp8",
                    "confidential_compute": bool(suffix),
                    "context_length": base.context,
                    "max_model_len": base.context,
                    "max_output_length": base.max_output,
                    "input_modalities": ins,
                    "output_modalities": outs,
                    "supported_features": (["tools", "json_mode"] if base.tools else ["json_mode"]) + (["reasoning"] if base.reasoning else []),
                    "supported_sampling_parameters": ["temperature", "top_p", "top_k", "repetition_penalty"],
                    "pricing": prices,
                    "price": {key: {"usd": value, "tao": round((value or 0) / 400, 8)} for key, value in (("input", base.prompt_m), ("output", base.completion_m))},
                }
            )  # fmt: skip
    return {"object": "list", "data": items[:count]}


def groq(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    names = [
        ("llama-3.1-8b-instant", "Meta", 131072), ("llama-3.3-70b-versatile", "Meta", 131072),
        ("openai/gpt-oss-120b", "OpenAI", 131072), ("openai/gpt-oss-20b", "OpenAI", 131072),
        ("qwen/qwen3-32b", "Alibaba Cloud", 131072), ("meta-llama/llama-4-scout-17b-16e-instruct", "Meta", 131072),
        ("meta-llama/llama-guard-4-12b", "Meta", 131072), ("whisper-large-v3", "OpenAI", 448),
        ("whisper-large-v3-turbo", "OpenAI", 448), ("playai-tts", "PlayAI", 8192), ("groq/compound", "Groq", 131072),
        ("moonshotai/kimi-k2-instruct", "Moonshot AI", 131072),
    ]  # fmt: skip
    items = []
    for index in range(count):
        name, owner, ctx = names[index % len(names)]
        ident = name if index < len(names) else f"{name}-{index:03d}"
        items.append(
            {
                "id": ident,
                "object": "model",
                "created": EPOCH + index * 3600,
                "owned_by": owner,
                "active": index % 17 != 16,
                "context_window": ctx,
                "public_apps": None,
                "max_completion_tokens": min(ctx, 32768),
            }
        )
    return {"object": "list", "data": items}


def fireworks(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    taken: set[str] = set()
    for base in _models("fireworks", count, pool, rng, shared=0.9, kinds=("chat", "vision", "embedding", "image")):
        slug = base.name.lower().replace(".", "p")
        if slug in taken:  # the same model name from two orgs
            slug = f"{slug}-{base.org.lower()}"
        taken.add(slug)
        kind = {"embedding": "EMBEDDING_MODEL", "image": "FLUMINA_BASE_MODEL"}.get(base.kind, "HF_BASE_MODEL")
        item: dict[str, Any] = {
            "id": f"accounts/fireworks/models/{slug}",
            "object": "model",
            "owned_by": "fireworks",
            "created": base.created,
        }
        if rng.random() < 0.9:
            item.update(
                kind=kind,
                supports_chat=base.kind in ("chat", "vision", "embedding"),
                supports_image_input=base.kind == "vision",
                supports_tools=base.tools,
                context_length=base.context,
            )
        items.append(item)
    return {"object": "list", "data": items}


def together(count: int, pool: list[Base], rng: random.Random) -> list[dict[str, Any]]:
    items = []
    for base in _models(
        "together", count, pool, rng, shared=0.9, kinds=("chat", "vision", "embedding", "rerank", "image", "tts", "stt")
    ):
        kind = {
            "vision": "chat",
            "embedding": "embedding",
            "rerank": "rerank",
            "image": "image",
            "tts": "audio",
            "stt": "transcribe",
        }.get(base.kind, "chat")
        priced = kind not in ("image",)
        items.append(
            {
                "id": base.repo,
                "object": "model",
                "created": base.created if rng.random() < 0.8 else 0,
                "type": kind,
                "running": False,
                "display_name": base.name.replace("-", " "),
                "organization": base.org,
                "link": f"https://huggingface.co/{base.repo}",
                "license": rng.choice(("apache-2.0", "llama3.1", None)),
                **({"context_length": base.context} if kind != "image" else {}),
                "config": {"chat_template": None, "stop": ["<|eot_id|>"], "bos_token": "<s>", "eos_token": "</s>", "max_output_length": base.max_output},
                "pricing": {"hourly": 0, "input": base.prompt_m if priced else 0, "output": (base.completion_m or 0) if priced else 0, "base": 0, "finetune": 0},
            }
        )  # fmt: skip
    return items


def aimo(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("aimo", count, pool, rng, shared=0.9, kinds=("chat",)):
        items.append(
            {
                "name": base.name if rng.random() < 0.7 else base.repo.lower(),
                "display_name": base.name.replace("-", " "),
                "created": base.created,
                "context_length": base.context,
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "providers": [
                    {"id": f"{rng.randrange(16**40):040x}", "name": f"provider-{rng.randrange(50)}", "pricing": {"prompt": base.prompt_m, "completion": base.completion_m}}
                ],
            }
        )  # fmt: skip
    return {"data": items}


def near(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    items = []
    for base in _models("near", count, pool, rng, shared=0.9, kinds=("chat", "vision")):
        ins, outs = _modalities(base)
        items.append(
            {
                "id": base.repo,
                "object": "model",
                "created": base.created,
                "owned_by": "nearai" if rng.random() < 0.5 else base.org.lower(),
                "name": base.name,
                "hugging_face_id": base.repo,
                "quantization": "fp8",
                "is_ready": True,
                "context_length": base.context,
                "max_output_length": base.max_output,
                "input_modalities": ins,
                "output_modalities": outs,
                "supported_features": ["tools"] if base.tools else [],
                "supported_sampling_parameters": ["temperature", "top_p"],
                "datacenters": ["us-west"],
                "pricing": {
                    "input": base.prompt_m,
                    "output": base.completion_m,
                    "prompt": _per_token(base.prompt_m),
                    "completion": _per_token(base.completion_m),
                },
            }
        )
    return {"object": "list", "data": items}


def fal(count: int, pool: list[Base], rng: random.Random) -> dict[str, Any]:
    families = [
        "flux",
        "seedream",
        "kling-video",
        "hunyuan",
        "wan",
        "minimax",
        "recraft",
        "ideogram",
        "veo3",
        "stable-audio",
        "hidream",
        "bria",
    ]
    suffix = {
        "text-to-image": "", "image-to-image": "/edit", "text-to-video": "/text-to-video", "image-to-video": "/image-to-video",
        "text-to-speech": "/tts", "speech-to-text": "/transcribe", "image-to-3d": "/3d", "llm": "/chat", "vision": "/vision",
        "training": "/train",
    }  # fmt: skip
    weights = [w for _, w in FAL_CATEGORIES]
    items = []
    taken: set[str] = set()
    index = 0
    while len(items) < count:
        index += 1
        category = rng.choices([c for c, _ in FAL_CATEGORIES], weights)[0]
        endpoint = f"fal-ai/{rng.choice(families)}/v{index}{suffix[category]}"
        if endpoint in taken:
            continue
        taken.add(endpoint)
        created = EPOCH + rng.randrange(int(4e7))
        items.append(
            {
                "endpoint_id": endpoint,
                "metadata": {
                    "display_name": endpoint.split("/", 1)[1].replace("/", " ").title(),
                    "category": category,
                    "description": f"{category.replace('-', ' ')} with {endpoint}.",
                    "status": "active" if rng.random() < 0.93 else "deprecated",
                    "tags": rng.sample(["fast", "new", "commercial", "turbo", "lora"], 2),
                    "updated_at": _iso(created + 86400),
                    "date": _iso(created),
                    **({"kind": "training" if category == "training" else "inference"} if rng.random() < 0.9 else {}),
                    "license_type": rng.choice(("commercial", "research")),
                    "model_url": f"https://fal.run/{endpoint}",
                    "thumbnail_url": f"https://fal.media/files/{index}.jpg",
                    "group": {"key": endpoint.split("/")[1], "label": endpoint.split("/")[1].title()}
                    if rng.random() < 0.6
                    else None,
                    "highlighted": False,
                    "pinned": False,
                    "is_favorited": False,
                },
            }
        )
    return {"models": items, "next_cursor": None, "has_more": False}


SHAPES: dict[str, Callable[[int, list[Base], random.Random], Any]] = {
    "openrouter": openrouter,
    "portkey": portkey,
    "featherless": featherless,
    "deepinfra": deepinfra,
    "google": google,
    "cerebras": cerebras,
    "nebius": nebius,
    "xai": xai,
    "novita": novita,
    "huggingface": huggingface,
    "chutes": chutes,
    "groq": groq,
    "fireworks": fireworks,
    "together": together,
    "aimo": aimo,
    "near": near,
    "fal": fal,
}


def items_of(slug: str, body: Any) -> list[dict[str, Any]]:
    """The item list inside a generated body, whatever the envelope."""
    if isinstance(body, list):
        return body
    for key in ("data", "models"):
        if isinstance(body.get(key), list):
            return body[key]
    raise ValueError(f"{slug}: no item list in the body")


def generate(slug: str, count: int, *, seed: int = 7) -> Any:
    """One gateway's whole list (`count` items) in its upstream's envelope."""
    return SHAPES[slug](count, head_pool(seed), random.Random(f"{seed}:{slug}"))


def generate_catalog(total: int, *, seed: int = 7, slugs: Iterable[str] | None = None) -> dict[str, Any]:
    """Every built-in gateway's body for a catalog of `total` models: in its upstream's shape, or
    the generic list (`generic`) for a built-in this file has no shape for."""
    pool = head_pool(seed)
    return {
        slug: SHAPES[slug](count, pool, random.Random(f"{seed}:{slug}"))
        if slug in SHAPES
        else generic(count, seed=seed, prefix=slug)
        for slug, count in sizes_for(total, slugs).items()
    }


# --- the generic OpenAI-compatible stand-in -------------------------------------------------


def generic(count: int, *, seed: int = 7, prefix: str = "bench") -> dict[str, Any]:
    """A plain OpenAI-compatible list with per-token prices (for the `openai_compatible` adapter,
    options `{"price_unit": "per_token"}`): stands in for an upstream whose adapter is not there."""
    rng = random.Random(f"{seed}:generic:{prefix}")
    pool = head_pool(seed)
    bases = _models(prefix, count, pool, rng, shared=0.05, kinds=("chat", "vision"))
    data = []
    for base in bases:
        ins, outs = _modalities(base)
        data.append(
            {
                "id": base.repo,
                "object": "model",
                "created": base.created,
                "owned_by": base.org.lower(),
                "name": base.name,
                "context_length": base.context,
                "pricing": {"prompt": _per_token(base.prompt_m), "completion": _per_token(base.completion_m)},
                "input_modalities": ins,
                "output_modalities": outs,
            }
        )
    return {"object": "list", "data": data}


def change_prices(slug: str, body: Any, *, fraction: float, seed: int = 7) -> tuple[Any, int]:
    """A copy of `body` with the prices of `fraction` of its items raised by 10 %. Returns the
    copy and how many items changed. Knows the price fields of the priced shapes."""
    copy = json.loads(json.dumps(body))
    items = items_of(slug, copy)
    rng = random.Random(f"{seed}:change:{slug}")
    chosen = rng.sample(range(len(items)), max(1, round(len(items) * fraction)))

    def bump(value: Any) -> Any:
        if isinstance(value, str):
            return format((Decimal(value) * Decimal("1.1")).normalize(), "f")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return round(value * 1.1 + 0.01, 6)
        return value

    changed = 0
    for index in chosen:
        item = items[index]
        if isinstance(item.get("pricing"), dict):
            for key in ("prompt", "completion", "input"):
                if key in item["pricing"]:
                    item["pricing"][key] = bump(item["pricing"][key])
            changed += 1
        elif isinstance(item.get("providers"), list):  # Hugging Face, AIMO
            for provider in item["providers"]:
                if isinstance(provider.get("pricing"), dict):
                    provider["pricing"] = {k: bump(v) for k, v in provider["pricing"].items()}
            changed += 1
        elif isinstance(item.get("metadata"), dict) and isinstance(item["metadata"].get("pricing"), dict):
            item["metadata"]["pricing"] = {k: bump(v) for k, v in item["metadata"]["pricing"].items()}
            changed += 1
    return copy, changed


# --- pagination, as each upstream does it ---------------------------------------------------


def _cursor(page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"page": page}).encode()).decode().rstrip("=")


def _page_of(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["page"])


def page(slug: str, body: Any, path: str, query: str) -> tuple[int, Any]:
    """(status, body) for one request to a gateway's fake upstream. `path` is the request path
    below the gateway's base URL; the list body is `body` (all items)."""
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    leaf = path.rstrip("/")
    if slug == "xai" and leaf.endswith(("image-generation-models", "video-generation-models")):
        return 200, {"models": []}
    if slug == "xai" and leaf.endswith("/models") and not leaf.endswith("language-models"):
        return 200, {"object": "list", "data": [{"id": m["id"], "object": "model", "created": m["created"], "owned_by": "xai"} for m in body["models"]]}  # fmt: skip
    if slug == "deepinfra" and leaf.endswith("models/list"):
        return 200, [
            {"model_name": m["id"], "type": "text-generation" if m["metadata"] else "embeddings", "reported_type": None, "tags": [],
             "description": "", "pricing": {"type": "tokens"}, "max_tokens": (m["metadata"] or {}).get("context_length"),
             "deprecated": None, "replaced_by": None, "private": 0, "quantization": None, "cover_img_url": None}
            for m in body["data"]
        ]  # fmt: skip
    if slug == "fal" and leaf.endswith("models/pricing"):
        ids = parse_qs(query).get("endpoint_id", [])
        return 200, {"prices": [{"endpoint_id": i, "unit_price": 0.025, "unit": "image", "currency": "USD"} for i in ids]}
    if not leaf.endswith("models"):
        return 404, {"error": {"message": f"no route {path}"}}
    if slug == "featherless" and "per_page" in params:
        per_page = max(100, int(params["per_page"]))
        number = max(1, int(params.get("page", 1)))
        items = body["data"]
        pages = max(1, -(-len(items) // per_page))
        chunk = items[(number - 1) * per_page : number * per_page]
        return 200, {"data": chunk, "total": len(items), "pagination": {"current_page": number, "total_pages": pages, "total_items": len(items)}}  # fmt: skip
    if slug == "google":
        size = min(1000, max(1, int(params.get("pageSize", 50))))
        start = int(params["pageToken"][1:]) if params.get("pageToken", "").startswith("p") else 0
        chunk = body["models"][start : start + size]
        out: dict[str, Any] = {"models": chunk}
        if start + size < len(body["models"]):
            out["nextPageToken"] = f"p{start + size}"
        return 200, out
    if slug == "fal":
        limit = min(100, max(1, int(params.get("limit", 100))))
        number = _page_of(params["cursor"]) if params.get("cursor") else 0
        chunk = body["models"][number * limit : (number + 1) * limit]
        more = (number + 1) * limit < len(body["models"])
        return 200, {"models": chunk, "next_cursor": _cursor(number + 1) if more else None, "has_more": more}
    if slug == "nebius" and params.get("verbose") != "true" and "verbose" not in params:
        return 200, {"object": "list", "data": [{"id": m["id"], "object": "model", "created": m["created"], "owned_by": "system"} for m in body["data"]]}  # fmt: skip
    if slug == "cerebras" and "/public/" not in path:
        return 200, {"object": "list", "data": [{"id": m["id"], "object": "model", "created": 0, "owned_by": "Cerebras"} for m in body["data"]]}  # fmt: skip
    return 200, body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a generated catalog: one upstream body per built-in gateway.")
    parser.add_argument("--size", type=int, default=REFERENCE_TOTAL, help="total models (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="folder for <slug>.json and manifest.json")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for slug, body in generate_catalog(args.size, seed=args.seed).items():
        (args.out / f"{slug}.json").write_text(json.dumps(body))
        counts[slug] = len(items_of(slug, body))
    (args.out / "manifest.json").write_text(json.dumps({"size": args.size, "seed": args.seed, "counts": counts}, indent=1))
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
