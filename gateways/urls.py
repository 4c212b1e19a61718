"""Routes of the gateways app: the webhook subscriptions (`gateways.webhook_views`)."""

from __future__ import annotations

from django.urls import path

from gateways import webhook_views

urlpatterns = [
    path("catalog/v1/webhooks", webhook_views.WebhookListView.as_view(), name="webhook-list"),
    path("catalog/v1/webhooks/<int:subscription_id>", webhook_views.WebhookDetailView.as_view(), name="webhook-detail"),
]
