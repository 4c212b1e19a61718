"""What the admin tells staff after an operator's refresh or test connection: one wording for the
changelist actions, a gateway's object tools and the dashboard's buttons.

A gateway is always named `Name (slug)`; every queued refresh links to its run, whose row the
worker fills in.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from gateways.manual import RefreshRequest
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_dry_run


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def gateway_label(gateway: Gateway) -> str:
    """`Groq (groq)`: how every admin message names a gateway."""
    return f"{gateway.name} ({gateway.slug})" if gateway.name and gateway.name != gateway.slug else gateway.slug


def gateway_labels(gateways: list[Gateway]) -> str:
    return ", ".join(gateway_label(g) for g in gateways)


def run_link(run: RefreshRun) -> str:
    return format_html('<a href="{}">run {}</a>', reverse("admin:gateways_refreshrun_change", args=[run.pk]), run.pk)


def report_refresh(request: HttpRequest, result: RefreshRequest) -> None:
    """The messages for a "refresh now": each queued gateway with a link to its run, then the ones
    not queued and why."""
    if result.queued:
        runs = format_html_join("; ", "{}, {}", ((gateway_label(run.gateway), run_link(run)) for run in result.queued))
        messages.success(
            request,
            format_html(
                "Queued refresh for {}: {}. The dashboard and each run show the result once a worker has run it.",
                plural(len(result.queued), "gateway"),
                runs,
            ),
        )
    if result.skipped:
        reasons = "; ".join(f"{gateway_label(gateway)}: {reason}" for gateway, reason in result.skipped)
        messages.warning(request, f"Not queued: {reasons}.")


def report_test_connection(request: HttpRequest, gateway: Gateway) -> None:
    """Run "Test connection" (fetch and parse, publish and record nothing) and say what it found."""
    result = gateway_dry_run(gateway=gateway)
    name = gateway_label(gateway)
    if result.ok:
        extra = []
        if result.rejected:
            extra.append(f"{result.rejected} rejected")
        if result.skipped:
            extra.append(f"{result.skipped} skipped")
        summary = f"{name}: connection OK, {plural(result.models, 'model')} parsed in {result.duration_ms} ms"
        summary += f" ({', '.join(extra)})" if extra else ""
        summary += f". First ids: {', '.join(result.sample_ids)}." if result.sample_ids else "."
        messages.success(request, summary)
        if result.errors:
            messages.warning(request, f"{name}: first item errors: " + " | ".join(result.errors[:3]))
        return
    if result.error_kind:
        messages.error(request, f"{name}: test failed ({result.error_kind}): " + " | ".join(result.errors[:3]))
    else:
        detail = " | ".join(result.errors[:3]) or "the upstream list is empty"
        messages.error(request, f"{name}: test failed: no usable models ({result.rejected} rejected): {detail}")
