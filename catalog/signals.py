"""What the catalog announces to the apps above it. The catalog never imports them: they connect.

`stale_data_read(sender, slugs)`: a read served data of these gateways that is older than their
stale window (sent after the response went out). `gateways` connects the receiver that queues one
refresh of each (deduplicated); nothing waits for it.
"""

from __future__ import annotations

from django.dispatch import Signal

stale_data_read = Signal()
