"""Reads of the stored catalog: lookups for adapters, and the REST read path (lists, one model,
providers, changes). Database reads only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import Lower

from catalog import identity
from catalog.merge import merge_documents, partition
from catalog.model_aliases import alias_target
from catalog.models import AIModel, MergedModel, ModelChange, ModelEndpoint


class ModelLookup:
    """Indexed lookups of stored models for adapters that fill data from other gateways' rows at
    refresh time (Portkey). Database reads only, in chunks of indexed `IN` queries; no live calls,
    no N x M scans."""

    CHUNK = 500
    FIELDS = (
        "upstream_id",
        "canonical_key",
        "pricing",
        "price_unit",
        "context_length",
        "input_modalities",
        "output_modalities",
        "modality",
        "modality_source",
        "provider_slug",
        "gateway__slug",
    )

    def by_gateway_ids(self, *, gateway_kind: str, upstream_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of the gateway(s) of `gateway_kind`, keyed by lower-cased upstream id.

        Ids are compared case-insensitively: an exact match is looked up first (the
        `(gateway, is_active, upstream_id)` index), then the remaining ids by their lower-cased form
        against the indexed `canonical_key`, which is the lower-cased id for most rows."""
        ids = sorted(set(upstream_ids))
        found: dict[str, dict[str, Any]] = {}
        rows = AIModel.objects.filter(gateway__kind=gateway_kind, is_active=True).order_by("-gateway__priority", "pk")
        for start in range(0, len(ids), self.CHUNK):
            for row in rows.filter(upstream_id__in=ids[start : start + self.CHUNK]).values(*self.FIELDS):
                found.setdefault(row["upstream_id"].lower(), row)
        missing = sorted({i.lower() for i in ids} - set(found))
        for start in range(0, len(missing), self.CHUNK):
            chunk = set(missing[start : start + self.CHUNK])
            for row in rows.filter(canonical_key__in=chunk).values(*self.FIELDS):
                lowered = row["upstream_id"].lower()
                if lowered in chunk:
                    found.setdefault(lowered, row)
        return found

    def by_canonical_keys(self, *, gateway_kind: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of `gateway_kind` whose merge key is in `keys`, keyed by merge key."""
        wanted = sorted(set(keys))
        found: dict[str, dict[str, Any]] = {}
        rows = AIModel.objects.filter(gateway__kind=gateway_kind, is_active=True).order_by("-gateway__priority", "pk")
        for start in range(0, len(wanted), self.CHUNK):
            for row in rows.filter(canonical_key__in=wanted[start : start + self.CHUNK]).values(*self.FIELDS):
                found.setdefault(row["canonical_key"], row)
        return found


# --- the REST read path -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelFilters:
    """What `GET /catalog/v1/models` and `GET /v1/models` filter and sort on. `gateway` is a slug
    (that gateway's active rows) or `all` (the merged entries; prices there are the lowest across
    offers)."""

    gateway: str = "all"
    providers: tuple[str, ...] = ()
    q: str = ""
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    supported_parameters: tuple[str, ...] = ()
    min_context: int | None = None
    max_prompt_price: Decimal | None = None
    max_completion_price: Decimal | None = None
    free: bool | None = None
    announced_end: bool | None = None  # True: only models whose upstream announced an end (`sunset_at`)
    has_disagreement: bool | None = None  # `catalog.provenance.disagreements`
    sort: str = ""
    # The gateway's primary key when the caller knows it (the API does): filtering on the id, not
    # on a join by slug, lets PostgreSQL use the gateway's own row estimate and the
    # (gateway, is_active, upstream_id) index, instead of reading every row of every gateway.
    gateway_id: int | None = None

    def cache_key_part(self) -> str:
        return repr(tuple((name, getattr(self, name)) for name in self.__slots__))

    @property
    def unfiltered(self) -> bool:
        """Every row of the list (any order): its total is the one stored with the version."""
        ignored = ("gateway", "gateway_id", "sort")
        return not any(getattr(self, name) not in (None, "", ()) for name in self.__slots__ if name not in ignored)


@dataclass(frozen=True, slots=True)
class ModelPage:
    total: int
    fragments: list[str]  # stored JSON documents, in order


def model_list(*, filters: ModelFilters) -> QuerySet[Any]:
    """The filtered, ordered rows (`AIModel` for one gateway, `MergedModel` for `all`)."""
    if filters.gateway == "all":
        queryset: QuerySet[Any] = MergedModel.objects.all()
        id_field = "model_id"
    elif filters.gateway_id is not None:
        queryset = AIModel.objects.filter(gateway_id=filters.gateway_id, is_active=True)
        id_field = "upstream_id"
    else:
        queryset = AIModel.objects.filter(gateway__slug=filters.gateway, is_active=True)
        id_field = "upstream_id"
    if filters.providers:
        queryset = queryset.filter(provider_slug__in=filters.providers)
    if filters.q:
        queryset = queryset.filter(
            Q(**{f"{id_field}__icontains": filters.q}) | Q(name__icontains=filters.q) | Q(description__icontains=filters.q)
        )
    for column, values in (
        ("input_modalities_text", filters.input_modalities),
        ("output_modalities_text", filters.output_modalities),
        ("supported_parameters_text", filters.supported_parameters),
    ):
        for value in values:  # the columns are comma-wrapped and lower-case: ",text,image,"
            queryset = queryset.filter(**{f"{column}__contains": f",{value},"})
    if filters.min_context is not None:
        queryset = queryset.filter(context_length__gte=filters.min_context)
    if filters.max_prompt_price is not None:
        queryset = queryset.filter(prompt_price__lte=filters.max_prompt_price)
    if filters.max_completion_price is not None:
        queryset = queryset.filter(completion_price__lte=filters.max_completion_price)
    if filters.free is not None:
        # Placeholder zeros of video or rerank models are not "free" (is_free says so at publish time).
        free = Q(is_free=True, prompt_price=0, completion_price=0)
        queryset = queryset.filter(free) if filters.free else queryset.exclude(free)
    if filters.announced_end:
        queryset = queryset.filter(sunset_at__isnull=False)
    if filters.has_disagreement is not None:
        if filters.gateway == "all":
            disagreeing = Q(has_disagreement=True)
        else:  # the rows whose entry has a disagreement this gateway's offers take part in
            entries = MergedModel.objects.filter(
                has_disagreement=True, disagreeing_gateways_text__contains=f",{filters.gateway},"
            )
            disagreeing = Q(canonical_key__in=entries.values("merge_key"))
        queryset = queryset.filter(disagreeing) if filters.has_disagreement else queryset.exclude(disagreeing)
    return queryset.order_by(*_ordering(filters.sort, id_field))


def disagreement(gateway: str) -> Q:
    """The entries (`all`) with a disagreement, or a gateway's rows whose entry has one that the
    gateway's offers take part in (`catalog.provenance`)."""
    if gateway == "all":
        return Q(has_disagreement=True)
    entries = MergedModel.objects.filter(has_disagreement=True, disagreeing_gateways_text__contains=f",{gateway},")
    return Q(canonical_key__in=entries.values("merge_key"))


def _ordering(sort: str, id_field: str) -> list[Any]:
    if not sort:
        return [id_field, "pk"]
    field = sort.removeprefix("-")
    expression = {"id": F(id_field), "name": Lower("name")}.get(field, F(field))
    # Unknown values (null) sort last in both directions; the id then the row break ties.
    primary = expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc(nulls_last=True)
    return [primary, id_field, "pk"]


def model_page(*, filters: ModelFilters, offset: int, limit: int | None, column: str, total: int | None = None) -> ModelPage:
    """One page of stored JSON fragments (`column` is `public_json` or `openai_json`) and the total.
    One query whatever the page size: the total is given (an unfiltered list's, stored with the
    catalog version) or counted in the same pass; a second one only for a page past the end."""
    queryset = model_list(filters=filters)
    end = None if limit is None else offset + limit
    if total is None and limit != 0:
        # A filtered list: one pass counts the matches and takes the page (a window count);
        # only a page past the end needs a second query to know the total.
        rows = list(queryset.annotate(matches=Window(Count("pk"))).values_list(column, "matches")[offset:end])
        if rows:
            return ModelPage(total=rows[0][1], fragments=[row[0] for row in rows])
        return ModelPage(total=queryset.count() if offset else 0, fragments=[])
    if total is None:
        total = queryset.count()
    if limit == 0 or offset >= total:
        return ModelPage(total=total, fragments=[])
    return ModelPage(total=total, fragments=list(queryset.values_list(column, flat=True)[offset:end]))


def endpoints_by_row(row_pks: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The stored per-provider endpoint offers (`catalog.endpoints`) of the given `AIModel` rows, by row, in provider order."""
    found: dict[int, list[dict[str, Any]]] = {}
    pks = list(row_pks)
    for start in range(0, len(pks), 500):
        rows = ModelEndpoint.objects.filter(ai_model_id__in=pks[start : start + 500]).order_by("ai_model_id", "provider")
        for pk, text in rows.values_list("ai_model_id", "public_json"):
            found.setdefault(pk, []).append(orjson.loads(text))
    return found


@dataclass(slots=True)
class ResolvedModel:
    gateway: str
    matched_by: str  # id | upstream_id | merge_key
    public_json: str
    openai_json: str
    offers: list[dict[str, Any]]  # gateway, id, provider_slug, pricing, pricing_dynamic, context_length


def model_resolve(*, model_id: str, gateway: str) -> ResolvedModel | None:
    """Find one model by its id (case-insensitive) or its merge key: the merged entry for `all`
    (matched by entry id, by any offer's upstream id, or by merge key), else that gateway's row."""
    wanted = model_id.strip().lower()
    if not wanted or "\x00" in wanted or len(wanted) > 1000:  # no stored id looks like that (and PostgreSQL refuses NUL)
        return None
    if gateway == "all":
        return _resolve_merged(model_id.strip(), wanted)
    return _resolve_row(model_id.strip(), wanted, gateway)


def _exact_first(candidates: list[dict[str, Any]], field: str, model_id: str) -> dict[str, Any]:
    return next((c for c in candidates if c[field] == model_id), candidates[0])


def _resolve_merged(model_id: str, wanted: str) -> ResolvedModel | None:
    fields = ("canonical_key", "model_id", "public_json", "openai_json")
    matched_by = "id"
    candidates = list(
        MergedModel.objects.annotate(model_id_lower=Lower("model_id"))
        .filter(model_id_lower=wanted)
        .order_by("canonical_key")
        .values(*fields)[:10]
    )
    if not candidates:
        matched_by = "merge_key"
        candidates = list(MergedModel.objects.filter(canonical_key=wanted).values(*fields)[:1])
    if candidates:
        entry = _exact_first(candidates, "model_id", model_id)
    else:
        matched_by = "upstream_id"
        rows = list(
            AIModel.objects.annotate(upstream_id_lower=Lower("upstream_id"))
            .filter(upstream_id_lower=wanted, is_active=True, gateway__enabled=True)
            .order_by("-gateway__priority", "gateway__slug", "upstream_id")
            .values("canonical_key", "upstream_id", "gateway__slug")[:10]
        )
        if not rows:
            return _resolve_other_name(wanted, fields)
        row = _exact_first(rows, "upstream_id", model_id)
        siblings = list(MergedModel.objects.filter(merge_key=row["canonical_key"]).order_by("canonical_key").values(*fields))
        entry = next(
            (
                sibling
                for sibling in siblings
                if any(
                    offer["gateway"] == row["gateway__slug"] and offer["id"] == row["upstream_id"]
                    for offer in orjson.loads(sibling["public_json"]).get("offers", ())
                )
            ),
            None,
        )
        if entry is None:
            return None
    document = orjson.loads(entry["public_json"])
    return ResolvedModel(
        gateway="all",
        matched_by=matched_by,
        public_json=entry["public_json"],
        openai_json=entry["openai_json"],
        offers=list(document.get("offers", ())),
    )


def _resolve_other_name(wanted: str, fields: tuple[str, ...]) -> ResolvedModel | None:
    """Another name of a model (`catalog.identity`): another spelling of its key, or an alias."""
    key = identity.spelled(wanted)
    target, matched_by = (key, "merge_key") if key != wanted else (None, "")
    entry = MergedModel.objects.filter(canonical_key=target).values(*fields).first() if target else None
    if entry is None:
        target, matched_by = alias_target(key), "alias"
        entry = MergedModel.objects.filter(canonical_key=target).values(*fields).first() if target else None
    if entry is None:
        return None
    return ResolvedModel(
        gateway="all",
        matched_by=matched_by,
        public_json=entry["public_json"],
        openai_json=entry["openai_json"],
        offers=list(orjson.loads(entry["public_json"]).get("offers", ())),
    )


def _resolve_row(model_id: str, wanted: str, gateway: str) -> ResolvedModel | None:
    rows = AIModel.objects.filter(gateway__slug=gateway, is_active=True)
    fields = ("pk", "upstream_id", "canonical_key", "public_json", "openai_json")
    matched_by = "id"
    candidates = list(rows.annotate(upstream_id_lower=Lower("upstream_id")).filter(upstream_id_lower=wanted).values(*fields)[:10])
    if not candidates:
        matched_by = "merge_key"
        candidates = list(rows.filter(canonical_key=wanted).order_by("upstream_id").values(*fields)[:1])
    if not candidates:
        return None
    row = _exact_first(candidates, "upstream_id", model_id)
    others = list(
        AIModel.objects.filter(canonical_key=row["canonical_key"], is_active=True)
        .filter(Q(gateway__enabled=True) | Q(pk=row["pk"]))
        .order_by("-gateway__priority", "gateway__slug", "upstream_id")
        .values_list("pk", "gateway__slug", "public_json")
    )
    endpoints = endpoints_by_row(pk for pk, _, _ in others)
    documents = [(slug, {**orjson.loads(text), "endpoints": endpoints.get(pk) or []}) for pk, slug, text in others]
    position = next(index for index, (pk, _, _) in enumerate(others) if pk == row["pk"])
    members = next(group for group in partition(documents) if position in group)
    offers = merge_documents([documents[i] for i in members])["offers"]
    return ResolvedModel(
        gateway=gateway,
        matched_by=matched_by,
        public_json=row["public_json"],
        openai_json=row["openai_json"],
        offers=offers,
    )


@dataclass(frozen=True, slots=True)
class RemovedModel:
    """A model the catalog removed (missing from its list past the grace period, `catalog.lifecycle`)."""

    model_id: str  # the upstream id it had
    gateway: str
    removed_at: datetime | None
    successor: str | None  # the id its upstream named instead (or its alias target), if any


def model_removed(*, model_id: str, gateway: str) -> RemovedModel | None:
    """The removed model a detail read asked for, when no served one matches: an inactive row
    with that upstream id (case-insensitive) or merge key, of that gateway (or, for `all`, of any
    enabled one); the latest removed first."""
    wanted = model_id.strip().lower()
    if not wanted or "\x00" in wanted or len(wanted) > 1000:
        return None
    rows = AIModel.objects.filter(is_active=False)
    rows = rows.filter(gateway__enabled=True) if gateway == "all" else rows.filter(gateway__slug=gateway)
    fields = ("pk", "upstream_id", "gateway__slug", "public_json", "updated_at")
    candidates = list(rows.annotate(upstream_id_lower=Lower("upstream_id")).filter(upstream_id_lower=wanted).values(*fields)[:10])
    if not candidates:
        candidates = list(rows.filter(canonical_key=wanted).values(*fields)[:10])
    if not candidates:
        return None
    removals = dict(
        ModelChange.objects.filter(ai_model_id__in=[row["pk"] for row in candidates], kind=ModelChange.Kind.REMOVED)
        .values_list("ai_model_id")
        .annotate(latest=Max("recorded_at"))
        .order_by()
    )
    # Without a recorded removal (none is expected), its last write tells when.
    row = max(candidates, key=lambda row: (removals.get(row["pk"]) or row["updated_at"], row["upstream_id"]))
    document = orjson.loads(row["public_json"])
    return RemovedModel(
        model_id=row["upstream_id"],
        gateway=row["gateway__slug"],
        removed_at=removals.get(row["pk"]) or row["updated_at"],
        successor=(document.get("deprecation") or {}).get("successor") or document.get("alias_target"),
    )


def model_offers(*, model_id: str, gateway: str) -> tuple[str, list[tuple[int, str, str]]] | None:
    """The model's id and the stored rows (offers: primary key, gateway slug, upstream id) whose
    price history it has, highest priority first: its offers today (`model_resolve`; for a slug,
    that gateway's record), else, for a model no longer listed, every stored row (of that gateway)
    with that id or merge key. None when there is none."""
    resolved = model_resolve(model_id=model_id, gateway=gateway)
    rows = AIModel.objects.all() if gateway == "all" else AIModel.objects.filter(gateway__slug=gateway)
    if resolved is not None:
        served_id = orjson.loads(resolved.public_json)["id"]
        wanted = {(o["gateway"], o["id"]) for o in resolved.offers} if gateway == "all" else {(gateway, served_id)}
        rows = rows.filter(upstream_id__in={upstream_id for _, upstream_id in wanted})
    else:
        lowered = model_id.strip().lower()
        if not lowered or "\x00" in lowered or len(lowered) > 1000:
            return None
        rows = rows.annotate(upstream_id_lower=Lower("upstream_id")).filter(
            Q(upstream_id_lower=lowered) | Q(canonical_key=lowered)
        )
    ordered = rows.order_by("-gateway__priority", "gateway__slug", "upstream_id").values_list(
        "pk", "gateway__slug", "upstream_id"
    )
    offers = [row for row in ordered[:100] if resolved is None or (row[1], row[2]) in wanted]
    if not offers:
        return None
    return (served_id if resolved is not None else offers[0][2]), offers


def provider_list() -> list[dict[str, Any]]:
    """Providers (model authors) with their active model count per gateway, by slug. The display
    name is the most common `Name: ...` prefix of their models' names (OpenRouter's convention),
    else the slug."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        AIModel.objects.filter(is_active=True, provider_slug__isnull=False)
        .exclude(provider_slug="")
        .values_list("provider_slug", "gateway__slug")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for provider, gateway, count in rows:
        counts.setdefault(provider, {})[gateway] = count
    prefixes: dict[str, Counter[str]] = {}
    named = AIModel.objects.filter(is_active=True, provider_slug__in=list(counts), name__contains=": ")
    for provider, name in named.values_list("provider_slug", "name").iterator(chunk_size=2000):
        prefix = name.split(": ", 1)[0].strip()
        if prefix:
            prefixes.setdefault(provider, Counter())[prefix] += 1
    result = []
    for provider in sorted(counts):
        seen = prefixes.get(provider)
        name = min(seen.items(), key=lambda item: (-item[1], item[0]))[0] if seen else provider
        per_gateway = dict(sorted(counts[provider].items()))
        result.append({"slug": provider, "name": name, "model_count": sum(per_gateway.values()), "gateways": per_gateway})
    return result


@dataclass(frozen=True, slots=True)
class ChangeFilters:
    """What the change feed (`GET /catalog/v1/changes`, `.atom`) filters on. Several `models` or
    `components` match any of them; the filters combine with AND."""

    gateway: str = "all"
    since: datetime | None = None
    kind: str = ""
    models: tuple[str, ...] = ()  # lower-cased upstream ids
    components: tuple[str, ...] = ()
    min_change_percent: Decimal | None = None

    def cache_key_part(self) -> str:
        return repr(tuple((name, getattr(self, name)) for name in self.__slots__))


@dataclass(frozen=True, slots=True)
class ChangePage:
    data: list[dict[str, Any]]
    has_more: bool
    total: int | None  # offset paging only
    next_position: int  # the cursor position after this page (`catalog.cursor`)


CHANGE_FIELDS = (
    "id",
    "gateway__slug",
    "upstream_id",
    "kind",
    "before",
    "after",
    "components_text",
    "change_percent",
    "recorded_at",
)


def change_list(*, filters: ChangeFilters) -> QuerySet[ModelChange]:
    """The recorded changes that match `filters`, in no particular order."""
    queryset = ModelChange.objects.all()
    if filters.gateway != "all":
        queryset = queryset.filter(gateway__slug=filters.gateway)
    if filters.since is not None:
        queryset = queryset.filter(recorded_at__gte=filters.since)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.models:  # the `change_model_lower` index
        queryset = queryset.alias(upstream_id_lower=Lower("upstream_id")).filter(upstream_id_lower__in=filters.models)
    if filters.components:  # comma-wrapped: ",input_token,output_token,"
        any_of = Q()
        for component in filters.components:
            any_of |= Q(components_text__contains=f",{component},")
        queryset = queryset.filter(any_of)
    if filters.min_change_percent is not None:
        queryset = queryset.filter(change_percent__gte=filters.min_change_percent)
    return queryset


def change_head() -> int:
    """The position after every change committed so far (as of this read's snapshot): ids are
    allocated in commit order, so a cursor here misses nothing committed later."""
    return ModelChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def change_page(*, filters: ChangeFilters, offset: int, limit: int) -> ChangePage:
    """Offset paging, newest first (ties by id descending), with the total; `next_position` is the
    head of the feed, where a reader who has seen this list goes on from (read first: outside one
    snapshot a change committed meanwhile could come twice, never be missed)."""
    head = change_head()
    queryset = change_list(filters=filters)
    total = queryset.count()
    rows = (
        [] if offset >= total else list(queryset.order_by("-recorded_at", "-id").values(*CHANGE_FIELDS)[offset : offset + limit])
    )
    return ChangePage(
        data=[change_item(row) for row in rows], has_more=offset + len(rows) < total, total=total, next_position=head
    )


def change_cursor_page(*, filters: ChangeFilters, after: int, limit: int, offset: int = 0) -> ChangePage:
    """The changes after position `after` (skipping `offset` of them), oldest first (commit order). Past the last page the
    position moves on to the head of the feed, so a filtered reader does not scan the same
    non-matching changes again at its next poll. The head is read first and bounds the page, so
    the page and the position agree even outside one snapshot (PostgreSQL's READ COMMITTED)."""
    head = change_head()
    matching = change_list(filters=filters).filter(id__gt=after, id__lte=head)
    rows = list(matching.order_by("id").values(*CHANGE_FIELDS)[offset : offset + limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = rows[-1]["id"] if has_more else max(after, head)
    return ChangePage(data=[change_item(row) for row in rows], has_more=has_more, total=None, next_position=position)


def change_feed(*, filters: ChangeFilters, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` matching changes, newest first (the Atom feed: no total to count)."""
    rows = change_list(filters=filters).order_by("-recorded_at", "-id").values(*CHANGE_FIELDS)[:limit]
    return [change_item(row) for row in rows]


def change_item(row: dict[str, Any]) -> dict[str, Any]:
    percent = row["change_percent"]
    return {
        "id": row["id"],
        "gateway": row["gateway__slug"],
        "model_id": row["upstream_id"],
        "kind": row["kind"],
        "before": row["before"],
        "after": row["after"],
        "components": [name for name in row["components_text"].split(",") if name],
        "change_percent": None if percent is None else f"{Decimal(percent).normalize():f}",
        "recorded_at": row["recorded_at"].isoformat(),
    }


def stored_source_hashes(*, gateway_id: int) -> dict[str, str]:
    """source hash -> upstream id of `gateway`'s rows served as listed (active, not marked
    missing) that know the hash of the item they were rendered from (`AIModel.source_hash`). A
    row served marked missing is left out: its return renders it again."""
    rows = AIModel.objects.filter(
        gateway_id=gateway_id, is_active=True, missing_since__isnull=True, source_hash__isnull=False
    ).values_list("source_hash", "upstream_id")
    return dict(rows.iterator(chunk_size=5000))
