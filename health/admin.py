"""Registers the gateway admin with its status column (the rules are in `health.selectors`), its
per-gateway health page and the change page's object tools (`admin/health/gateway_tools.html`).

The health dashboard itself is an admin page registered by the admin site (`health/sites.py`).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django_celery_beat import admin as celery_beat_admin
from django_celery_beat.models import PeriodicTask

from gateways.admin import GatewayAdmin
from gateways.models import Gateway
from health.gateway_page import gateway_page
from health.selectors import gateway_status, status_label, status_reason


def status_badge(status: str, *, label: str, title: str = "") -> str:
    return format_html('<span class="health-badge health-{}" title="{}">{}</span>', status, title, label)


@admin.register(Gateway)
class GatewayHealthAdmin(GatewayAdmin):
    list_display = ("name", "status_column", *GatewayAdmin.list_display[1:])
    change_list_template = "admin/health/gateway_change_list.html"
    change_form_template = "admin/health/gateway_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        page = path("<path:object_id>/health/", self.admin_site.admin_view(self.health_view), name="gateways_gateway_health")
        return [page, *super().get_urls()]

    def health_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied("the gateway health page needs the permission to view gateways")
        gateway = self.gateway_or_404(request, object_id)
        return gateway_page(request, gateway, can_change=self.has_change_permission(request, gateway))

    @admin.display(description="Status")
    def status_column(self, obj: Gateway) -> str:
        now = timezone.now()
        status = gateway_status(obj, now=now)
        return status_badge(
            status, label=status_label(obj, status=status, now=now), title=status_reason(obj, status=status, now=now)
        )

    class Media:
        css = {"all": ("catalog/admin.css", "health/health.css")}


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
