"""`manage.py gateway_docs [--check]`: write the supported-gateways table into
docs/gateways.md from the adapter registry."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gateways.docs import expected_files


class Command(BaseCommand):
    help = "Regenerate the supported-gateways table in docs/gateways.md (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Exit 1 if a file differs; write nothing.")

    def handle(self, *args, check: bool, **options) -> None:
        root = Path(settings.BASE_DIR)
        stale = []
        for path, content in expected_files(root).items():
            current = path.read_text() if path.exists() else None
            if current == content:
                continue
            stale.append(path.relative_to(root))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
                self.stdout.write(f"wrote {path.relative_to(root)}")
        if check and stale:
            raise CommandError(f"out of date: {', '.join(map(str, stale))}; run `manage.py gateway_docs`", returncode=1)
        if not stale:
            self.stdout.write("gateway docs are up to date")
