"""Registers the gateway admin with its status column (the rules are in `health.selectors`).

The health dashboard itself is an admin page registered by the admin site (`health/sites.py`).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django_celery_beat import admin as celery_beat_admin
from django_celery_beat.models import PeriodicTask

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


class PeriodicTaskAdmin(celery_beat_admin.PeriodicTaskAdmin):
    """django-celery-beat's task actions (enable, disable, toggle, run) declare no permission, so a
    staff member allowed only to view periodic tasks could still run or switch them. Here they need
    the change permission, like our own actions."""

    TASK_ACTIONS = ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks")

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in self.TASK_ACTIONS:
                actions.pop(name, None)
        return actions


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
