"""`create_api_user`: a token for scripts, non-interactively, that the system endpoints accept."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_user", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.django_db
def test_creates_a_staff_user_and_prints_only_its_token() -> None:
    token, note = run("ci-bot", "--staff")

    user = User.objects.get(username="ci-bot")
    assert token == Token.objects.get(user=user).key and len(token) == 40
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert note == "user ci-bot created (staff); token issued"
    assert Client().get("/cache/status", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.django_db
def test_running_again_prints_the_same_token_and_rotate_replaces_it() -> None:
    first, _ = run("ci-bot", "--staff")
    again, note = run("ci-bot")
    rotated, _ = run("ci-bot", "--rotate")

    assert again == first and note == "user ci-bot exists (staff); token unchanged"
    assert rotated != first
    assert Client().get("/cache/status", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    assert Client().get("/cache/status", HTTP_AUTHORIZATION=f"Token {rotated}").status_code == 200


@pytest.mark.django_db
def test_without_staff_the_token_is_refused_by_the_system_endpoints() -> None:
    token, note = run("reader")

    assert note == "user reader created (not staff: /cache/... endpoints will answer 403 (add --staff)); token issued"
    assert Client().get("/cache/status", HTTP_AUTHORIZATION=f"Token {token}").status_code == 403


@pytest.mark.django_db
def test_an_empty_username_is_refused() -> None:
    with pytest.raises(CommandError, match="USERNAME must not be empty"):
        run("  ")
    assert not User.objects.exists()
