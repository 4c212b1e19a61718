"""The adapter contract.

An adapter translates one upstream's model list into `NormalizedModel` records in the OpenRouter
shape (`shared/UPSTREAMS.md`, section 1). It receives a ready client from `gateways.client` and
never touches the ORM, settings, the environment, retries or client construction.

Subclasses usually override only `normalize()`; an upstream with another envelope or with
pagination overrides `items()` or `fetch()`. `normalize()` returns a record, returns `None` for an
item that is deliberately skipped (counted as skipped, never silently), or raises `RejectItem`
(or `ValueError`) for an item that cannot be normalized: the service counts it as rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx

from catalog.limits import fit_to_storage, storage_problem
from catalog.records import NormalizedModel
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import fetch_json

__all__ = ["Adapter", "NormalizedModel", "ParseResult", "RejectItem"]

INPUT_ORDER = ("text", "image", "file", "audio", "video")
OUTPUT_ORDER = ("text", "image", "audio", "video", "embeddings", "speech", "transcription", "rerank", "3d")
MILLION = Decimal(1_000_000)


class RejectItem(ValueError):
    """This item cannot become a model record; the message says why."""


@dataclass(slots=True)
class ParseResult:
    models: list[NormalizedModel] = field(default_factory=list)
    rejected: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)  # the first few rejection reasons
    warnings: list[str] = field(default_factory=list)
    degraded_reason: str | None = None

    MAX_ERRORS: ClassVar[int] = 20

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append(reason[:300])


class Adapter:
    """Base class of every upstream adapter. Class attributes describe the upstream for the
    client builder, the admin and the generated docs."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    list_path: ClassVar[str] = "models"
    list_params: ClassVar[dict[str, Any]] = {}
    envelope_keys: ClassVar[tuple[str, ...]] = ("data",)
    requires_key: ClassVar[bool] = True
    price_unit_label: ClassVar[str] = "none in the list"
    max_body_bytes: ClassVar[int | None] = None
    max_pages: ClassVar[int] = 200
    reference: ClassVar[str] = ""

    def __init__(self, *, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        # Facts noticed while fetching or reading the envelope (a fallback taken, a total that does
        # not match); `parse()` copies them into the run's warnings.
        self.warnings: list[str] = []

    # -- configuration ------------------------------------------------------------------------

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @classmethod
    def clean_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a gateway's `options`; raise `ValueError` with a message a staff member can act
        on. The base accepts only an empty object."""
        if options:
            raise ValueError(f"{cls.label} takes no options; unknown: {', '.join(sorted(options))}")
        return {}

    # -- fetching -----------------------------------------------------------------------------

    def fetch(self, client: httpx.Client) -> list[Any]:
        """All raw items of the upstream list (every page)."""
        return self.items(fetch_json(client, self.list_path, params=self.list_params or None))

    def fetch_pages(
        self,
        client: httpx.Client,
        follow: Callable[[Any, dict[str, Any]], dict[str, Any] | str | None],
        *,
        params: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Every item of a paginated list. `follow(body, params)` names the next page: new query
        parameters (same path), an absolute or relative URL, or None on the last page. At most
        `max_pages` requests are made; a list that needs more, or a page that points at itself,
        fails the fetch rather than publishing a truncated list."""
        url: str = self.list_path
        query: dict[str, Any] | None = dict(params if params is not None else self.list_params) or None
        items: list[Any] = []
        seen: set[str] = set()
        for _ in range(self.max_pages):
            marker = f"{url}?{sorted((query or {}).items())}"
            if marker in seen:
                raise AdapterError(f"{self.label} pagination repeated a page; stopped", kind=ErrorKind.MALFORMED, permanent=True)
            seen.add(marker)
            body = fetch_json(client, url, params=query)
            items.extend(self.items(body))
            following = follow(body, dict(query or {}))
            if following is None:
                return items
            if isinstance(following, str):
                url, query = str(client.base_url.join(following)), None
            else:
                query = following
        raise AdapterError(
            f"{self.label} list has more than {self.max_pages} pages (max_pages); stopped rather than publish part of it",
            kind=ErrorKind.MALFORMED,
            permanent=True,
        )

    def items(self, body: Any) -> list[Any]:
        """The list of raw items inside one response body: the first of `envelope_keys` that holds
        a list, or the body itself when it is a bare array (people often save only that part)."""
        if isinstance(body, dict):
            for key in self.envelope_keys:
                if isinstance(body.get(key), list):
                    return body[key]
        if isinstance(body, list):
            return body
        wanted = " or ".join(repr(k) for k in self.envelope_keys)
        raise AdapterError(
            f"expected an object with a {wanted} list, got {type(body).__name__}", kind=ErrorKind.MALFORMED, permanent=True
        )

    # -- normalizing --------------------------------------------------------------------------

    def normalize(self, item: Any) -> NormalizedModel | None:
        raise NotImplementedError

    def parse(self, items: Iterable[Any]) -> ParseResult:
        """Normalize every item. Each raw item is first checked for content no column can store
        (`catalog.limits.storage_problem`), and each record is fitted to the columns
        (`catalog.limits.fit_to_storage`); what was truncated is summarized in the warnings."""
        result = ParseResult(warnings=list(self.warnings))
        seen: set[str] = set()
        fitted: dict[str, list[Any]] = {}
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise RejectItem(f"item is a {type(item).__name__}, not an object")
                problem = storage_problem(item)
                if problem:
                    raise RejectItem(f"item {problem}")
                model = self.normalize(item)
                if model is not None:
                    model, changes = fit_to_storage(model)
                    for name, original in changes.items():
                        fitted.setdefault(name, [0, model.id, original])[0] += 1
            except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
                ident = item.get("id") if isinstance(item, dict) else None
                shown = repr(ident) if len(repr(ident)) <= 80 else repr(ident)[:77] + "..."  # a hostile id can be huge
                result.reject(f"item {index} ({shown}): {exc}" if ident else f"item {index}: {exc}")
                continue
            if model is None:
                result.skipped += 1
                continue
            if model.id in seen:
                result.reject(f"item {index}: duplicate id {model.id!r}")
                continue
            seen.add(model.id)
            result.models.append(model)
        for name, (count, first_id, original) in fitted.items():
            what = (
                "cleared (too long for its column)" if original == "cleared" else f"truncated (first was {original} characters)"
            )
            result.warnings.append(f"{name} {what} in {count} model(s), first {first_id[:100]!r}; see extra.truncated")
        return result

    def enrich(self, result: ParseResult, lookup: Any) -> None:
        """Fill fields from other gateways' stored rows, by indexed lookup (`lookup` is a
        `catalog.selectors.ModelLookup`). Only Portkey needs this; the default does nothing."""

    def parse_body(self, body: Any) -> ParseResult:
        """For `import_catalog`: a saved body of the list call through the same parser."""
        return self.parse(self.items(body))


# --- helpers shared by adapters ---------------------------------------------------------------


def text(value: Any, *, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise RejectItem(f"expected a string, got {type(value).__name__}")
        value = str(value)
    value = value.strip()
    if not value:
        return None
    return value[:limit] if limit else value


def required_id(item: Mapping[str, Any], key: str = "id") -> str:
    raw = item.get(key)
    if raw is not None and not isinstance(raw, str):
        raise RejectItem(f"{key!r} is a {type(raw).__name__}, not a string")
    value = text(raw)
    if not value:
        raise RejectItem(f"no {key!r}")
    return value


def positive_int(value: Any) -> int | None:
    """Context lengths, token limits, timestamps: 0, negative or missing mean unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = Decimal(value) if not isinstance(value, int) else value
    except (InvalidOperation, TypeError):
        raise RejectItem(f"expected a number, got {value!r:.40}") from None
    if isinstance(number, Decimal) and (not number.is_finite() or number != number.to_integral_value()):
        raise RejectItem(f"expected a whole number, got {value!r:.40}")
    number = int(number)
    return number if number > 0 else None


def unix_time(value: Any) -> int | None:
    """Unix seconds from an int or an ISO-8601 string; 0 or missing is unknown."""
    if isinstance(value, str) and value.strip() and not value.strip().lstrip("-").isdigit():
        try:
            return int(datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()) or None
        except ValueError:
            raise RejectItem(f"unreadable date {value!r:.40}") from None
    return positive_int(value)


def price(value: Any) -> Decimal | None:
    """An exact, finite, non-negative decimal from a JSON number or numeric string; None if absent."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise RejectItem("a price cannot be a boolean")
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if isinstance(value, float):  # never produced by our decoder; refuse rather than guess
        raise RejectItem("price arrived as a binary float")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RejectItem(f"unreadable price {value!r:.40}") from None
    if not number.is_finite():
        raise RejectItem(f"non-finite price {value!r:.40}")
    if number < 0:
        raise RejectItem(f"negative price {value!r:.40}")
    return number


def per_million(value: Any) -> Decimal | None:
    number = price(value)
    return None if number is None else number / MILLION


def scaled(value: Any, exponent: int) -> Decimal | None:
    """`value x 10^exponent`, exactly (xAI and Novita: 0.0001 USD per 1M tokens = x 10^-10)."""
    number = price(value)
    return None if number is None else number.scaleb(exponent)


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


def fallback_modalities(model_id: str, *, chat: bool = False) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """`(inputs, outputs, modality_source)` when the upstream states no type: the keyword table,
    else unknown (or text->text when the upstream says it lists chat models only)."""
    inferred = infer_modalities(model_id, chat=chat)
    return (inferred[0], inferred[1], "inferred") if inferred else ((), (), "unknown")


def last_segment(model_id: str) -> str:
    return model_id.rstrip("/").rsplit("/", 1)[-1] or model_id


def hf_style(value: str | None) -> str | None:
    """A Hugging Face repo id has exactly the `Org/Repo` form."""
    if value and value.count("/") == 1 and not value.startswith(("@", "/", "~")) and ":" not in value:
        return value
    return None


def true_keys(value: Any) -> tuple[str, ...]:
    """A list of strings, or the true keys of an object of booleans."""
    if isinstance(value, dict):
        return tuple(sorted(str(k) for k, v in value.items() if v is True))
    if isinstance(value, list):
        return tuple(dict.fromkeys(str(v) for v in value if isinstance(v, str) and v))
    return ()


_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def author_slug(model_id: str, owned_by: Any = None) -> str | None:
    """Who made the model: the head of an `org/model` id, else a slug-like `owned_by`."""
    head = model_id.lstrip("~").split("/", 1)[0].lower() if "/" in model_id else ""
    if head and _SLUG.match(head) and head not in ("accounts", "models"):
        return head
    owner = owned_by.strip().lower() if isinstance(owned_by, str) else ""
    return owner if owner and _SLUG.match(owner) else None


def modalities_from_lists(inputs: Any, outputs: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Upstream `input_modalities`/`output_modalities` lists in our order; None unless both sides
    name something."""
    ins = ordered(inputs if isinstance(inputs, list) else (), INPUT_ORDER)
    outs = ordered(outputs if isinstance(outputs, list) else (), OUTPUT_ORDER)
    return (ins, outs) if ins and outs else None


# Feature flags upstreams state explicitly, in OpenRouter's parameter names.
_FEATURE_PARAMETERS = {
    "tools": "tools",
    "function-calling": "tools",
    "function_calling": "tools",
    "tool_choice": "tool_choice",
    "structured_outputs": "structured_outputs",
    "structured-outputs": "structured_outputs",
    "json_mode": "response_format",
    "response_format": "response_format",
    "reasoning": "reasoning",
}


def feature_parameters(features: Any) -> tuple[str, ...]:
    """OpenRouter-style `supported_parameters` from an upstream's explicit feature list (or object
    of booleans). Features without an OpenRouter equivalent are left out (the raw item keeps them)."""
    return tuple(dict.fromkeys(_FEATURE_PARAMETERS[f] for f in true_keys(features) if f in _FEATURE_PARAMETERS))


ASSUMED_PER_MILLION_FROM = Decimal("0.001")


def assumed_price(value: Any) -> tuple[Decimal | None, str | None]:
    """For upstreams whose price unit is unverified (AIMO, NEAR's old list): a value of at least
    0.001 is read as USD per 1M tokens, a smaller positive value as USD per token already. Returns
    the price and the assumed unit (None for an absent price or a 0, which needs no unit)."""
    number = price(value)
    if number is None or number == 0:
        return number, None
    if number >= ASSUMED_PER_MILLION_FROM:
        return number / MILLION, "per_1m_usd_assumed"
    return number, "per_token_usd_assumed"


def combined_unit(*units: str | None) -> str | None:
    """One `price_unit` label for a record whose prices came through one or more conversions."""
    distinct = sorted({u for u in units if u})
    return "+".join(distinct) or None


def pick(item: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The named fields of an item that are present and not null (for `extra`)."""
    return {key: item[key] for key in keys if item.get(key) is not None}


def mapping(value: Any) -> Mapping[str, Any]:
    """An object field, or an empty mapping when it is missing or not an object."""
    return value if isinstance(value, Mapping) else {}


def priced(prices: dict[str, Decimal | None], unit: str) -> tuple[dict[str, Decimal | None], str | None]:
    """`prices` with the conversion that produced them, or no unit when every price is unknown."""
    return prices, (unit if any(value is not None for value in prices.values()) else None)


def top_provider(context_length: int | None, max_completion_tokens: Any) -> dict[str, Any]:
    """OpenRouter's `top_provider` from the upstream's context and output limits."""
    return {
        "context_length": context_length,
        "max_completion_tokens": positive_int(max_completion_tokens),
        "is_moderated": None,
    }
