"""Google Vertex AI publisher model list.  Reference: https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/publishers.models/list

`GET /v1beta1/publishers/google/models` (Model Garden; region in the base URL) through `nextPageToken`. The key
is an OAuth 2.0 access token (`Authorization: Bearer`): API keys do not list models. No prices, no context, no
display name, no type: the id (`name` without `publishers/google/models/`) decides the modality (docs/adapters.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.modalities import fallback_modalities, google_chat_modalities
from gateways.adapters.pagination import PageTokens
from gateways.registry import register

CHAT_HEADS = ("gemini-", "gemma")


@register
class VertexAI(Adapter):
    kind = "vertex-ai"
    label = "Google Vertex AI"
    default_base_url = "https://us-central1-aiplatform.googleapis.com/v1beta1"
    builtin = Builtin(priority=50, min_expected_models=5)
    price_unit_label = "none in the API: null"
    reference = "https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/publishers.models/list"
    list_path, list_params, pages, max_pages = "publishers/google/models", {"pageSize": 100}, PageTokens(), 50
    envelope_keys, sole_author = ("publisherModels",), "google"
    id_field, id_prefix = "name", "publishers/google/models/"
    name_fields, description_fields, created_fields, context_fields = (), (), (), ()
    extra_fields = ("versionId", "launchStage", "versionState", "openSourceCategory", "publisherModelTemplate")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        lowered = model_id.lower()
        if lowered.startswith(CHAT_HEADS) and "embed" not in lowered:  # the API states no type: Google's names
            return *google_chat_modalities(lowered, live_only=False), "inferred"
        return fallback_modalities(lowered)  # imagen, veo, text-embedding, chirp...: the keyword table
