"""The catalog's public endpoints. Model ids contain slashes, hence `<path:model_id>`."""

from __future__ import annotations

from django.urls import path

from catalog import alias_views, cost_views, views

app_name = "catalog"

urlpatterns = [
    path("catalog/v1/models", views.ModelListView.as_view(), name="model-list"),
    # A model's price history; an id that itself ends in `/prices` is read as this endpoint.
    path("catalog/v1/models/<path:model_id>/prices", views.ModelPriceHistoryView.as_view(), name="model-prices"),
    path("catalog/v1/models/<path:model_id>", views.ModelDetailView.as_view(), name="model-detail"),
    path("catalog/v1/providers", views.ProviderListView.as_view(), name="provider-list"),
    path("catalog/v1/gateways", views.GatewayListView.as_view(), name="gateway-list"),
    path("catalog/v1/changes", views.ChangeListView.as_view(), name="change-list"),
    path("catalog/v1/cost", cost_views.CostView.as_view(), name="cost"),
    path("catalog/v1/aliases", alias_views.AliasListView.as_view(), name="alias-list"),
    path("catalog/v1/changes.atom", views.ChangeFeedView.as_view(), name="change-feed"),
    path("catalog/v1/deprecations", views.DeprecationListView.as_view(), name="deprecation-list"),
    # OpenAI-compatible (and the old catalog API's) paths; a trailing slash is accepted too.
    path("v1/models", views.OpenAIModelListView.as_view(), name="openai-model-list"),
    path("models", views.OpenAIModelListAliasView.as_view(), name="openai-model-list-alias"),
    path("v1/models/", views.OpenAIModelListSlashView.as_view()),
    path("models/", views.OpenAIModelListSlashView.as_view()),
    path("v1/models/<path:model_id>", views.OpenAIModelDetailView.as_view(), name="openai-model-detail"),
]
