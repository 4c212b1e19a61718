"""Bench-only settings: the product's settings plus the baseline view's URLconf.

`BENCH_RESPONSE_CACHE=cold` swaps the cache backend for one whose reads always miss while writes
still go to the configured backend, and turns off each process's recent entries: every request
then pays the full cold path (miss, query, render, store), as the first request after a publish
does.
"""

from __future__ import annotations

import os

from gatewayz_site.settings import *  # noqa: F403
from gatewayz_site.settings import CACHES, REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
DEBUG = False
# No per-client rate limit: the load generator is one client at thousands of requests a minute,
# and a throttle's per-client history would grow with the run instead of measuring the catalog.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_catalog": None}}

if os.environ.get("BENCH_RESPONSE_CACHE") == "cold":
    CATALOG_LOCAL_CACHE_BYTES = 0  # nor does a process keep recent entries of its own
    backend = CACHES["default"]["BACKEND"]
    CACHES["default"]["BACKEND"] = {
        "django.core.cache.backends.redis.RedisCache": "bench.cache.ColdRedisCache",
        "django.core.cache.backends.locmem.LocMemCache": "bench.cache.ColdLocMemCache",
    }.get(backend, "bench.cache.ColdLocMemCache")
