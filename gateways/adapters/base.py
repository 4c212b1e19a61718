"""The adapter contract, and the base that does an adapter's repeated work.

An adapter translates one upstream's model list into `NormalizedModel` records in the OpenRouter
shape (`shared/UPSTREAMS.md`, section 1). It receives a ready client from `gateways.client` and
never touches the ORM, settings, the environment, retries or client construction.

An adapter mostly *declares*: where its upstream keeps each field (`name_fields`, `price_fields`,
a dotted path or several tried in order), the price unit (`price_unit`), the envelope
(`envelope_keys`), the pagination style (`pages`), the type field and what each type means
(`type_field`, `type_modalities`), which fields to keep in `extra`. `normalize()` builds the record
from that; the hooks it calls (`prices`, `context`, `modalities`, `author`, `merge_key`, `active`)
and `refine` (the finished record, for what no declaration can say) are overridden only where an
upstream differs. `normalize()` returns a record, `None` for an item deliberately skipped (counted),
or raises `RejectItem` (or `ValueError`) for an item that cannot be normalized (counted rejected).
"""

from __future__ import annotations

import fnmatch
import re
import string
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from django.conf import settings

from catalog.limits import fit_to_storage, storage_problem
from catalog.records import NormalizedModel
from gateways.adapters.endpoints import EndpointsResult, is_endpoints_body, parse_endpoints
from gateways.adapters.modalities import fallback_modalities, modalities_from_lists, modality_string, parse_modality
from gateways.adapters.pagination import Next, Pagination
from gateways.adapters.parameters import feature_parameters, named_parameters, stated_defaults
from gateways.adapters.pricing import per_request, price_object, tiers
from gateways.adapters.values import (
    PER_TOKEN,
    ROUNDED,
    RejectItem,
    Unit,
    author_slug,
    combined_unit,
    dig,
    first,
    float_noise,
    hf_style,
    last_segment,
    lifecycle_time,
    mapping,
    positive_int,
    required_id,
    stated_top_provider,
    text,
    top_provider,
    unix_time,
)
from gateways.adapters.variants import split_variant
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import fetch_json

__all__ = ["Adapter", "Builtin", "NormalizedModel", "ParseResult", "RejectItem"]

Paths = tuple[str, ...]
Modalities = tuple[tuple[str, ...], tuple[str, ...], str]
Prices = tuple[dict[str, Decimal | None], str | None]
NO_PRICES: dict[str, Decimal | None] = {"prompt": None, "completion": None}
# The option naming the models whose per-provider endpoints a refresh also fetches (an adapter with
# an `endpoints_path`): ids or `*` patterns, comma-separated. Empty (the default): none.
ENDPOINTS_OPTION = "endpoints_models"
ENDPOINTS_SELECTION = (
    r"[A-Za-z0-9._:~*/-]+(\s*,\s*[A-Za-z0-9._:~*/-]+)*",
    'model ids or patterns with * (letters, digits, . _ : ~ / -), comma-separated, e.g. "openai/gpt-4o, anthropic/*"',
)


@dataclass(frozen=True, slots=True)
class Builtin:
    """A gateway every database gets, created by `gateways.builtins` with the adapter's `kind` as
    its slug and its `label` as its name. Staff can edit or delete the row afterwards."""

    priority: int
    min_expected_models: int
    refresh_interval_seconds: int = 3600
    stale_after_seconds: int = 3 * 3600


@dataclass(slots=True)
class ParseResult:
    models: list[NormalizedModel] = field(default_factory=list)
    rejected: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)  # the first few rejection reasons
    warnings: list[str] = field(default_factory=list)
    degraded_reason: str | None = None
    # Upstream ids of the items whose source hash a stored row already has: not normalized again
    # (`gateways.source_hash`); the publish counts them unchanged.
    unchanged: list[str] = field(default_factory=list)

    MAX_ERRORS: ClassVar[int] = 20

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append(reason[:300])


class Adapter:
    """Base class of every upstream adapter. Class attributes describe the upstream for the
    client builder, the admin and the generated docs, and declare where its fields are."""

    # -- the upstream ---------------------------------------------------------------------------
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    builtin: ClassVar[Builtin | None] = None  # a gateway every database gets; None for kinds staff add
    list_path: ClassVar[str] = "models"  # may name options in braces: "accounts/{account_id}/models"
    # The options a gateway of this kind may set: name -> (the pattern its value matches whole, what
    # that is in words). An option `list_path` names is required; a gateway without it is unconfigured.
    option_patterns: ClassVar[Mapping[str, tuple[str, str]]] = {}
    list_params: ClassVar[dict[str, Any]] = {}
    # Sibling lists fetched after the main one, their items joining it; a 404 from one is a warning,
    # any other failure fails the fetch (a transient error must not publish a list without them).
    also_list_paths: ClassVar[tuple[str, ...]] = ()
    envelope_keys: ClassVar[Paths] = ("data",)
    total_field: ClassVar[str | None] = None  # where a body states its item count: a mismatch is a warning
    pages: ClassVar[Pagination | None] = None
    requires_key: ClassVar[bool] = True
    key_header: ClassVar[tuple[str, str]] = ("Authorization", "Bearer ")  # the header and the key's prefix
    price_unit_label: ClassVar[str] = "none in the list"
    max_body_bytes: ClassVar[int | None] = None
    max_pages: ClassVar[int] = 200
    reference: ClassVar[str] = ""

    # -- where an item keeps each field (dotted paths, tried in order) ----------------------------
    id_field: ClassVar[str] = "id"
    id_prefix: ClassVar[str] = ""  # a prefix every id carries that is not part of it (Google's "models/")
    name_fields: ClassVar[Paths] = ("name", "display_name")
    description_fields: ClassVar[Paths] = ("description",)
    created_fields: ClassVar[Paths] = ("created",)
    context_fields: ClassVar[Paths] = ("context_length", "context_window", "max_model_len")
    max_output_fields: ClassVar[Paths] = ()  # declared: the record gets a `top_provider`
    hugging_face_field: ClassVar[str | None] = "hugging_face_id"
    id_is_hugging_face: ClassVar[bool] = False  # the id itself is an `Org/Repo` Hugging Face id
    owner_field: ClassVar[str | None] = "owned_by"  # None: only the id's head names the author
    sole_author: ClassVar[str | None] = None  # an upstream that serves its own models only: their author
    # {"prompt": ("pricing.prompt",), ...}; a path may carry its own unit: ("pricing.input", PER_MILLION)
    price_fields: ClassVar[Mapping[str, tuple[str | tuple[str, Unit], ...]]] = {}
    price_unit: Unit | None = None
    price_container: ClassVar[str | None] = None  # the object holding the prices: present but not an object rejects
    price_object_field: ClassVar[str | None] = None  # a pricing object in OpenRouter's shape: every key a price
    tiers_field: ClassVar[str | None] = None  # price tiers in OpenRouter's shape (`pricing.overrides`)
    top_provider_field: ClassVar[str | None] = None  # a `top_provider` object in OpenRouter's shape
    per_request_limits_field: ClassVar[str | None] = None  # an object kept as `per_request_limits`
    input_modalities_field: ClassVar[str] = "input_modalities"
    output_modalities_field: ClassVar[str] = "output_modalities"
    modality_field: ClassVar[str | None] = "architecture.modality"  # an arrow string: "text+image->text"
    tokenizer_field: ClassVar[str | None] = "architecture.tokenizer"
    instruct_type_field: ClassVar[str | None] = "architecture.instruct_type"
    type_field: ClassVar[str | None] = None
    type_modalities: ClassVar[Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    # What an item type's prices count where not their key's usual unit: {"audio": {"prompt": "character"}}.
    type_price_units: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    chat_models: bool = False  # the list holds chat models only: an unknown id is text->text
    parameter_fields: ClassVar[Paths] = ()  # OpenRouter-style parameter names (a list or booleans)
    feature_fields: ClassVar[Paths] = ()  # feature flags, mapped to parameter names
    default_parameter_fields: ClassVar[Mapping[str, str]] = {}  # {"top_p": "topP"}: stated defaults
    active_field: ClassVar[str | None] = None  # absent or null: active
    retired_field: ClassVar[str | None] = None  # a date (ISO or Unix) the model retires on: once past, inactive
    active_values: ClassVar[tuple[Any, ...] | None] = None  # the values that mean active...
    inactive_values: ClassVar[tuple[Any, ...]] = ()  # ...or the values that mean inactive
    # Lifecycle statements (dates ISO or Unix, tried in order): a flag set on a deprecated model,
    # when the model stops being served (default: `retired_field`), when its end was announced, and
    # the id the upstream names instead.
    deprecated_field: ClassVar[str | None] = None
    sunset_fields: ClassVar[Paths] = ()
    deprecated_at_fields: ClassVar[Paths] = ()
    successor_fields: ClassVar[Paths] = ()
    merge_prefix: ClassVar[str] = ""  # a gateway-only id prefix the merge base drops
    # Id suffixes that mark a separate offer of the same model: suffix -> variant (`variants.py`).
    variant_suffixes: ClassVar[Mapping[str, str]] = {}
    extra_fields: ClassVar[Paths] = ()  # fields kept in `extra` when not null, under their last name
    # (list, name, value): the item keeps fields in a list of name/value pairs (`[{"property_id": ...,
    # "value": ...}]`); every declaration and hook reads that list as an object of them instead
    # ("true"/"false" strings as booleans). `raw` keeps the item as sent.
    pairs_field: ClassVar[tuple[str, str, str] | None] = None
    # Other item shapes a saved body may hold (an older or a richer call of the same upstream), each
    # an adapter that declares that shape; the first whose `recognizes(item)` is true reads the item.
    saved_shapes: ClassVar[tuple[type[Adapter], ...]] = ()
    # An aggregator's per-model offers: the path of one model's endpoints body (`{model_id}` filled
    # in), None when the upstream has none. A refresh fetches it for the models the gateway's
    # `endpoints_models` option selects (`gateways.endpoints`), at most `max_endpoint_models` of them.
    endpoints_path: ClassVar[str | None] = None
    max_endpoint_models: ClassVar[int] = 50
    # Raised when this adapter's records change for a reason its source code does not show (the
    # source hash covers the code already, `gateways.source_hash`): every stored row renders again.
    normalization_version: ClassVar[int] = 1

    def __init__(self, *, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        # Facts noticed while fetching or reading the envelope (a fallback taken, a total that does
        # not match); `parse()` copies them into the run's warnings.
        self.warnings: list[str] = []
        self._shapes = [shape(options=options) for shape in self.saved_shapes]

    # -- configuration ------------------------------------------------------------------------

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        name, prefix = cls.key_header
        return {name: f"{prefix}{key}"}

    @classmethod
    def needs_key(cls, options: Mapping[str, Any]) -> bool:
        """Whether a gateway of this kind, with these options, may not be refreshed without its
        `GATEWAY_KEY_*`. A key that is set is sent either way."""
        return cls.requires_key

    @classmethod
    def configuration_problem(cls, options: Mapping[str, Any]) -> str | None:
        """What a gateway of this kind, with these options, lacks besides its key (an option its
        list cannot be fetched without), in words staff can act on; None when nothing. A gateway
        with a problem is unconfigured, like one without its key: not refreshed, shown as such. The
        base requires the options `list_path` names."""
        missing = [name for name in cls.path_options() if not options.get(name)]
        if not missing:
            return None
        return f'{cls.label} needs {" and ".join(missing)} in the gateway\'s options ({{"{missing[0]}": "..."}}): its list is /{cls.list_path}'

    @classmethod
    def path_options(cls) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(cls.list_path) if name)

    @classmethod
    def clean_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a gateway's `options`; raise `ValueError` with a message a staff member can act
        on. The base accepts the `allowed_options` (strings, stripped; an empty one is dropped)."""
        allowed = cls.allowed_options()
        if (unknown := sorted(set(options) - set(allowed))) and not allowed:
            raise ValueError(f"{cls.label} takes no options; unknown: {', '.join(unknown)}")
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in options.items()}
        for name, value in cleaned.items():
            pattern, meaning = allowed[name]
            if value not in (None, "") and not (isinstance(value, str) and re.fullmatch(pattern, value)):
                raise ValueError(f"{name} must be {meaning}")
        return {name: value for name, value in cleaned.items() if value not in (None, "")}

    @classmethod
    def allowed_options(cls) -> dict[str, tuple[str, str]]:
        """`option_patterns`, plus `endpoints_models` for an adapter with an `endpoints_path`."""
        return {**cls.option_patterns, **({ENDPOINTS_OPTION: ENDPOINTS_SELECTION} if cls.endpoints_path else {})}

    # -- fetching -----------------------------------------------------------------------------

    def fetch(self, client: httpx.Client) -> list[Any]:
        """All raw items of the upstream list: one request, or every page of `pages`; then the
        items of `also_list_paths`."""
        if self.pages is not None:
            items = self.fetch_pages(client, self.pages.next, params=self.pages.first(dict(self.list_params)))
        else:
            items = self.items(fetch_json(client, self.list_url(), params=self.list_params or None))
        for path in self.also_list_paths:
            try:
                items.extend(self.items(fetch_json(client, path)))
            except AdapterError as exc:
                if exc.kind != ErrorKind.NOT_FOUND:
                    raise
                self.warnings.append(f"/{path} answered 404; its models are not in this list")
        return items

    def fetch_pages(
        self,
        client: httpx.Client,
        follow: Callable[[Any, dict[str, Any]], Next],
        *,
        params: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Every item of a paginated list. `follow(body, params)` names the next page: new query
        parameters (same path), an absolute or relative URL, or None on the last page. At most
        `max_pages` requests are made (or `GATEWAY_MAX_PAGES`, when the operator set it lower); a
        list that needs more, or a page that points at itself, fails the fetch rather than
        publishing a truncated list."""
        cap, cap_name = self.max_pages, "max_pages"
        if settings.GATEWAY_MAX_PAGES < cap:
            cap, cap_name = settings.GATEWAY_MAX_PAGES, "GATEWAY_MAX_PAGES"
        url: str = self.list_url()
        query: dict[str, Any] | None = dict(params if params is not None else self.list_params) or None
        items: list[Any] = []
        seen: set[str] = set()
        for _ in range(cap):
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
            f"{self.label} list has more than {cap} pages ({cap_name}); stopped rather than publish part of it",
            kind=ErrorKind.MALFORMED,
            permanent=True,
        )

    def list_url(self) -> str:
        """`list_path` with the options it names filled in (quoted); unconfigured without them."""
        if problem := self.configuration_problem(self.options):
            raise AdapterError(problem, kind=ErrorKind.UNCONFIGURED, permanent=True)
        return self.list_path.format_map({name: quote(str(self.options[name]), safe="") for name in self.path_options()})

    def items(self, body: Any) -> list[Any]:
        """The list of raw items inside one response body: the first of `envelope_keys` that holds
        a list, or the body itself when it is a bare array (people often save only that part)."""
        if isinstance(body, dict):
            for key in self.envelope_keys:
                if isinstance(found := dig(body, key), list):
                    self._check_total(body, len(found))
                    return found
        if isinstance(body, list):
            return body
        wanted = " or ".join(repr(k) for k in self.envelope_keys)
        raise AdapterError(
            f"expected an object with a {wanted} list, got {type(body).__name__}", kind=ErrorKind.MALFORMED, permanent=True
        )

    def _check_total(self, body: dict[str, Any], sent: int) -> None:
        total = dig(body, self.total_field) if self.total_field else None
        if isinstance(total, int) and not isinstance(total, bool) and total != sent:
            self.warnings.append(
                f"{self.label} says {self.total_field}={total} but sent {sent} models (its catalog may be capped)"
            )

    # -- normalizing --------------------------------------------------------------------------

    @classmethod
    def recognizes(cls, item: Mapping[str, Any]) -> bool:
        """For a saved shape: whether `item` is one of its items."""
        return False

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        """The record the declaration describes, finished by `refine` (or by a saved shape's
        adapter, for an item in that shape)."""
        shape = next((shape for shape in self._shapes if shape.recognizes(item)), None)
        if shape is not None:
            return shape.normalize(item)
        raw, item = item, self.paired(item)
        model_id = self.model_id(item)
        prices, unit = self.prices(item)
        ins, outs, source = self.modalities(model_id, item)
        context = self.context(item)
        merge_base, variant = self.merge_key(model_id)
        model = NormalizedModel(
            id=model_id,
            name=first(item, self.name_fields, text) or last_segment(model_id),
            hugging_face_id=self.hugging_face_id(model_id, item),
            description=first(item, self.description_fields, text),
            created=first(item, self.created_fields, unix_time),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            tokenizer=text(dig(item, self.tokenizer_field)) if self.tokenizer_field else None,
            instruct_type=text(dig(item, self.instruct_type_field)) if self.instruct_type_field else None,
            pricing=prices,
            pricing_overrides=self.price_tiers(item),
            price_units=dict(self.type_price_units.get(text(dig(item, self.type_field)) or "", {})) if self.type_field else {},
            pricing_dynamic=self.priced_per_request(item),
            price_unit=unit,
            top_provider=self.top_provider(item, context),
            per_request_limits=self.per_request_limits(item),
            supported_parameters=self.parameters(item),
            default_parameters=stated_defaults(item, self.default_parameter_fields),
            provider_slug=self.author(model_id, item),
            variant=variant,
            merge_base=merge_base,
            upstream_active=self.active(item),
            **self.lifecycle(item),
            extra={path.rsplit(".", 1)[-1]: value for path in self.extra_fields if (value := dig(item, path)) is not None},
            raw=raw,
        )
        return self.refine(model, item)

    def paired(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item with its `pairs_field` list read as an object (pairs without a string name dropped)."""
        if self.pairs_field is None:
            return item
        key, name, value = self.pairs_field
        pairs = [pair for pair in item.get(key) or () if isinstance(pair, Mapping) and isinstance(pair.get(name), str)]
        flags = {"true": True, "false": False}
        return {**item, key: {pair[name]: flags.get(v, v) if isinstance(v := pair.get(value), str) else v for pair in pairs}}

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        """The finished record, for what the declaration cannot say (`dataclasses.replace`)."""
        return model

    def model_id(self, item: Mapping[str, Any]) -> str:
        stated = required_id(item, self.id_field)
        if self.id_prefix and not stated.removeprefix(self.id_prefix):
            raise RejectItem(f"{self.id_field} {stated!r} has no model id after {self.id_prefix!r}")
        return stated.removeprefix(self.id_prefix)

    def prices(self, item: Mapping[str, Any]) -> Prices:
        """`price_fields` read through `price_unit` (or a path's own unit), or every price of the
        `price_object_field`: prompt and completion always, other prices when the item has them.
        The record's unit names every conversion used; none when every price is unknown."""
        if self.price_container and not isinstance(dig(item, self.price_container), Mapping | None):
            raise RejectItem(f"{self.price_container} is not an object")
        if self.price_object_field and self.price_unit is not None:
            pricing = dig(item, self.price_object_field)
            stated = {**NO_PRICES, **price_object(pricing, self.price_unit.read)}
            known = any(value is not None for value in stated.values()) or self.priced_per_request(item)
            noisy = any(float_noise(value) for value in mapping(pricing).values())
            return stated, combined_unit(self.price_unit.label, ROUNDED if noisy else None) if known else None
        prices: dict[str, Decimal | None] = dict(NO_PRICES)
        used: list[str | None] = []
        for name, paths in self.price_fields.items():
            for entry in paths:
                path, unit = entry if isinstance(entry, tuple) else (entry, self.price_unit)
                stated = dig(item, path)
                value = unit.read(stated) if unit is not None else None
                if value is not None:
                    prices[name] = value
                    used.append(unit.label_for(stated))
                    used.append(ROUNDED if float_noise(stated) else None)
                    break
        return prices, combined_unit(*used)

    def priced_per_request(self, item: Mapping[str, Any]) -> bool:
        return self.price_object_field is not None and per_request(dig(item, self.price_object_field))

    def price_tiers(self, item: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
        if not self.tiers_field or self.price_unit is None or self.priced_per_request(item):
            return ()
        return tiers(dig(item, self.tiers_field), self.price_unit.read)

    def top_provider(self, item: Mapping[str, Any], context: int | None) -> dict[str, Any] | None:
        if self.top_provider_field:
            return stated_top_provider(dig(item, self.top_provider_field))
        return top_provider(context, first(item, self.max_output_fields, positive_int)) if self.max_output_fields else None

    def per_request_limits(self, item: Mapping[str, Any]) -> dict[str, Any] | None:
        limits = dig(item, self.per_request_limits_field) if self.per_request_limits_field else None
        return dict(limits) if isinstance(limits, Mapping) else None

    def context(self, item: Mapping[str, Any]) -> int | None:
        return first(item, self.context_fields, positive_int)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        """Stated lists first, then a stated arrow string, then what the item's type means, then
        the id (UPSTREAMS.md 1.6)."""
        stated = modalities_from_lists(dig(item, self.input_modalities_field), dig(item, self.output_modalities_field))
        if not stated and self.modality_field:
            stated = parse_modality(text(dig(item, self.modality_field)))
        if stated:
            return stated[0], stated[1], "upstream"
        if self.type_field is not None:
            typed = self.type_modalities.get(text(dig(item, self.type_field)) or "")
            if typed:
                return typed[0], typed[1], "upstream"
        return fallback_modalities(model_id, chat=self.chat_models)

    def hugging_face_id(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        if self.id_is_hugging_face:
            return hf_style(model_id)
        return hf_style(text(dig(item, self.hugging_face_field))) if self.hugging_face_field else None

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        if self.sole_author:
            return self.sole_author
        return author_slug(model_id, dig(item, self.owner_field) if self.owner_field else None)

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        named = [name for path in self.parameter_fields for name in named_parameters(dig(item, path))]
        mapped = [name for path in self.feature_fields for name in feature_parameters(dig(item, path))]
        return tuple(dict.fromkeys(named + mapped))

    def merge_key(self, model_id: str) -> tuple[str, str | None]:
        """(merge base, variant): the id without `merge_prefix`, split at a `variant_suffixes` suffix;
        a provider's own bare id carries the provider (`gemini-2.5-pro` at Google is `google/...`)."""
        base, variant = split_variant(
            model_id.removeprefix(self.merge_prefix) if self.merge_prefix else model_id, self.variant_suffixes
        )
        if self.sole_author and "/" not in base:
            base = f"{self.sole_author}/{base}"
        return base, variant

    def lifecycle(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The record's `deprecated`, `deprecated_at`, `sunset_at` and `successor` from the declarations."""
        sunset = first(item, self.sunset_fields or ((self.retired_field,) if self.retired_field else ()), lifecycle_time)
        announced = first(item, self.deprecated_at_fields, lifecycle_time)
        flagged = self.deprecated_field is not None and dig(item, self.deprecated_field) is True
        return {
            "deprecated": flagged or sunset is not None or announced is not None,
            "deprecated_at": announced,
            "sunset_at": sunset,
            "successor": first(item, self.successor_fields, text),
        }

    def active(self, item: Mapping[str, Any]) -> bool:
        retired = unix_time(dig(item, self.retired_field)) if self.retired_field else None
        if retired is not None and retired <= time.time():
            return False
        value = dig(item, self.active_field) if self.active_field else None
        if value is None:
            return True
        return value in self.active_values if self.active_values is not None else value not in self.inactive_values

    def volatile(self, item: dict[str, Any]) -> Any:
        """What of an item's record depends on the time rather than the item: whether it is active
        now (a retirement date passes). Hashed with the item (`gateways.source_hash`)."""
        shape = next((shape for shape in self._shapes if shape.recognizes(item)), None)
        if shape is not None:
            return shape.volatile(item)
        try:
            return self.active(self.paired(item))
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            return "unreadable"

    def parse(
        self,
        items: Iterable[Any],
        *,
        known: Mapping[str, str] | None = None,
        hasher: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> ParseResult:
        """Normalize every item. Each raw item is first checked for content no column can store
        (`catalog.limits.storage_problem`), and each record is fitted to the columns
        (`catalog.limits.fit_to_storage`); what was truncated is summarized in the warnings.

        With a `hasher` (item -> source hash, `gateways.source_hash`), each record carries its
        item's hash; an item whose hash is in `known` (source hash -> the upstream id of the
        stored row rendered from it) is not checked or normalized again: its id joins
        `unchanged`."""
        result = ParseResult(warnings=list(self.warnings))
        seen: set[str] = set()
        fitted: dict[str, list[Any]] = {}
        known = known or {}
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise RejectItem(f"item is a {type(item).__name__}, not an object")
                digest = hasher(item) if hasher is not None else None
                stored_id = known.get(digest) if digest is not None else None
                if stored_id is not None and stored_id not in seen:
                    seen.add(stored_id)
                    result.unchanged.append(stored_id)
                    continue
                problem = storage_problem(item)
                if problem:
                    raise RejectItem(f"item {problem}")
                model = self.normalize(item)
                if model is not None:
                    model, changes = fit_to_storage(model)
                    if digest is not None:
                        model = replace(model, source_hash=digest)
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

    # -- per-model endpoints (docs/adapters.md, "OpenRouter endpoints") -------------------------

    def endpoint_models(self, model_ids: Iterable[str]) -> tuple[list[str], int]:
        """The ids (of a fetched list) whose endpoints a refresh fetches: those the
        `endpoints_models` option names or matches (`*` patterns, case-insensitive), in list
        order, at most `max_endpoint_models`; and how many more matched past that cap."""
        stated = str(self.options.get(ENDPOINTS_OPTION) or "")
        patterns = [p.strip().lower() for p in stated.split(",") if p.strip()]
        if not self.endpoints_path or not patterns:
            return [], 0
        chosen = [m for m in dict.fromkeys(model_ids) if any(fnmatch.fnmatchcase(m.lower(), p) for p in patterns)]
        return chosen[: self.max_endpoint_models], max(0, len(chosen) - self.max_endpoint_models)

    def endpoints_url(self, model_id: str) -> str:
        assert self.endpoints_path is not None
        return self.endpoints_path.format(model_id=quote(model_id, safe="/:~"))

    def is_endpoints_body(self, body: Any) -> bool:
        """Whether a saved body is a per-model endpoints body this adapter reads (`import_catalog`)."""
        return self.endpoints_path is not None and is_endpoints_body(body)

    def parse_endpoints(self, body: Any) -> EndpointsResult:
        """One model's endpoints body (`gateways.adapters.endpoints`), in the list's price unit."""
        return parse_endpoints(body, self.price_unit or PER_TOKEN)

    def parse_body(self, body: Any) -> ParseResult:
        """For `import_catalog`: a saved body of the list call through the same parser."""
        return self.parse(self.items(body))
