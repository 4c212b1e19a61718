"""Reads of the catalog as it stood at an instant (`at=`), from the spans `catalog.history` keeps.

What `at` changes is what the spans record: which offers were listed then (`ListingSpan`) and
their prices then (`PriceSpan`). Every other field (names, context, modalities...) is today's
stored one, and `gateway=all` merges today's enabled gateways (docs/design.md, "Price history").

- `answers_today(at)`: nothing changed after `at` (it is at or after the last publish that wrote
  anything), so the current tables are the catalog then and the ordinary read path answers, at
  its own speed. An `at` in the future always is.
- Otherwise only what changed since `at` is rebuilt (`model_page_at`): the rows with a span
  opened or closed after it are read as listed and priced then, each row's stored document is
  given those prices (`document_then`), `gateway=all` entries with such a row are merged from them
  with `catalog.merge` exactly as a publish merges, and the list's filters and sort are applied to
  those documents here (prices then; other fields as stored). Every other entry is today's, read
  through `selectors.model_list` (filtered, sorted and paged in SQL), and the two are merged in
  one order. A read of a recent past costs little more than a read of today.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cmp_to_key
from itertools import islice
from operator import itemgetter
from typing import Any

import orjson
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from catalog import cache
from catalog.cost import Workload
from catalog.cost_ranking import CostPage, CostRow, document_row, ranked_rows
from catalog.history import covering, served_entry
from catalog.merge import entry_key, merge_documents, partition
from catalog.models import AIModel, CatalogVersion, ListingSpan, PriceSpan
from catalog.prices import COMPONENTS, KEYS, OTHER_UNITS
from catalog.provenance import origin
from catalog.render import dumps, openai_document
from catalog.selectors import ModelFilters, ModelPage, ResolvedModel, disagreement, model_list

ROW_FIELDS = ("pk", "canonical_key", "variant", "gateway__slug", "upstream_id", "public_json", "source_run_id", "updated_at")
ROW_ORDER = ("canonical_key", "-gateway__priority", "gateway__slug", "upstream_id")
# (component, unit) -> the OpenRouter pricing key it is served under; a component that counts
# another unit than its key's (`OTHER_UNITS`) is served as null under that key (`served_pricing`).
PRICING_KEY = {value: key for key, value in KEYS.items()}
NULLED_KEY = {component: key for (key, _), component in OTHER_UNITS.items()}
COMPONENT_ORDER = {name: index for index, name in enumerate(COMPONENTS)}


def answers_today(at: datetime) -> bool:
    """Whether the current tables are the catalog at `at`: every span was written by a publish
    that also stamped the catalog version, so no span starts or ends after its `updated_at`."""
    updated = CatalogVersion.objects.filter(pk=1).values_list("updated_at", flat=True).first()
    return updated is None or at >= updated


def pricing_of(prices: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The served `pricing` object (OpenRouter's keys, tiers in `overrides`) of these entries, as
    `catalog.prices.served_pricing`/`served_tiers` would have served it."""
    pricing: dict[str, Any] = {"prompt": None, "completion": None}
    tiers: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in prices:
        key = PRICING_KEY.get((entry["component"], entry["unit"]))
        usd = entry["usd"] if key is not None else None
        key = key or NULLED_KEY.get(entry["component"], entry["component"])
        window = entry.get("window")
        if "min_prompt_tokens" not in entry and window is None:
            pricing[key] = usd
            continue
        limits = {"min_prompt_tokens": entry["min_prompt_tokens"]} if "min_prompt_tokens" in entry else {}
        if window is not None:
            limits.update(utc_start=_hhmm(window["start"]), utc_end=_hhmm(window["end"]))
        tiers.setdefault(tuple(limits.items()), dict(limits))[key] = usd
    if tiers:
        pricing["overrides"] = list(tiers.values())
    return pricing


def _hhmm(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 100 + int(minutes)


def _served_order(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    # Base prices first in `KEYS` order, then tiers by threshold and window (`catalog.prices.components`).
    window = entry.get("window") or {}
    tiered = "min_prompt_tokens" in entry or bool(window)
    return (
        tiered,
        entry.get("min_prompt_tokens") or 0,
        window.get("start", ""),
        window.get("end", ""),
        COMPONENT_ORDER.get(entry["component"], len(COMPONENT_ORDER)),
        entry["component"],
        entry["unit"],
    )


def document_then(document: Mapping[str, Any], prices: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A stored model document with the prices it had then (its other fields as stored)."""
    ordered = sorted(prices, key=_served_order)
    then = {"pricing": pricing_of(ordered), "prices": ordered}
    return {key: then.get(key, value) for key, value in document.items()}


def _listed(at: datetime) -> Exists:
    return Exists(ListingSpan.objects.filter(covering(at), ai_model=OuterRef("pk")))


def _documents(rows: Sequence[dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
    """Each row's document with its prices at `at` (one query for all of them). Each row also gets
    its origin then (`_origin`)."""
    prices: dict[int, list[dict[str, Any]]] = {}
    started: dict[int, datetime] = {}  # the latest span start at or before `at`: the publish that set it
    pks = [row["pk"] for row in rows]
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        spans = PriceSpan.objects.filter(covering(at), ai_model_id__in=chunk)
        for span in spans.values("ai_model_id", "component", "unit", "min_prompt_tokens", "window", "usd", "valid_from"):
            prices.setdefault(span["ai_model_id"], []).append(served_entry(span))
            started[span["ai_model_id"]] = max(started.get(span["ai_model_id"], span["valid_from"]), span["valid_from"])
        for pk, began in ListingSpan.objects.filter(covering(at), ai_model_id__in=chunk).values_list("ai_model_id", "valid_from"):
            started[pk] = max(started.get(pk, began), began)
    for row in rows:
        # Written since `at`: the run that wrote it then is not kept, the publish that set its
        # listing and prices then is (`catalog.provenance`).
        if row["updated_at"] > at and row["pk"] in started:
            row["_origin"] = origin(row["gateway__slug"], None, started[row["pk"]])
        else:
            row["_origin"] = origin(row["gateway__slug"], row["source_run_id"], row["updated_at"])
    return [document_then(orjson.loads(row["public_json"]), prices.get(row["pk"], [])) for row in rows]


def _free(variant: str, document: Mapping[str, Any]) -> bool:
    # `catalog.services._is_free`, on the prices then.
    if variant == "free":
        return True
    pricing = document["pricing"]
    outputs = (document.get("architecture") or {}).get("output_modalities") or []
    known = [value for key, value in pricing.items() if key != "overrides" and value is not None]
    return (
        outputs[:1] == ["text"] and None not in (pricing["prompt"], pricing["completion"]) and all(Decimal(v) == 0 for v in known)
    )


# An entry then: (document, primary row's pk, free).
Entry = tuple[dict[str, Any], int, bool]


def _entries(rows: Sequence[Mapping[str, Any]], documents: list[dict[str, Any]], *, merged: bool) -> list[Entry]:
    if not merged:
        return [(doc, row["pk"], _free(row["variant"], doc)) for row, doc in zip(rows, documents, strict=True)]
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):  # ordered by key, then priority: as `rebuild_merged` reads them
        groups.setdefault(row["canonical_key"], []).append(index)
    entries = []
    for key, indexes in groups.items():
        offers = [(rows[i]["gateway__slug"], documents[i]) for i in indexes]
        for position, members in enumerate(partition(offers)):
            chosen = [offers[m] for m in members]
            document = merge_documents(chosen, [_origin(rows[indexes[m]]) for m in members])
            document["_key"] = entry_key(key, position, chosen)
            free = any(_free(rows[indexes[m]]["variant"], offers[m][1]) for m in members)
            entries.append((document, rows[indexes[members[0]]]["pk"], free))
    return entries


def _origin(row: Mapping[str, Any]) -> dict[str, Any]:
    return row["_origin"]  # set by `_documents`


def _price(document: Mapping[str, Any], key: str) -> Decimal | None:
    value = (document.get("lowest_pricing") or document["pricing"]).get(key)
    return None if value is None else Decimal(value)


def _matches(filters: ModelFilters) -> Callable[[Entry], bool]:
    """The list filters of `selectors.model_list`, on documents."""
    q = filters.q.lower()

    def test(entry: Entry) -> bool:
        document, _, free = entry
        architecture = document.get("architecture") or {}
        if filters.providers and document.get("provider_slug") not in filters.providers:
            return False
        if q and not any(q in (document.get(name) or "").lower() for name in ("id", "name", "description")):
            return False
        for wanted, have in (
            (filters.input_modalities, architecture.get("input_modalities")),
            (filters.output_modalities, architecture.get("output_modalities")),
            (filters.supported_parameters, document.get("supported_parameters")),
        ):
            if not set(wanted) <= {value.lower() for value in have or ()}:
                return False
        context = document.get("context_length")
        if filters.min_context is not None and (context is None or context < filters.min_context):
            return False
        prompt, completion = _price(document, "prompt"), _price(document, "completion")
        for bound, price in ((filters.max_prompt_price, prompt), (filters.max_completion_price, completion)):
            if bound is not None and (price is None or price > bound):
                return False
        if filters.free is not None and filters.free != (free and prompt == 0 and completion == 0):
            return False
        if filters.has_disagreement is not None and "disagreements" in document:
            return filters.has_disagreement == bool(document["disagreements"])
        return True

    return test


def _value(document: Mapping[str, Any], field: str) -> Any:
    """The value an entry sorts by (`selectors._ordering`'s columns, from the document)."""
    if field == "name":
        return (document.get("name") or document["id"]).lower()
    if field in ("prompt_price", "completion_price"):
        return _price(document, field.removesuffix("_price"))
    return document.get(field)


def _order(sort: str) -> Callable[[tuple[Any, ...]], Any]:
    """The sort key of `(value, id, row)`: `selectors._ordering` in Python. Unknown values last in
    both directions, then the id, then the row (for `-id`: both descending)."""
    field = sort.removeprefix("-")
    descending = sort.startswith("-")
    by_value = field not in ("", "id")

    def compare(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
        if by_value:
            if (a[0] is None) != (b[0] is None):
                return 1 if a[0] is None else -1
            if a[0] != b[0]:
                return (1 if a[0] < b[0] else -1) if descending else (-1 if a[0] < b[0] else 1)
            return (a[1:] > b[1:]) - (a[1:] < b[1:])
        return (-1 if descending else 1) * ((a[1:] > b[1:]) - (a[1:] < b[1:]))

    return cmp_to_key(compare)


def _current_order(sort: str, id_field: str, row_field: str) -> list[Any]:
    """`_order` in SQL, for today's entries (the row is the entry's primary offer)."""
    field = sort.removeprefix("-")
    if field in ("", "id"):
        return [F(id_field).desc(), F(row_field).desc()] if sort.startswith("-") else [id_field, row_field]
    expression = Lower("name") if field == "name" else F(field)
    primary = expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc(nulls_last=True)
    return [primary, id_field, row_field]


def changed_since(at: datetime) -> Q:
    """The rows (`AIModel`) whose listing or prices at `at` differ from today's: a span of theirs
    opened or closed after it. Every other row stands today as it stood then."""
    after = _after(at)
    return Q(pk__in=PriceSpan.objects.filter(after).values("ai_model_id")) | Q(
        pk__in=ListingSpan.objects.filter(after).values("ai_model_id")
    )


def _after(at: datetime) -> Q:
    """The spans (either kind) opened or closed after `at`."""
    return Q(valid_from__gt=at) | Q(valid_to__gt=at)


@dataclass(slots=True)
class Split:
    """A list at `at` in two parts: `today`, the entries (`MergedModel` for `all`, else `AIModel`)
    that stand as they stood then, still a filtered queryset; `redone`, the entries with a row
    changed since, rebuilt as they were then and filtered."""

    today: QuerySet[Any]
    set_aside: QuerySet[Any]  # today's entries that `redone` replaces (those that pass the filters)
    redone: list[Entry]
    id_field: str  # today's column of the served id
    row_field: str  # today's column of the primary row (an entry's `Entry[1]`)
    aside_count: int | None = None  # `set_aside.count()`, when known without asking


def split(filters: ModelFilters, at: datetime) -> Split:
    """The rows with a span opened or closed after `at` (for `gateway=all`, every entry with such
    an offer) read as listed and priced then, merged and filtered here; every other entry today's."""
    merged = filters.gateway == "all"
    rebuilt = _rebuilt(filters, at)
    today = model_list(filters=filters).order_by()
    aside = Q(pk__in=rebuilt.aside) if rebuilt.aside is not None else _aside(filters, _changed(filters, at))
    redone = rebuilt.entries if filters.unfiltered else [entry for entry in rebuilt.entries if _matches(filters)(entry)]
    if filters.has_disagreement is not None and not merged:
        # A gateway's rows take part in today's disagreements (an entry's, for `all`, is its own).
        disagreeing = set(AIModel.objects.filter(disagreement(filters.gateway)).values_list("pk", flat=True))
        redone = [entry for entry in redone if (entry[1] in disagreeing) == filters.has_disagreement]
    id_field, row_field = ("model_id", "primary_id") if merged else ("upstream_id", "pk")
    return Split(
        today=today.exclude(aside),
        set_aside=today.filter(aside),
        redone=redone,
        id_field=id_field,
        row_field=row_field,
        aside_count=len(rebuilt.aside) if filters.unfiltered and rebuilt.aside is not None else None,
    )


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What `split` computes before the filters, the same for every read of one scope at one
    instant until the next publish: the entries rebuilt as they were then, and today's entries
    (primary keys) they replace (None when there are too many to list: a query instead)."""

    entries: list[Entry]
    aside: tuple[int, ...] | None


def _rebuilt(filters: ModelFilters, at: datetime) -> Rebuilt:
    """`Rebuilt` for the scope of `filters` at `at`, kept with this process's recent response
    parts (`catalog.cache.remember`) under the catalog version: a second read of the same past
    instant (another page, filter or sort) reads no span and merges nothing. Its documents are
    shared by those reads and never changed by them."""
    # Inside a view's build the version is the snapshot's own: `catalog.consistent.at_one_version`
    # reads it first and makes it the remembered one when newer, so the entries kept under a
    # version were rebuilt from that version's tables.
    key = cache.key("past-entries", cache.catalog_version(), filters.gateway, at.isoformat())
    found = cache.recent(key)
    if found is not None:
        return found
    merged = filters.gateway == "all"
    changed = _changed(filters, at)
    rows = AIModel.objects.filter(_listed(at))
    if merged:
        rows = rows.filter(changed.of(), gateway__enabled=True)
    else:
        rows = rows.filter(changed.of(), **_scope(filters))
    listed = list(rows.order_by(*ROW_ORDER).values(*ROW_FIELDS))
    entries = _entries(listed, _documents(listed, at), merged=merged)
    # Today's entries of the whole scope (its unfiltered list) that the rebuilt ones replace.
    whole = model_list(filters=ModelFilters(gateway=filters.gateway, gateway_id=filters.gateway_id))
    aside = tuple(whole.filter(_aside(filters, changed)).order_by().values_list("pk", flat=True)[: LISTED_ASIDE + 1])
    rebuilt = Rebuilt(entries=entries, aside=aside if len(aside) <= LISTED_ASIDE else None)
    if len(listed) <= KEPT_ROWS:
        cache.remember(key, rebuilt, size=sum(len(row["public_json"]) for row in listed) * 3 + 8 * len(aside))
    return rebuilt


LISTED_ASIDE = 500  # today's entries set aside, listed by key in the page query; more: a subquery
KEPT_ROWS = 5000  # an instant whose rebuilt rows are more is rebuilt on every read (a far past)
LISTED_CHANGED = 5000  # rows changed since an instant, read as a list of keys; more: subqueries


@dataclass(frozen=True, slots=True)
class Changed:
    """`_changed`'s answer: a field of `AIModel` and the values it must be in."""

    field: str
    values: Any  # a set or list of values, or a subquery of them

    def of(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{self.field}__in": self.values})


def _changed(filters: ModelFilters, at: datetime) -> Changed:
    """The rows `_rebuilt` reads again (for `gateway=all`, every row of a merge key with a row
    `changed_since(at)`). The changed rows and their merge keys are read first, as lists, when
    they are few (a recent past): as subqueries, PostgreSQL tests each row of the table against
    them (a scan of every row, 30-90 ms at 20k models), where a list is looked up by index."""
    after = _after(at)
    spans = (
        PriceSpan.objects.filter(after).order_by().values_list("ai_model_id", flat=True)
        .union(ListingSpan.objects.filter(after).order_by().values_list("ai_model_id", flat=True))
    )  # fmt: skip
    pks: Any = list(spans[: LISTED_CHANGED + 1])
    if len(pks) > LISTED_CHANGED:
        pks = AIModel.objects.filter(changed_since(at)).values("pk")
    if filters.gateway != "all":
        return Changed("pk", pks)
    keys = AIModel.objects.filter(pk__in=pks).values_list("canonical_key", flat=True)
    return Changed("canonical_key", keys if isinstance(pks, QuerySet) else set(keys))


def _aside(filters: ModelFilters, changed: Changed) -> Q:
    """Today's entries that `split` replaces, as a condition on today's list: those of the rows
    `changed` selects (an entry's, by its primary row)."""
    return changed.of("primary__" if filters.gateway == "all" else "")


def _scope(filters: ModelFilters) -> dict[str, Any]:
    return {"gateway_id": filters.gateway_id} if filters.gateway_id is not None else {"gateway__slug": filters.gateway}


def model_page_at(
    *, filters: ModelFilters, at: datetime, offset: int, limit: int | None, column: str, total: int | None = None
) -> ModelPage:
    """`selectors.model_page` as the catalog stood at `at` (`column`: `public_json` or `openai_json`):
    today's entries sorted and paged in SQL, the entries rebuilt (`split`) sorted here, the two
    merged in one order; only the page's stored documents are read. `total`, today's total of an
    unfiltered list when the caller knows it, saves counting today's entries."""
    parts = split(filters, at)
    id_field, row_field = parts.id_field, parts.row_field
    field = filters.sort.removeprefix("-")
    by_value = field not in ("", "id")
    # By id ascending (the default), `_order` is the order of the plain (id, row) tuples: compared
    # as such, with no Python comparison function per step of the merge.
    order = itemgetter(slice(1, None)) if filters.sort in ("", "id") else _order(filters.sort)
    redone = sorted(
        ((order((_value(e[0], field) if by_value else None, e[0]["id"], e[1])), e) for e in parts.redone), key=itemgetter(0)
    )
    end = None if limit is None else offset + limit
    columns = ("pk", id_field, row_field, *((field,) if by_value else ()), *(() if offset else (column,)))
    today = list(parts.today.order_by(*_current_order(filters.sort, id_field, row_field)).values(*columns)[:end])
    if end is None or len(today) < end:
        total = len(today)
    elif total is not None:
        # A few rows, by index; not a count of the whole list.
        total -= parts.aside_count if parts.aside_count is not None else parts.set_aside.count()
    else:
        total = parts.today.count()
    total += len(redone)

    def today_key(row: dict[str, Any]) -> Any:
        value = row[field] if by_value else None
        if field == "name":
            value = (value or row[id_field]).lower()
        return order((value, row[id_field], row[row_field]))

    merged = heapq.merge(((today_key(row), row, None) for row in today), ((k, None, e) for k, e in redone), key=itemgetter(0))
    page = list(islice(merged, offset, end))
    return ModelPage(total=total, fragments=_fragments(parts.today, [(row, entry) for _, row, entry in page], column))


def _fragments(today: QuerySet[Any], page: Sequence[tuple[Any, Entry | None]], column: str) -> list[str]:
    """The page's documents: today's entries' stored ones (`row`: a primary key, or a row already
    carrying `column`), the rebuilt entries' rendered."""
    pks = [row if isinstance(row, int) else row["pk"] for row, entry in page if entry is None]
    stored = {row["pk"]: row[column] for row, entry in page if entry is None and isinstance(row, dict) and column in row}
    wanted = [pk for pk in pks if pk not in stored]
    for start in range(0, len(wanted), 500):
        stored.update(today.filter(pk__in=wanted[start : start + 500]).values_list("pk", column))
    found = iter(pks)
    return [stored[next(found)] if entry is None else _text(entry[0], column) for _, entry in page]


def _ranked_at(
    filters: ModelFilters, workload: Workload, at: datetime
) -> tuple[QuerySet[Any], list[tuple[CostRow, Entry | None]]]:
    """Every entry then priced (today's from their stored offer prices), cheapest first."""
    parts = split(filters, at)
    rows: list[tuple[CostRow, Entry | None]] = [
        (row, None) for row in ranked_rows(parts.today, gateway=filters.gateway, workload=workload)
    ]
    for entry in parts.redone:
        row = document_row(entry[0], gateway=filters.gateway, workload=workload)
        if row is not None:
            rows.append((row, entry))
    return parts.today, sorted(rows, key=lambda item: item[0].sort_key())


def models_ranked_at(*, filters: ModelFilters, workload: Workload, at: datetime, offset: int, limit: int) -> CostPage:
    """`cost_ranking.models_ranked` as the catalog stood at `at` (prices then)."""
    _, ranked = _ranked_at(filters, workload, at)
    return CostPage(total=len(ranked), rows=[row for row, _ in ranked[offset : offset + limit]])


def cost_page_at(
    *, filters: ModelFilters, workload: Workload, at: datetime, offset: int, limit: int | None, column: str
) -> ModelPage:
    """`cost_ranking.cost_sorted_page` (`sort=cost`) as the catalog stood at `at`."""
    today, ranked = _ranked_at(filters, workload, at)
    page = ranked[offset : None if limit is None else offset + limit]
    return ModelPage(total=len(ranked), fragments=_fragments(today, [(row.pk, entry) for row, entry in page], column))


def _text(document: Mapping[str, Any], column: str) -> str:
    # The document is shared by the reads of its instant (`_rebuilt`): served without `_key`, unchanged.
    served = {key: value for key, value in document.items() if key != "_key"}
    return dumps(openai_document(served) if column == "openai_json" else served)


def model_resolve_at(*, model_id: str, gateway: str, at: datetime) -> ResolvedModel | None:
    """`selectors.model_resolve` among the models listed at `at`, with their prices then: `None`
    for a model not listed then."""
    model_id = model_id.strip()
    wanted = model_id.lower()
    if not wanted or "\x00" in wanted or len(wanted) > 1000:
        return None
    rows = AIModel.objects.filter(_listed(at))
    scope = rows.filter(gateway__slug=gateway) if gateway != "all" else rows.filter(gateway__enabled=True)
    named = scope.annotate(upstream_id_lower=Lower("upstream_id")).filter(
        Q(upstream_id_lower=wanted) | Q(canonical_key=wanted.split("|", 1)[0])
    )
    keys = set(named.values_list("canonical_key", flat=True)[:10])
    if not keys:
        return None
    offers = rows.filter(canonical_key__in=keys).filter(Q(gateway__enabled=True) | Q(pk__in=named.values("pk")))
    listed = list(offers.order_by(*ROW_ORDER).values(*ROW_FIELDS))
    documents = _documents(listed, at)
    if gateway != "all":
        return _row_then(listed, documents, model_id, gateway)
    entries = [document for document, _, _ in _entries(listed, documents, merged=True)]
    for matched_by, test in (
        ("id", lambda doc: doc["id"].lower() == wanted),
        ("merge_key", lambda doc: doc["_key"] == wanted),
        ("upstream_id", lambda doc: any(offer["id"].lower() == wanted for offer in doc["offers"])),
    ):
        found = [document for document in entries if test(document)]
        if found:
            document = next((doc for doc in found if doc["id"] == model_id), found[0])
            document.pop("_key")
            return _resolved(document, "all", matched_by, document["offers"])
    return None


def _row_then(rows: list[dict[str, Any]], documents: list[dict[str, Any]], model_id: str, gateway: str) -> ResolvedModel | None:
    """`selectors._resolve_row` then: the gateway's row by id, else by merge key, and the offers
    merged with it."""
    mine = [i for i, row in enumerate(rows) if row["gateway__slug"] == gateway]
    by_id = [i for i in mine if rows[i]["upstream_id"].lower() == model_id.lower()]
    by_key = sorted((i for i in mine if rows[i]["canonical_key"] == model_id.lower()), key=lambda i: rows[i]["upstream_id"])
    chosen = by_id or by_key[:1]
    if not chosen:
        return None
    index = next((i for i in chosen if rows[i]["upstream_id"] == model_id), chosen[0])
    group = [i for i, row in enumerate(rows) if row["canonical_key"] == rows[index]["canonical_key"]]
    offers = [(rows[i]["gateway__slug"], documents[i]) for i in group]
    members = next(m for m in partition(offers) if group.index(index) in m)
    merged_offers = merge_documents([offers[m] for m in members], [_origin(rows[group[m]]) for m in members])["offers"]
    return _resolved(documents[index], gateway, "id" if by_id else "merge_key", merged_offers)


def _resolved(document: dict[str, Any], gateway: str, matched_by: str, offers: list[Any]) -> ResolvedModel:
    return ResolvedModel(
        gateway=gateway,
        matched_by=matched_by,
        public_json=dumps(document),
        openai_json=dumps(openai_document(document)),
        offers=list(offers),
    )
