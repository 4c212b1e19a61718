"""Reviewing a held run in admin (the drift guard, `gateways.held`; docs/admin.md, "Held runs").

`/admin/gateways/refreshrun/<id>/review/`: a GET shows what the run held (each model's reasons, its
served values and the held ones) with an Approve and a Reject button, the confirmation step; a POST
(CSRF-protected, staff with the permission to change gateways) approves or rejects through
`gateways.held` and reports the result as a message. Nothing else writes held values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from catalog.models import AIModel
from gateways.admin_reports import gateway_label, plural
from gateways.held import ReviewRefused, held_approve, held_reject
from gateways.models import HeldValue, RefreshRun

REVIEW_PERMISSION = "gateways.change_gateway"  # approving publishes the gateway's catalog
APPROVE, REJECT = "approve", "reject"


@dataclass(frozen=True, slots=True)
class HeldRow:
    """One held model as the review page shows it: what is served now and what was held."""

    held: HeldValue
    served: dict[str, Any]
    proposed: dict[str, Any]


def _shown(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    if "prices" in names:
        return {"prices": ", ".join(f"{p['component']} {p['usd']}/{p['unit']}" for p in values.get("prices") or []) or "none"}
    return {name: values.get(name) for name in names}


def held_rows(run: RefreshRun) -> list[HeldRow]:
    held = list(run.held_values.order_by("upstream_id"))
    stored = {
        row["pk"]: row
        for row in AIModel.objects.filter(pk__in=[h.ai_model_id for h in held]).values(
            "pk", "prices", "context_length", "created", "description", "hugging_face_id", "tokenizer"
        )
    }
    return [HeldRow(h, _shown(stored.get(h.ai_model_id, {}), h.held), _shown(h.values, h.held)) for h in held]


def review_url(run_id: int) -> str:
    return reverse("admin:gateways_refreshrun_review", args=[run_id])


def review_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """Staff only: routed through `admin_site.admin_view` by `RefreshRunAdmin.get_urls`."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    run = RefreshRun.objects.select_related("gateway").filter(pk=object_id).first() if object_id.isdigit() else None
    if run is None:
        raise Http404("no such refresh run")
    can_review = request.user.has_perm(REVIEW_PERMISSION)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied("approving or rejecting held values needs the permission to change gateways")
        return _decide(request, run, request.POST.get("decision", ""))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Review held values: {gateway_label(run.gateway)}, run {run.pk}",
        "opts": RefreshRun._meta,
        "run": run,
        "rows": held_rows(run),
        "pending": run.review_state == RefreshRun.Review.PENDING,
        "can_review": can_review,
    }
    return TemplateResponse(request, "admin/gateways/refreshrun/review.html", context)


def _decide(request: HttpRequest, run: RefreshRun, decision: str) -> HttpResponse:
    back = HttpResponseRedirect(reverse("admin:gateways_refreshrun_change", args=[run.pk]))
    if decision not in (APPROVE, REJECT):
        messages.error(request, "Choose Approve or Reject; nothing was changed.")
        return HttpResponseRedirect(review_url(run.pk))
    review = held_approve if decision == APPROVE else held_reject
    try:
        result = review(run=run, reviewer=request.user.get_username())
    except ReviewRefused as exc:
        messages.error(request, f"Nothing was changed: {exc}.")
        return back
    label = f"{gateway_label(run.gateway)}, run {run.pk}"
    if decision == APPROVE:
        published = result.published
        changed = published.changed if published else 0
        messages.success(
            request,
            f"Approved the held values of {plural(result.models, 'model')} of {label}: published "
            f"({plural(changed, 'model')} changed; the change feed and price history record it).",
        )
    else:
        messages.success(
            request, f"Rejected the held values of {plural(result.models, 'model')} of {label}: the stored values stay served."
        )
    return back
