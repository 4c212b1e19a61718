"""The Celery app. Tasks live in `gateways/tasks.py`; settings come from Django (`CELERY_*`)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewayz_site.settings")

app = Celery("gatewayz_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
