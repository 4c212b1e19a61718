"""Settings of the web process that the Redis-outage test starts: the project's settings (from the
environment, as in production) with a URLconf that adds one catalog read (`tests.e2e.web_urls`)."""

from gatewayz_site.settings import *  # noqa: F403

ROOT_URLCONF = "tests.e2e.web_urls"
