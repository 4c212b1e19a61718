"""Small inline SVG sparklines, computed on the server from `RefreshRun` history.

No JavaScript and no chart library: the template draws polylines and dots from the numbers here,
with a caption in words under each chart (`caption`) and one legend for the table. The y axis starts
at 0, so a small change in model count looks small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from catalog.display import milliseconds_text
from gateways.models import RefreshRun

WIDTH, HEIGHT, PAD = 220, 48, 5
PUBLISHED = (RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.DEGRADED, RefreshRun.Outcome.HELD)


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    kind: str  # "failed" or "last"


@dataclass(slots=True)
class Sparkline:
    label: str
    width: int = WIDTH
    height: int = HEIGHT
    segments: list[str] = field(default_factory=list)  # SVG polyline `points`, one per unbroken run
    dots: list[Dot] = field(default_factory=list)
    latest: int | None = None
    peak: int | None = None
    caption: str = "no runs yet"  # the figures in words, under the chart

    @property
    def empty(self) -> bool:
        return not self.segments and not self.dots


def sparkline(values: Sequence[int | None], *, failed: Sequence[bool], what: str, unit: Callable[[int], str] = str) -> Sparkline:
    """One point per run, oldest first. A `None` value breaks the line; a failed run gets a red
    dot (on the baseline when it has no value). `unit` writes a value for the caption."""
    known = [v for v in values if v is not None]
    peak = max(known, default=0)
    chart = Sparkline(label="", latest=known[-1] if known else None, peak=peak if known else None)
    count = len(values)
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)
    span = HEIGHT - 2 * PAD

    def y_of(value: int) -> float:
        return round(HEIGHT - PAD - (value / peak * span if peak else 0), 1)

    segment: list[str] = []
    last_point: tuple[float, float] | None = None
    for index, (value, is_failed) in enumerate(zip(values, failed, strict=True)):
        x = round(PAD + index * step if count > 1 else WIDTH / 2, 1)
        if value is None:
            if segment:
                chart.segments.append(" ".join(segment))
                segment = []
            if is_failed:
                chart.dots.append(Dot(x, HEIGHT - PAD, "failed"))
            continue
        y = y_of(value)
        segment.append(f"{x},{y}")
        last_point = (x, y)
        if is_failed:
            chart.dots.append(Dot(x, y, "failed"))
    if segment:
        chart.segments.append(" ".join(segment))
    if last_point is not None and values and values[-1] is not None:
        chart.dots.append(Dot(last_point[0], last_point[1], "last"))
    failures = sum(failed)
    if not count:
        chart.label = f"{what}: no runs yet"
        return chart
    if known:
        chart.caption = f"latest {unit(known[-1])}, peak {unit(peak)}"
        chart.label = f"{what} over the last {count} runs: latest {chart.latest}, peak {peak}"
    else:
        chart.caption = f"all {count} runs failed" if failures == count else f"no figures in {count} runs"
        chart.label = f"{what}: no figures in the last {count} runs"
    if failures:
        chart.label += f"; {failures} failed"
        chart.caption += f"; {failures} failed" if known else ""
    return chart


def model_count_chart(runs: Sequence[RefreshRun]) -> Sparkline:
    """Models published by each run (added + changed + unchanged); failed runs break the line."""
    values = [(r.models_added + r.models_changed + r.models_unchanged) if r.outcome in PUBLISHED else None for r in runs]
    return sparkline(values, failed=[r.outcome == RefreshRun.Outcome.FAILED for r in runs], what="Models published", unit=_models)


def latency_chart(runs: Sequence[RefreshRun]) -> Sparkline:
    """How long each run took, in milliseconds, failed runs included (as red dots)."""
    return sparkline(
        [r.duration_ms for r in runs],
        failed=[r.outcome == RefreshRun.Outcome.FAILED for r in runs],
        what="Duration (ms)",
        unit=milliseconds_text,
    )


def _models(count: int) -> str:
    return f"{count} model" if count == 1 else f"{count} models"
