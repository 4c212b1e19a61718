"""The adapter contract.

An adapter translates one upstream's model list into `NormalizedModel` records in the OpenRouter
shape (`shared/UPSTREAMS.md`, section 1). It receives a ready client from `gateways.http` and
never touches the ORM, settings, the environment, retries or client construction.

Subclasses usually override only `normalize()`; an upstream with another envelope or with
pagination overrides `items()` or `fetch()`. `normalize()` returns a record, returns `None` for an
item that is deliberately skipped (counted as skipped, never silently), or raises `RejectItem`
(or `ValueError`) for an item that cannot be normalized: the service counts it as rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx

from catalog.records import NormalizedModel
from gateways.http import AdapterError, ErrorKind, fetch_json

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
    requires_key: ClassVar[bool] = True
    price_unit_label: ClassVar[str] = "none in the list"
    max_body_bytes: ClassVar[int | None] = None
    max_pages: ClassVar[int] = 200
    reference: ClassVar[str] = ""

    def __init__(self, *, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})

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

    def items(self, body: Any) -> list[Any]:
        """The list of raw items inside one response body."""
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            return body["data"]
        if isinstance(body, list):
            return body
        raise AdapterError(
            f"expected an object with a 'data' list, got {type(body).__name__}", kind=ErrorKind.MALFORMED, permanent=True
        )

    # -- normalizing --------------------------------------------------------------------------

    def normalize(self, item: Any) -> NormalizedModel | None:
        raise NotImplementedError

    def parse(self, items: Iterable[Any]) -> ParseResult:
        result = ParseResult()
        seen: set[str] = set()
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise RejectItem(f"item is a {type(item).__name__}, not an object")
                model = self.normalize(item)
            except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
                ident = item.get("id") if isinstance(item, dict) else None
                result.reject(f"item {index} ({ident!r}): {exc}" if ident else f"item {index}: {exc}")
                continue
            if model is None:
                result.skipped += 1
                continue
            if model.id in seen:
                result.reject(f"item {index}: duplicate id {model.id!r}")
                continue
            seen.add(model.id)
            result.models.append(model)
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
