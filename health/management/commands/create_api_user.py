"""`manage.py create_api_user USERNAME [--staff] [--rotate]`: a user and its API token, for scripts.

Prints only the token on stdout, so `TOKEN=$(python manage.py create_api_user ci --staff)` works.
Run again, it prints the same token (idempotent); `--rotate` replaces it. The user gets no
password: it signs in with the token only. The system endpoints (/cache/...) need `--staff`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create (or reuse) a user and print its DRF API token. --staff for the system endpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--staff", action="store_true", help="Make the user staff (needed for /cache/... endpoints).")
        parser.add_argument("--rotate", action="store_true", help="Replace the user's existing token with a new one.")

    def handle(self, *args, username: str, staff: bool, rotate: bool, **options) -> None:
        username = username.strip()
        if not username:
            raise CommandError("USERNAME must not be empty")
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_unusable_password()
            if staff and not user.is_staff:
                user.is_staff = True
            user.save()
            if rotate:
                Token.objects.filter(user=user).delete()
            token, new_token = Token.objects.get_or_create(user=user)
        what = "created" if created else "exists"
        role = "staff" if user.is_staff else "not staff: /cache/... endpoints will answer 403 (add --staff)"
        self.stderr.write(f"user {username} {what} ({role}); token {'issued' if new_token else 'unchanged'}")
        self.stdout.write(token.key)
