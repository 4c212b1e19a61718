from __future__ import annotations

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog import sources
        from health.selectors import GatewaySources

        sources.register(GatewaySources())
