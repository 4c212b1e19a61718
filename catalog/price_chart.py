"""Price history as inline SVG step charts for the admin (one chart per offer and unit).

Drawn on the server from the spans `catalog.history.offer_history` reads, like the health
dashboard's sparklines (health/charts.py): no JavaScript, no chart library. A price is flat while
its span holds and steps where a publish changed it; a gap is a time the offer was not listed
with that price. The y axis starts at 0 (a small change looks small), the x axis runs from the
first span to now, and a caption under each chart says the figures in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from catalog.display import usd_per_million
from catalog.history import identity

WIDTH, HEIGHT, PAD = 360, 80, 6
COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#4a5568")


@dataclass(slots=True)
class Series:
    name: str  # "input_token", "input_token >= 200000 tokens", "input_token 22:00-06:00 UTC"
    colour: str
    segments: list[str] = field(default_factory=list)  # polyline `points`, one per unbroken run
    amounts: list[str] = field(default_factory=list)  # each span's amount, oldest first, in the caption's unit


@dataclass(slots=True)
class StepChart:
    title: str
    unit: str
    series: list[Series]

    @property
    def caption(self) -> str:
        parts = [f"{s.name}: {' → '.join(s.amounts)}" for s in self.series]
        return f"{self.title}, {self.unit}. " + "; ".join(parts) + "."


def _series_name(entry: Mapping[str, Any]) -> str:
    name = entry["component"]
    if entry.get("min_prompt_tokens") is not None:
        name += f" ≥ {entry['min_prompt_tokens']} tokens"
    if entry.get("window"):
        window = entry["window"]
        name += f" {window['start']}-{window['end']} {window['time_zone']}"
    return name


def _shown(usd: Decimal, unit: str) -> Decimal:
    return usd * 1_000_000 if unit == "token" else usd


def _unit_label(unit: str) -> str:
    return "USD per 1M tokens" if unit == "token" else f"USD per {unit}"


def step_charts(*, title: str, prices: Sequence[Mapping[str, Any]], now: datetime) -> list[StepChart]:
    """One chart per unit of one offer's price spans (`offer_history`'s `prices`, oldest first)."""
    spans = [
        (entry, parse_datetime(entry["valid_from"]), parse_datetime(entry["valid_to"]) if entry["valid_to"] else now)
        for entry in prices
    ]
    if not spans:
        return []
    start = min(begin for _, begin, _ in spans)
    length = max((now - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return round(PAD + (moment - start).total_seconds() / length * (WIDTH - 2 * PAD), 1)

    charts = []
    for unit in dict.fromkeys(entry["unit"] for entry, _, _ in spans):
        mine = [span for span in spans if span[0]["unit"] == unit]
        peak = max(_shown(Decimal(entry["usd"]), unit) for entry, _, _ in mine)

        def y_of(value: Decimal, peak: Decimal = peak) -> float:
            return round(HEIGHT - PAD - (float(value / peak) * (HEIGHT - 2 * PAD) if peak else 0), 1)

        by_identity: dict[tuple[Any, ...], Series] = {}
        ends: dict[tuple[Any, ...], datetime] = {}
        for entry, begin, end in mine:
            key = identity(entry)
            series = by_identity.get(key)
            if series is None:
                series = by_identity[key] = Series(_series_name(entry), COLOURS[len(by_identity) % len(COLOURS)])
            amount = _shown(Decimal(entry["usd"]), unit)
            series.amounts.append(usd_per_million(entry["usd"]) if unit == "token" else entry["usd"])
            points = f"{x_of(begin)},{y_of(amount)} {x_of(end)},{y_of(amount)}"
            if ends.get(key) == begin and series.segments:  # contiguous: the step joins the line
                series.segments[-1] += " " + points
            else:
                series.segments.append(points)
            ends[key] = end
        charts.append(StepChart(title=title, unit=_unit_label(unit), series=list(by_identity.values())))
    return charts


def chart_html(chart: StepChart) -> str:
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"><title>{}</title></polyline>',
        ((points, series.colour, series.name) for series in chart.series for points in series.segments),
    )
    return format_html(
        '<figure class="price-chart"><svg width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a0aec0"/>{}</svg><figcaption>{}</figcaption></figure>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        chart.caption,
        PAD,
        HEIGHT - PAD,
        WIDTH - PAD,
        HEIGHT - PAD,
        lines,
        chart.caption,
    )
