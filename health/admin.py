"""Registers the gateway admin with its status column (the rules are in `health.selectors`).

The health dashboard itself is an admin page registered by the admin site (`health/sites.py`).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from gateways.admin import GatewayAdmin
from gateways.models import Gateway
from health.selectors import gateway_status, status_reason


def status_badge(status: str, *, title: str = "") -> str:
    return format_html('<span class="health-badge health-{}" title="{}">{}</span>', status, title, status.replace("_", " "))


@admin.register(Gateway)
class GatewayHealthAdmin(GatewayAdmin):
    list_display = ("name", "status_column", *GatewayAdmin.list_display[1:])
    change_list_template = "admin/health/gateway_change_list.html"

    @admin.display(description="Status")
    def status_column(self, obj: Gateway) -> str:
        now = timezone.now()
        status = gateway_status(obj, now=now)
        return status_badge(status, title=status_reason(obj, status=status, now=now))

    class Media:
        css = {"all": ("health/health.css",)}
