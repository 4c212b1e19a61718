"""Gateways (one row per configured upstream) and their refresh history.

The health columns on `Gateway` are written by every refresh attempt, whatever the outcome
(`gateways.runs`). The facts the catalog's read path needs (public facts and freshness inputs) are
written down to `catalog.Source` whenever they change: `Gateway.save()` and every queryset
`update()` of one of `MIRRORED_FIELDS` re-write them in the same transaction, and
`sync_sources()` re-writes them on demand (the scheduler's tick, `migrate`). `catalog.freshness`
turns them into a status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from catalog.models import Source
from catalog.sources import sources_write
from gateways.addresses import base_url_problem
from gateways.errors import ErrorKind
from gateways.keys import configuration_problem
from gateways.registry import UnknownKind, adapter_for, kind_choices

# The columns `catalog.Source` copies: an update of any of them is written down.
MIRRORED_FIELDS = frozenset(
    {
        "slug",
        "name",
        "kind",
        "enabled",
        "priority",
        "refresh_interval_seconds",
        "stale_after_seconds",
        "missing_grace_seconds",
        "last_success_at",
        "consecutive_failures",
        "last_outcome",
        "circuit_state",
        "review_pending",
    }
)


class GatewayQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if not MIRRORED_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            # The rows first: the filter may name a column this update changes.
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            self.model.objects.filter(pk__in=pks).sync_sources()
        return count

    def sync_sources(self) -> int:
        """Write these gateways' facts down to `catalog.Source`; returns how many rows changed."""
        return sources_write(gateway.source_facts() for gateway in self)


class Gateway(models.Model):
    class Circuit(models.TextChoices):
        CLOSED = "closed", "closed"
        OPEN = "open", "open"
        HALF_OPEN = "half_open", "half-open"

    slug = models.SlugField(max_length=64, unique=True, help_text="Used in URLs, GATEWAY_KEY_<SLUG> and commands.")
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=64, choices=kind_choices, help_text="Which adapter parses this upstream.")
    base_url = models.URLField(
        max_length=512,
        blank=True,
        default="",
        help_text="Blank: the adapter's default. GATEWAY_BASE_URL_<SLUG> overrides both.",
    )
    enabled = models.BooleanField(default=True)
    priority = models.IntegerField(
        default=0, help_text="Higher wins: a merged model keeps the id and fields of its highest-priority gateway."
    )
    refresh_interval_seconds = models.PositiveIntegerField(
        default=3600, validators=[MinValueValidator(60)], help_text="Refresh when the data is older than this."
    )
    stale_after_seconds = models.PositiveIntegerField(
        default=3 * 3600, validators=[MinValueValidator(60)], help_text="Data older than this is served labelled stale."
    )
    missing_grace_seconds = models.PositiveIntegerField(
        default=24 * 3600,
        help_text=(
            "A model missing from the list stays served, marked missing, this long and for at least two "
            "refreshes in a row before it is removed. 0: removed at the second refresh without it."
        ),
    )
    min_expected_models = models.PositiveIntegerField(
        default=1, help_text="A fetched list with fewer models is refused and the stored catalog kept."
    )
    max_shrink_fraction = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Refuse a list that lost more than this fraction of the active models (unless forced).",
    )
    max_reject_fraction = models.FloatField(
        default=0.2,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Refuse a list in which more than this fraction of items could not be normalized.",
    )
    # The drift guard (`catalog.drift`, docs/operations.md "Drift guard"): suspect values are held for review.
    drift_price_factor = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        default=Decimal(10),
        validators=[MinValueValidator(Decimal("1.001"))],
        help_text="Hold a price that moves up or down by more than this factor (must be over 1; 10 = tenfold).",
    )
    drift_repriced_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))],
        help_text="Hold every price change of a list in which more than this share of the models changed price (0-1].",
    )
    drift_field_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))],
        help_text="A field at least this share of the models had, lost by most of them, keeps its stored values (0-1].",
    )
    allow_insecure_http = models.BooleanField(default=False, help_text="Allow plain http:// to a public host.")
    options = models.JSONField(default=dict, blank=True, help_text="Per-kind options, validated by the adapter.")

    # Health columns, written by every refresh attempt.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    last_error_kind = models.CharField(max_length=32, blank=True, default="", choices=ErrorKind.CHOICES)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_model_count = models.PositiveIntegerField(null=True, blank=True)
    degraded_reason = models.CharField(max_length=300, blank=True, default="")
    refresh_requested = models.BooleanField(default=False, help_text="Due at the next scheduler tick.")
    review_pending = models.BooleanField(default=False, help_text="A held refresh run waits for staff review (drift guard).")
    circuit_state = models.CharField(max_length=16, choices=Circuit.choices, default=Circuit.CLOSED)
    circuit_opened_at = models.DateTimeField(null=True, blank=True)
    # Single flight: a lease taken with one conditional UPDATE (gateways.leases).
    lease_token = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Deduplicated enqueueing: set (one conditional UPDATE) when a refresh task is queued, kept
    # while it waits for a retry, cleared when it is done; an old mark counts as lost.
    refresh_queued_at = models.DateTimeField(null=True, blank=True)
    # An upstream's Retry-After: no automatic refresh of this gateway before then.
    retry_not_before = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "slug"]

    def __str__(self) -> str:
        return self.name or self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            sources_write([self.source_facts()])

    @property
    def adapter_class(self):
        return adapter_for(self.kind)

    def source_facts(self) -> Source:
        """This gateway as the catalog serves it (an unsaved `catalog.Source`)."""
        return Source(
            gateway_id=self.pk,
            slug=self.slug,
            name=self.name,
            kind=self.kind,
            enabled=self.enabled,
            priority=self.priority,
            configuration_problem=configuration_problem(self) or "",
            refresh_interval_seconds=self.refresh_interval_seconds,
            stale_after_seconds=self.stale_after_seconds,
            missing_grace_seconds=self.missing_grace_seconds,
            last_success_at=self.last_success_at,
            consecutive_failures=self.consecutive_failures,
            published_fallback=self.last_outcome == RefreshRun.Outcome.DEGRADED,
            circuit_open=self.circuit_state != Gateway.Circuit.CLOSED,
            review_pending=self.review_pending,
        )

    def clean(self) -> None:
        super().clean()
        try:
            adapter = adapter_for(self.kind)
        except UnknownKind as exc:
            raise ValidationError({"kind": str(exc)}) from None
        try:
            self.options = adapter.clean_options(self.options or {})
        except ValueError as exc:
            raise ValidationError({"options": str(exc)}) from None
        if (
            self.refresh_interval_seconds is not None
            and self.stale_after_seconds is not None
            and self.stale_after_seconds <= self.refresh_interval_seconds
        ):
            raise ValidationError(
                {
                    "stale_after_seconds": (
                        f"must be longer than the refresh interval ({self.refresh_interval_seconds} s): a shorter window "
                        f"labels the data stale for part of every interval. Three intervals "
                        f"({3 * self.refresh_interval_seconds} s) is a good start."
                    )
                }
            )
        if not (self.base_url or adapter.default_base_url):
            raise ValidationError({"base_url": f"{adapter.label} has no default URL; enter the base URL (…/v1)"})
        if self.base_url:
            # The fetch refuses such a URL anyway (after DNS, on every request): say so when it is entered.
            problem = base_url_problem(self.base_url, allow_http=self.allow_insecure_http)
            if problem:
                raise ValidationError({"base_url": problem})


class RefreshRun(models.Model):
    class Outcome(models.TextChoices):
        # `queued`: asked for by an operator (admin, dashboard, POST /cache/refresh) and waiting for a
        # worker; the task fills this row in when it starts, so the caller can report its id at once.
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCESS = "success", "success"
        DEGRADED = "degraded", "degraded"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped"
        # Published, except suspect values the drift guard held for review (`HeldValue`).
        HELD = "held", "held for review"

    class Review(models.TextChoices):
        # A held run's review: pending until staff approve or reject it, or a later publish of the
        # gateway supersedes it (its held values then describe a list that is no longer the latest).
        PENDING = "pending", "pending"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        SUPERSEDED = "superseded", "superseded by a later refresh"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "schedule"
        MANUAL = "manual", "manual (admin or API)"
        COMMAND = "command", "management command"
        IMPORT = "import", "import_catalog"
        STALE_READ = "stale_read", "stale read"
        DRY_RUN = "dry_run", "test connection"

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    forced = models.BooleanField(default=False)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    error_kind = models.CharField(max_length=32, blank=True, default="", choices=ErrorKind.CHOICES)
    error_message = models.TextField(blank=True, default="")
    retryable = models.BooleanField(default=False)
    retry_after_seconds = models.FloatField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    models_seen = models.PositiveIntegerField(default=0)
    models_added = models.PositiveIntegerField(default=0)
    models_changed = models.PositiveIntegerField(default=0)
    models_unchanged = models.PositiveIntegerField(default=0)
    models_deactivated = models.PositiveIntegerField(default=0, help_text="Removed: missing past the grace period.")
    models_missing = models.PositiveIntegerField(default=0, help_text="Lacked by the list, still served in the grace period.")
    models_rejected = models.PositiveIntegerField(default=0)
    models_skipped = models.PositiveIntegerField(default=0)
    # Per-model endpoints bodies (docs/adapters.md, "OpenRouter endpoints"): published, and failed
    # (fetch, body or publish; the reasons are in `warnings`). A failed one never fails the run.
    endpoints_published = models.PositiveIntegerField(default=0, help_text="Models whose endpoints were read and published.")
    endpoints_failed = models.PositiveIntegerField(
        default=0, help_text="Models whose endpoints could not be fetched or published."
    )
    rejections = models.JSONField(default=list, blank=True, help_text="The first rejection reasons.")
    warnings = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    drift_reasons = models.JSONField(default=list, blank=True, help_text="Why the drift guard held values (first reasons).")
    models_held = models.PositiveIntegerField(default=0, help_text="Models with values held for review.")
    review_state = models.CharField(max_length=16, choices=Review.choices, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["gateway", "-started_at"], name="run_gateway_recent")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class HeldValue(models.Model):
    """One model's values a held run kept back (`catalog.services.HeldModel`): `values` is the
    model's whole new row, ready to publish on approval; `held` names what was suspect."""

    run = models.ForeignKey(RefreshRun, on_delete=models.CASCADE, related_name="held_values")
    ai_model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="+")
    upstream_id = models.CharField(max_length=512)
    held = models.JSONField(default=list, help_text='"prices", or the fields whose stored values were kept.')
    reasons = models.JSONField(default=list)
    values = models.JSONField(help_text="The row as the held list would have published it.")

    class Meta:
        ordering = ["run_id", "upstream_id"]

    def __str__(self) -> str:
        return f"{self.upstream_id} ({', '.join(self.held)})"


# Outcomes of runs that published their list.
PUBLISHED_OUTCOMES = (RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.DEGRADED, RefreshRun.Outcome.HELD)

# Refreshes nobody asked for: they respect an open circuit.
AUTOMATIC_TRIGGERS = (RefreshRun.Trigger.SCHEDULE, RefreshRun.Trigger.STALE_READ)


class BuiltinSeed(models.Model):
    """A built-in gateway this database has been given (`gateways.builtins`): given once, so a
    built-in that staff delete stays deleted."""

    slug = models.SlugField(max_length=64, unique=True)
    seeded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug
