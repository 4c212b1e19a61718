"""What the catalog announces to the apps above it. The catalog never imports them: they connect.

`stale_data_read(sender, slugs)`: a read served data of these gateways that is older than their
stale window (sent after the response went out). `gateways` connects the receiver that queues one
refresh of each (deduplicated); nothing waits for it.
"""

from __future__ import annotations

from django.dispatch import Signal

stale_data_read = Signal()

# `webhook_deliveries_queued(sender, delivery_ids)`: pending webhook deliveries were committed
# (`catalog.webhooks`): `gateways` connects the receiver that queues their delivery tasks.
webhook_deliveries_queued = Signal()
