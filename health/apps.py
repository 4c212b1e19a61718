from __future__ import annotations

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from catalog import sources
        from gateways.models import Gateway
        from health.selectors import GatewaySources

        sources.register(GatewaySources())
        # A gateway saved or deleted in this process shows in this process's next read at once.
        for signal in (post_save, post_delete):
            signal.connect(_forget_statuses, sender=Gateway, dispatch_uid=f"health-forget-statuses-{signal}")


def _forget_statuses(**kwargs: object) -> None:
    from catalog import snapshot

    snapshot.clear()
