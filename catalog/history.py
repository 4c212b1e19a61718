"""The catalog's memory (ARCHITECTURE.md, "Time: the catalog remembers"): effective-dated spans.

Two tables record what was true when, per offer (`AIModel` row):

- `ListingSpan`: while the row was listed. Opened when a publish writes the row active (new, back
  on the list), closed where the row is deactivated. It answers "which models were listed at t"
  for every row, priced or not.
- `PriceSpan`: one served price entry (`catalog.prices`) while it held. A span is named by the
  entry's slot (`catalog.price_changes.price_slot`: component, tier, window) plus its unit; a new
  amount, or a unit the slot now counts, closes the span and opens another.

`record_spans` is the publish's one call in here. It compares each written row's new prices with
the spans still open for it (not with the old row), so what it writes is exactly what changed,
and a row whose hash changed for another reason (a description) writes no span. Rows the publish
did not write cost nothing: an unchanged publish writes no span. Retention
(`CATALOG_PRICE_HISTORY_DAYS`, 0 = keep everything) drops spans that closed before the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q

from catalog import bulk, snapshot
from catalog.models import ListingSpan, PriceSpan
from catalog.price_changes import price_slot
from catalog.render import instant_text

CHUNK = 500
SPAN_FIELDS = ("component", "unit", "min_prompt_tokens", "window", "usd")


@dataclass(slots=True)
class SpanWrites:
    opened: int = 0
    closed: int = 0
    pruned: int = 0


def identity(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """What one span is about: the price's slot plus the unit it counts."""
    return (*price_slot(entry), entry.get("unit"))


def span_columns(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A served price entry as `PriceSpan` columns (the amount stays its exact text)."""
    return {
        "component": entry["component"],
        "unit": entry["unit"],
        "min_prompt_tokens": entry.get("min_prompt_tokens"),
        "window": entry.get("window"),
        "usd": entry["usd"],
    }


def served_entry(columns: Mapping[str, Any]) -> dict[str, Any]:
    """`PriceSpan` columns as the price entry they were served as (`Price.document()`'s shape)."""
    entry = {"component": columns["component"], "unit": columns["unit"], "usd": columns["usd"]}
    if columns.get("min_prompt_tokens") is not None:
        entry["min_prompt_tokens"] = columns["min_prompt_tokens"]
    if columns.get("window") is not None:
        entry["window"] = columns["window"]
    return entry


def covering(at: datetime, prefix: str = "") -> Q:
    """Spans in effect at `at`: started at or before it, not yet ended (end exclusive)."""
    return Q(**{f"{prefix}valid_from__lte": at}) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": at}))


def record_spans(
    *,
    new: Mapping[int, Sequence[Mapping[str, Any]]],
    written: Mapping[int, Sequence[Mapping[str, Any]]],
    delisted: Iterable[int],
    now: datetime,
) -> SpanWrites:
    """Write the spans one publish changed, in bulk: `new` rows (primary key -> served prices) open
    a listing and every price; `written` rows (updated: back on the list, or changed) open what is
    not open yet and close what no longer holds; `delisted` rows close everything they have open."""
    writes = SpanWrites()
    to_open: list[Any] = [_listing(pk, now) for pk in new]
    to_open += [_price(pk, entry, now) for pk, prices in new.items() for entry in prices]
    to_close: list[int] = []
    pks = list(written)
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        listed = set(
            ListingSpan.objects.filter(ai_model_id__in=chunk, valid_to__isnull=True).values_list("ai_model_id", flat=True)
        )
        to_open += [_listing(pk, now) for pk in chunk if pk not in listed]
        open_spans: dict[int, dict[tuple[Any, ...], tuple[int, str]]] = {}
        rows = PriceSpan.objects.filter(ai_model_id__in=chunk, valid_to__isnull=True).values("pk", "ai_model_id", *SPAN_FIELDS)
        for row in rows:
            open_spans.setdefault(row["ai_model_id"], {})[identity(row)] = (row["pk"], row["usd"])
        for pk in chunk:
            held = open_spans.get(pk, {})
            wanted = {identity(entry): entry for entry in written[pk]}
            to_close += [span for key, (span, usd) in held.items() if key not in wanted or wanted[key]["usd"] != usd]
            to_open += [
                _price(pk, entry, now) for key, entry in wanted.items() if key not in held or held[key][1] != entry["usd"]
            ]
    for start in range(0, len(to_close), CHUNK):
        writes.closed += PriceSpan.objects.filter(pk__in=to_close[start : start + CHUNK]).update(valid_to=now)
    gone = list(delisted)
    for start in range(0, len(gone), CHUNK):
        for model in (ListingSpan, PriceSpan):
            writes.closed += model.objects.filter(ai_model_id__in=gone[start : start + CHUNK], valid_to__isnull=True).update(
                valid_to=now
            )
    for model in (ListingSpan, PriceSpan):
        rows = [row for row in to_open if isinstance(row, model)]
        bulk.insert(rows)
        writes.opened += len(rows)
    writes.pruned = prune(now=now)
    return writes


def _listing(pk: int, now: datetime) -> ListingSpan:
    return bulk.new(ListingSpan, ai_model_id=pk, valid_from=now, valid_to=None)


def _price(pk: int, entry: Mapping[str, Any], now: datetime) -> PriceSpan:
    return bulk.new(PriceSpan, ai_model_id=pk, valid_from=now, valid_to=None, **span_columns(entry))


def horizon(*, now: datetime) -> datetime | None:
    """The earliest instant whose spans are all still kept (None: everything is kept)."""
    days = settings.CATALOG_PRICE_HISTORY_DAYS
    return now - timedelta(days=days) if days > 0 else None


def prune(*, now: datetime) -> int:
    """Delete spans that ended before the retention horizon; nothing when history is kept whole."""
    cutoff = horizon(now=now)
    if cutoff is None:
        return 0
    return sum(model.objects.filter(valid_to__lt=cutoff).delete()[0] for model in (PriceSpan, ListingSpan))


def history_begins(*, now: datetime) -> datetime | None:
    """The earliest instant a point-in-time read can answer: the first listing recorded, or the
    retention horizon if that is later. None before anything was ever published. The first
    listing is remembered by the process like the catalog version (`catalog.snapshot`): every
    `at=` read asks for it, and only a first publish or a prune moves it."""
    first = snapshot.remembered("history_first", _first_listing)
    cutoff = horizon(now=now)
    if first is None or cutoff is None:
        return first
    return max(first, cutoff)


def _first_listing() -> datetime | None:
    return ListingSpan.objects.aggregate(first=Min("valid_from"))["first"]


def _overlapping(since: datetime | None, until: datetime | None) -> Q:
    found = Q()
    if since is not None:
        found &= Q(valid_to__isnull=True) | Q(valid_to__gt=since)
    if until is not None:
        found &= Q(valid_from__lt=until)
    return found


def _moment(value: datetime | None) -> str | None:
    return None if value is None else instant_text(value)


def offer_history(
    *, pks: Sequence[int], components: Sequence[str] = (), since: datetime | None = None, until: datetime | None = None
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per offer (row primary key): its listing spans and price spans (of `components`, all when
    empty) that overlap `[since, until)`, oldest first."""
    found: dict[int, dict[str, list[dict[str, Any]]]] = {pk: {"listed": [], "prices": []} for pk in pks}
    window = _overlapping(since, until)
    for row in ListingSpan.objects.filter(window, ai_model_id__in=pks).order_by("valid_from", "pk").values():
        found[row["ai_model_id"]]["listed"].append(
            {"valid_from": _moment(row["valid_from"]), "valid_to": _moment(row["valid_to"])}
        )
    prices = PriceSpan.objects.filter(window, ai_model_id__in=pks)
    if components:
        prices = prices.filter(component__in=components)
    for row in prices.order_by("valid_from", "pk").values():
        found[row["ai_model_id"]]["prices"].append(
            {**served_entry(row), "valid_from": _moment(row["valid_from"]), "valid_to": _moment(row["valid_to"])}
        )
    return found
