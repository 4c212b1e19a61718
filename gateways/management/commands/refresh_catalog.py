"""`manage.py refresh_catalog [SLUG ...] [--force]`: refresh inline, no broker needed."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gateways.models import PUBLISHED_OUTCOMES, Gateway, RefreshRun
from gateways.refresh import gateway_refresh


class Command(BaseCommand):
    help = "Refresh gateways now, in this process (no broker). Exit status 1 when any refresh failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Gateways to refresh (default: every enabled one).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Accept a list smaller than the gateway's min_expected_models or one that shrank past the guard.",
        )

    def handle(self, *args, slugs: list[str], force: bool, **options) -> None:
        if slugs:
            found = {g.slug: g for g in Gateway.objects.filter(slug__in=slugs)}
            unknown = [s for s in slugs if s not in found]
            if unknown:
                valid = ", ".join(Gateway.objects.order_by("slug").values_list("slug", flat=True))
                raise CommandError(f"unknown gateway(s): {', '.join(unknown)}. Valid: {valid}")
            gateways = [found[s] for s in slugs]
        else:
            gateways = list(Gateway.objects.filter(enabled=True).order_by("slug"))
        failed = 0
        total = len(gateways)
        for index, gateway in enumerate(gateways, 1):
            if sys.stdout.isatty() and self.stdout.isatty():
                self.stdout.write(f"[{index}/{total}] {gateway.slug}: fetching...", ending="\r")
                self.stdout.flush()
            run = gateway_refresh(gateway=gateway, force=force, trigger=RefreshRun.Trigger.COMMAND)
            self.stdout.write(summary_line(run))
            failed += run.outcome == RefreshRun.Outcome.FAILED
        if failed:
            raise CommandError(f"{failed} of {total} gateway refreshes failed", returncode=1)


def summary_line(run: RefreshRun) -> str:
    slug = run.gateway.slug
    seconds = (run.duration_ms or 0) / 1000
    if run.outcome in PUBLISHED_OUTCOMES:
        line = (
            f"{slug}: {run.outcome} in {seconds:.1f}s: {run.models_seen} seen, {run.models_added} added, "
            f"{run.models_changed} changed, {run.models_deactivated} removed, {run.models_missing} missing, {run.models_rejected} rejected"
        )
        if run.outcome == RefreshRun.Outcome.HELD:
            line += f", {run.models_held} held for review (the drift guard: approve or reject them in admin)"
        if run.endpoints_published or run.endpoints_failed:
            line += f"; endpoints: {run.endpoints_published} models published, {run.endpoints_failed} failed"
        return line + (f" ({run.error_message})" if run.error_message else "")
    if run.outcome == RefreshRun.Outcome.SKIPPED:
        return f"{slug}: skipped: {run.error_message}"
    return f"{slug}: FAILED ({run.error_kind}) in {seconds:.1f}s: {run.error_message}"
