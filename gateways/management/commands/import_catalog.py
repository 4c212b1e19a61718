"""`manage.py import_catalog SLUG FILE|-`: publish a saved upstream body through the adapter.

Exit status: 0 published, 1 failed (nothing changed), 75 (`EX_TEMPFAIL`) skipped because a refresh
of the gateway held it: a script should try again later, not take the import for done."""

from __future__ import annotations

import sys
from os import EX_TEMPFAIL
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gateways.management.commands.refresh_catalog import summary_line
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import


class Command(BaseCommand):
    help = (
        "Run a saved response body of a gateway's model-list call through its adapter and publish it exactly "
        "as a live fetch would (same guards). FILE '-' reads standard input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("file", metavar="FILE", help="Path to the body, or - for standard input.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Accept a list smaller than the gateway's min_expected_models or one that shrank past the guard.",
        )
        parser.add_argument(
            "--accept-drift",
            action="store_true",
            help="You have checked this body: publish values the drift guard would hold for review (--force does not).",
        )

    def handle(self, *args, slug: str, file: str, force: bool, accept_drift: bool = False, **options) -> None:
        gateway = Gateway.objects.filter(slug=slug).first()
        if gateway is None:
            valid = ", ".join(Gateway.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"unknown gateway {slug!r}. Valid: {valid}")
        if file == "-":
            body = sys.stdin.buffer.read()
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            body = path.read_bytes()
        run = gateway_import(gateway=gateway, body=body, force=force, accept_drift=accept_drift)
        self.stdout.write(summary_line(run))
        if run.outcome == RefreshRun.Outcome.FAILED:
            raise CommandError(f"import into {slug} failed; the stored catalog is unchanged", returncode=1)
        if run.outcome == RefreshRun.Outcome.SKIPPED:
            raise CommandError(f"nothing was imported into {slug}: {run.error_message}; try again later", returncode=EX_TEMPFAIL)
