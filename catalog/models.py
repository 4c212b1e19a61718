"""The stored catalog.

`AIModel` is one upstream model of one gateway, keyed by `(gateway, upstream_id)`. Its served JSON
(`public_json`) is rendered once, at publish time. `MergedModel` is one entry of the cross-gateway
catalog (`gateway=all`), rebuilt for the affected merge keys inside the same publish transaction.

Prices: `pricing` holds every price as an exact decimal string in USD per token (the source of
truth on every database). `prompt_price`/`completion_price` are indexed copies for filtering and
sorting (exact on PostgreSQL; SQLite keeps them as floating point, good enough to order by).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

PRICE = {"max_digits": 40, "decimal_places": 30, "null": True, "blank": True}


class AIModel(models.Model):
    gateway = models.ForeignKey("gateways.Gateway", on_delete=models.CASCADE, related_name="catalog_models")
    upstream_id = models.CharField(max_length=512)
    canonical_key = models.CharField(max_length=600, db_index=True, help_text="Cross-gateway merge key.")
    variant = models.CharField(max_length=64, blank=True, default="")
    canonical_slug = models.CharField(max_length=512, null=True, blank=True)
    hugging_face_id = models.CharField(max_length=512, null=True, blank=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    created = models.BigIntegerField(null=True, blank=True, help_text="Unix seconds.")
    context_length = models.BigIntegerField(null=True, blank=True)
    modality = models.CharField(max_length=128, null=True, blank=True)
    modality_source = models.CharField(max_length=16, default="upstream")
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    tokenizer = models.CharField(max_length=64, null=True, blank=True)
    instruct_type = models.CharField(max_length=64, null=True, blank=True)
    pricing = models.JSONField(default=dict, blank=True, help_text="Exact decimal strings, USD per unit.")
    prices = models.JSONField(
        default=list, blank=True, help_text="Every price component as served: component, unit, usd, tier, window."
    )
    pricing_dynamic = models.BooleanField(default=False)
    price_unit = models.CharField(max_length=48, null=True, blank=True, help_text="Conversion that produced the prices.")
    prompt_price = models.DecimalField(**PRICE)
    completion_price = models.DecimalField(**PRICE)
    is_free = models.BooleanField(default=False)
    top_provider = models.JSONField(null=True, blank=True)
    per_request_limits = models.JSONField(null=True, blank=True)
    supported_parameters = models.JSONField(default=list, blank=True)
    default_parameters = models.JSONField(default=dict, blank=True)
    provider_slug = models.CharField(max_length=128, null=True, blank=True, db_index=True)
    data_source = models.CharField(max_length=16, default="live", help_text="live, fallback or static.")
    upstream_active = models.BooleanField(default=True, help_text="False when the upstream marks it unavailable.")
    extra = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(null=True, blank=True, help_text="The upstream item as received.")

    # Comma-wrapped copies (",text,image,") so list filters run in SQL on SQLite and PostgreSQL.
    input_modalities_text = models.CharField(max_length=256, default=",")
    output_modalities_text = models.CharField(max_length=256, default=",")
    supported_parameters_text = models.TextField(default=",")

    content_hash = models.CharField(max_length=64)
    # The hash of the upstream item this row was rendered from, with what else its normalization
    # read (`gateways.source_hash`): an item that hashes the same again is not normalized again.
    # Null (rows stored before it, held values): rendered again at the next refresh.
    source_hash = models.CharField(max_length=64, null=True, blank=True)
    public_json = models.TextField(help_text="The served model JSON, rendered at publish time.")
    openai_json = models.TextField(default="", help_text="The `GET /v1/models` entry, rendered at publish time.")
    is_active = models.BooleanField(
        default=True, help_text="False once the model was removed: missing from its gateway's list past the grace period."
    )
    # `catalog.lifecycle`: since when, and for how many published lists in a row, the gateway's
    # list has lacked this model (null and 0 while it is listed).
    missing_since = models.DateTimeField(null=True, blank=True)
    missed_refreshes = models.PositiveIntegerField(default=0)
    sunset_at = models.DateTimeField(null=True, blank=True, help_text="The end the upstream announced, if any.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # `catalog.provenance`: the refresh run (`gateways.RefreshRun` id) whose list last changed the
    # row, published at `updated_at`. Not a foreign key: runs are pruned, the origin stays stated.
    source_run_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The refresh run whose list last changed this row (null: none recorded)."
    )

    class Meta:
        verbose_name = "AI model"
        ordering = ["gateway_id", "upstream_id"]
        constraints = [models.UniqueConstraint(fields=["gateway", "upstream_id"], name="aimodel_gateway_upstream_id")]
        indexes = [
            models.Index(fields=["gateway", "is_active", "upstream_id"], name="aimodel_gateway_active"),
            models.Index(fields=["is_active", "name"], name="aimodel_name"),
            models.Index(fields=["is_active", "created"], name="aimodel_created"),
            models.Index(fields=["is_active", "context_length"], name="aimodel_context"),
            models.Index(fields=["is_active", "prompt_price"], name="aimodel_prompt_price"),
            models.Index(fields=["is_active", "completion_price"], name="aimodel_completion_price"),
            models.Index(Lower("upstream_id"), name="aimodel_upstream_id_lower"),  # case-insensitive lookups
            models.Index(fields=["is_active", "sunset_at"], name="aimodel_sunset"),
        ]

    def __str__(self) -> str:
        return self.upstream_id


class ModelEndpoint(models.Model):
    """One serving provider of an aggregator's model (OpenRouter's per-model endpoints): a
    separate offer of that `AIModel` row, with the provider named. Keyed by `(ai_model, provider)`;
    published per model by `catalog.endpoints.endpoints_publish` (docs/adapters.md, "OpenRouter
    endpoints"). `public_json` is the offer as the merge serves it, rendered at publish time."""

    ai_model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="endpoints")
    provider = models.CharField(max_length=128, help_text="The endpoint's tag, e.g. `deepinfra/fp8`.")
    pricing = models.JSONField(default=dict, blank=True, help_text="Exact decimal strings, discount applied.")
    prices = models.JSONField(default=list, blank=True)
    context_length = models.BigIntegerField(null=True, blank=True)
    raw = models.JSONField(null=True, blank=True, help_text="The upstream endpoint entry as received.")
    content_hash = models.CharField(max_length=64)
    public_json = models.TextField()
    first_seen_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["ai_model_id", "provider"]
        constraints = [models.UniqueConstraint(fields=["ai_model", "provider"], name="endpoint_model_provider")]

    def __str__(self) -> str:
        return f"{self.ai_model_id} via {self.provider}"


class MergedModel(models.Model):
    """One model across gateways. `public_json` is the merged entry, with `source_gateways` and
    the lowest price across offers; filter and sort columns mirror it (prices: the lowest).

    `merge_key` is the rows' `canonical_key`; `canonical_key` is unique per entry and equals it,
    except for a sibling product under the same key (`x|transcription`, see `catalog.merge`)."""

    canonical_key = models.CharField(max_length=600, unique=True)
    merge_key = models.CharField(max_length=600, default="")
    model_id = models.CharField(max_length=512, db_index=True, help_text="The id of the highest-priority offer.")
    primary = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    created = models.BigIntegerField(null=True, blank=True)
    context_length = models.BigIntegerField(null=True, blank=True)
    provider_slug = models.CharField(max_length=128, null=True, blank=True, db_index=True)
    prompt_price = models.DecimalField(**PRICE)
    completion_price = models.DecimalField(**PRICE)
    is_free = models.BooleanField(default=False)
    gateways_text = models.CharField(max_length=1024, default=",", help_text="',openrouter,groq,'")
    input_modalities_text = models.CharField(max_length=256, default=",")
    output_modalities_text = models.CharField(max_length=256, default=",")
    supported_parameters_text = models.TextField(default=",")
    sunset_at = models.DateTimeField(null=True, blank=True, help_text="The primary offer's announced end, if any.")
    # `catalog.provenance.disagreements`: offers from one serving provider that state different values.
    has_disagreement = models.BooleanField(default=False)
    disagreeing_gateways_text = models.CharField(max_length=1024, default=",", help_text="',portkey,deepinfra,'")
    public_json = models.TextField()
    openai_json = models.TextField(default="")
    # `[[gateway, upstream id, pricing_dynamic, prices, provider], ...]` per offer, in offer order: what the
    # cost ranking reads (`catalog.cost_ranking`) without parsing the whole entry.
    offer_prices_json = models.TextField(default="[]")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["model_id"]
        indexes = [
            models.Index(fields=["name"], name="merged_name"),
            models.Index(fields=["created"], name="merged_created"),
            models.Index(fields=["context_length"], name="merged_context"),
            models.Index(fields=["prompt_price"], name="merged_prompt_price"),
            models.Index(fields=["completion_price"], name="merged_completion_price"),
            models.Index(Lower("model_id"), name="merged_model_id_lower"),
            models.Index(fields=["merge_key"], name="merged_merge_key"),
            # `has_disagreement=true`: few entries, so only those are indexed.
            models.Index(fields=["has_disagreement"], name="merged_disagreement", condition=models.Q(has_disagreement=True)),
            models.Index(fields=["sunset_at"], name="merged_sunset"),
        ]

    def __str__(self) -> str:
        return self.model_id


class ModelAlias(models.Model):
    """Another name of a model: `alias` (a spelled key, `catalog.identity.spelled`) is the model
    whose merge key is `canonical_key`. Publishes resolve every record's key through this table, and
    a lookup by an alias answers with the canonical entry (`matched_by: "alias"`)."""

    class Source(models.TextChoices):
        HUGGING_FACE_ID = "hugging_face_id", "an upstream's Hugging Face id"
        CANONICAL_SLUG = "canonical_slug", "an upstream's canonical slug"
        CURATED = "curated", "the curated file (catalog/data/model_aliases.json)"
        STAFF = "staff", "added by staff"

    alias = models.CharField(max_length=600, unique=True)
    canonical_key = models.CharField(max_length=600, db_index=True)
    source = models.CharField(max_length=24, choices=Source.choices, default=Source.STAFF)
    gateway = models.ForeignKey(
        "gateways.Gateway", on_delete=models.SET_NULL, null=True, blank=True, help_text="The gateway whose list stated it."
    )
    evidence = models.TextField(blank=True, default="", help_text="Why the two names are one model (a link, a doc quote).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "model aliases"

    def __str__(self) -> str:
        return f"{self.alias} -> {self.canonical_key}"


class ModelChange(models.Model):
    class Kind(models.TextChoices):
        ADDED = "added", "added"
        REMOVED = "removed", "removed"
        PRICE_CHANGED = "price_changed", "price changed"
        CONTEXT_CHANGED = "context_changed", "context changed"
        # `catalog.lifecycle`: gone from its list but still served, and back on it before removal.
        MISSING = "missing", "missing"
        RETURNED = "returned", "returned"

    gateway = models.ForeignKey("gateways.Gateway", on_delete=models.CASCADE, related_name="model_changes")
    ai_model = models.ForeignKey(AIModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    upstream_id = models.CharField(max_length=512)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # The price components the change is about, comma-wrapped (",input_token,cache_read,") so the
    # feed's `component` filter runs in SQL on SQLite and PostgreSQL (`catalog.prices.COMPONENTS`).
    components_text = models.CharField(max_length=1024, default=",")
    # The largest relative change of a per-token price, in percent, written with the row
    # (`catalog.change_prices.largest_change_percent`) so `min_change_percent` filters in SQL.
    change_percent = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    recorded_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["gateway", "-recorded_at"], name="change_gateway_recent"),
            # The feed's `model=` (case-insensitive), in id order as the cursor reads it.
            models.Index(Lower("upstream_id"), "id", name="change_model_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.upstream_id} {self.kind}"


class CatalogVersion(models.Model):
    """A single row whose `version` grows on every publish that changed anything: ETags and
    response-cache keys derive from it, so a publish invalidates them all at once."""

    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    totals = models.JSONField(
        default=dict, blank=True, help_text='Unfiltered list totals at this version: {"all": n, "gateways": {slug: n}}.'
    )

    def __str__(self) -> str:
        return f"catalog version {self.version}"


class Source(models.Model):
    """A gateway as the catalog serves it: the public facts and the freshness inputs of one
    `gateways.Gateway`, written down by the gateways app whenever they change (`gateways/models.py`).
    The read path reads only this table, so the catalog never asks another app at run time; the
    rules that turn it into a status are in `catalog.freshness`."""

    gateway = models.OneToOneField("gateways.Gateway", on_delete=models.CASCADE, primary_key=True, related_name="catalog_source")
    slug = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=64)
    enabled = models.BooleanField(default=True)
    priority = models.IntegerField(default=0)
    configuration_problem = models.CharField(
        max_length=300,
        blank=True,
        default="",
        help_text="Why it cannot be refreshed as configured (names a variable, never a value).",
    )
    refresh_interval_seconds = models.PositiveIntegerField()
    stale_after_seconds = models.PositiveIntegerField()
    missing_grace_seconds = models.PositiveIntegerField(default=24 * 3600)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    published_fallback = models.BooleanField(default=False, help_text="The last refresh published a fallback or static list.")
    circuit_open = models.BooleanField(default=False, help_text="The circuit breaker is not closed.")
    review_pending = models.BooleanField(default=False, help_text="The drift guard held values that wait for review.")

    class Meta:
        ordering = ["-priority", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def configured(self) -> bool:
        return not self.configuration_problem


class ListingSpan(models.Model):
    """When one offer (`AIModel` row) was listed: opened when the row is published active, closed
    when it is deactivated, opened again if it comes back. It answers "which models were listed
    at t" for any row, priced or not (`catalog.history`)."""

    # No index of its own: the (ai_model, valid_from) index serves lookups by row.
    ai_model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="listing_spans", db_index=False)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True, help_text="Null while the row is listed.")

    class Meta:
        ordering = ["ai_model_id", "valid_from"]
        indexes = [
            models.Index(fields=["ai_model", "valid_from"], name="listing_model_from"),
            models.Index(fields=["valid_from"], name="listing_from"),
            models.Index(fields=["valid_to"], name="listing_to"),
        ]

    def __str__(self) -> str:
        return f"{self.ai_model_id} listed {self.valid_from:%Y-%m-%d %H:%M}..{self.valid_to or ''}"


class PriceSpan(models.Model):
    """One price of one offer while it held: the served price entry (`catalog.prices`) identified
    by its slot (component, tier, window) and unit, with the exact USD text it was served with.
    A new amount closes the span and opens another (`catalog.history`)."""

    # No index of its own: the (ai_model, valid_from) index serves lookups by row.
    ai_model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="price_spans", db_index=False)
    component = models.CharField(max_length=32)
    unit = models.CharField(max_length=16)
    min_prompt_tokens = models.BigIntegerField(null=True, blank=True)
    window = models.JSONField(null=True, blank=True, help_text='As served: {"start", "end", "time_zone"}.')
    usd = models.CharField(max_length=64, help_text="Exact decimal text, USD per unit (never a float).")
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True, help_text="Null while the price holds.")

    class Meta:
        ordering = ["ai_model_id", "valid_from", "pk"]
        indexes = [
            models.Index(fields=["ai_model", "valid_from"], name="pricespan_model_from"),
            models.Index(fields=["valid_from"], name="pricespan_from"),
            models.Index(fields=["valid_to"], name="pricespan_to"),
        ]

    def __str__(self) -> str:
        return f"{self.ai_model_id} {self.component} {self.usd}/{self.unit}"


class WebhookSubscription(models.Model):
    """A receiver of the change feed by push (`catalog.webhooks`; delivered by
    `gateways.webhook_delivery`). `signing_key` is the Standard Webhooks key, base64: the secret
    (`whsec_` + it) is shown once, in the answer that created the subscription, and never again."""

    url = models.URLField(max_length=2000, help_text="Where each publish's matching changes are POSTed.")
    filters = models.JSONField(default=dict, blank=True, help_text="The change-feed filters (docs/subscribing.md).")
    signing_key = models.CharField(max_length=64, editable=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last delivered one (none while it succeeds)."
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url}"


class WebhookDelivery(models.Model):
    """The outbox: one row per publish per matching subscription, written in the publish's own
    transaction (`catalog.webhooks.queue_deliveries`). `body` is rendered then and never changes,
    so every attempt and every replay sends the same bytes under the same `webhook_id`."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=40, unique=True)
    body = models.TextField()
    change_count = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Due when pending and at or before now; an attempt in flight pushes it past its own timeout (a lease).
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return self.webhook_id


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, what came back (status code or error kind) and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=32, blank=True, default="")
    latency_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
