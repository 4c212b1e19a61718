"""`manage.py check_gateways [SLUG ...] [--fix] [--json] [--verbose]` for cron and CI.

Prints each gateway's state from the same selectors as the dashboard. Exit status: 0 when every
enabled, configured gateway is ok; 1 otherwise; 2 on bad arguments. `--fix` refreshes the gateways
that are not ok, inline (no broker), then reports again.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from catalog.counts import NO_MODELS, model_figures
from catalog.freshness import DISABLED, OK, UNCONFIGURED, data_age_seconds
from gateways.circuit import circuit_state
from gateways.keys import has_key, is_configured, key_variable
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from health.selectors import gateway_status


def gateway_report(gateways: list[Gateway], *, now: datetime) -> list[dict[str, Any]]:
    figures = model_figures(gateway_ids=[g.pk for g in gateways])
    return [
        {
            "gateway": g.slug,
            "name": g.name,
            "status": gateway_status(g, now=now),
            "enabled": g.enabled,
            "configured": is_configured(g),
            "key_variable": key_variable(g.slug),
            "key_present": has_key(g.slug),
            "models": figures.get(g.pk, NO_MODELS).active,
            "min_expected_models": g.min_expected_models,
            "data_age_seconds": data_age_seconds(g, now=now),
            "refresh_interval_seconds": g.refresh_interval_seconds,
            "stale_after_seconds": g.stale_after_seconds,
            "last_success_at": g.last_success_at.isoformat() if g.last_success_at else None,
            "last_error_kind": g.last_error_kind or None,
            "last_error": g.last_error or None,
            "consecutive_failures": g.consecutive_failures,
            "circuit_state": circuit_state(g, now=now),
        }
        for g in gateways
    ]


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def needs_attention(row: dict[str, Any]) -> bool:
    return row["status"] not in (OK, DISABLED, UNCONFIGURED)


class Command(BaseCommand):
    help = (
        "Show each gateway's health from stored data. Exit 0 when every enabled, configured gateway is ok, "
        "1 otherwise, 2 on bad arguments. --fix refreshes the ones that are not ok, inline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Gateways to check (default: all).")
        parser.add_argument("--fix", action="store_true", help="Refresh the gateways that are not ok, then report again.")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print JSON for scripts instead of a table.")
        parser.add_argument("--verbose", action="store_true", help="Also print each gateway's last error message.")

    def handle(self, *args, slugs: list[str], fix: bool, as_json: bool, verbose: bool, **options) -> None:
        gateways = self._gateways(slugs)
        rows = gateway_report(gateways, now=timezone.now())
        fixed: list[dict[str, Any]] = []
        if fix:
            for gateway, row in zip(gateways, rows, strict=True):
                if needs_attention(row):
                    if not as_json:
                        self.stdout.write(f"fixing {gateway.slug} ({row['status']})...")
                    run = gateway_refresh(gateway=gateway, force=False, trigger=RefreshRun.Trigger.COMMAND)
                    fixed.append({"gateway": gateway.slug, "outcome": run.outcome, "error_kind": run.error_kind or None})
                    if not as_json:
                        self.stdout.write(
                            f"  {gateway.slug}: {run.outcome}"
                            + (f" ({run.error_kind}: {run.error_message})" if run.error_kind else "")
                        )
            gateways = self._gateways(slugs)
            rows = gateway_report(gateways, now=timezone.now())
        healthy = all(not needs_attention(row) for row in rows)
        if as_json:
            summary: dict[str, int] = {}
            for row in rows:
                summary[row["status"]] = summary.get(row["status"], 0) + 1
            payload = {"healthy": healthy, "summary": summary, "gateways": rows}
            if fix:
                payload["fixed"] = fixed
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self._table(rows, verbose=verbose)
        if not healthy:
            raise CommandError("some gateways are not ok", returncode=1)

    def _gateways(self, slugs: list[str]) -> list[Gateway]:
        gateways = Gateway.objects.order_by("slug")
        if not slugs:
            return list(gateways)
        found = {g.slug: g for g in gateways.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            valid = ", ".join(Gateway.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"unknown gateway(s): {', '.join(unknown)}. Valid: {valid}", returncode=2)
        return [found[s] for s in slugs]

    def _table(self, rows: list[dict[str, Any]], *, verbose: bool) -> None:
        header = ("GATEWAY", "STATUS", "MODELS/MIN", "AGE/INTERVAL", "LAST SUCCESS", "FAILS", "CIRCUIT", "LAST ERROR")
        lines = [header]
        for row in rows:
            lines.append(
                (
                    row["gateway"],
                    row["status"],
                    f"{row['models']}/{row['min_expected_models']}",
                    f"{_age(row['data_age_seconds'])}/{_age(row['refresh_interval_seconds'])}",
                    (row["last_success_at"] or "never")[:19].replace("T", " "),
                    str(row["consecutive_failures"]),
                    row["circuit_state"],
                    (row["last_error_kind"] or "-") + ("" if row["configured"] else f" ({row['key_variable']} not set)"),
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for line in lines:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if verbose:
            for row in rows:
                if row["last_error"]:
                    self.stdout.write(f"\n{row['gateway']}: {row['last_error']}")
