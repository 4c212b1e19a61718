"""The Celery app. Tasks live in `gateways/tasks.py`; settings come from Django (`CELERY_*`)."""

from __future__ import annotations

import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewayz_site.settings")

app = Celery("gatewayz_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**_: object) -> None:
    """The worker and beat log through Django's `LOGGING` (one JSON object per line in production,
    `LOG_FORMAT`), not Celery's own text format: connecting here stops Celery configuring logging."""
    from django.conf import settings

    dictConfig(settings.LOGGING)
