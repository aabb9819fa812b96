"""Configure Dramatiq's broker before any actor is imported (every actor module imports this first).

BERJASA_BROKER_URL set: Redis, for separate worker processes. Unset: a StubBroker whose messages
are handled by in-process Worker threads (the embedded mode, see workers.embedded).
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.stub import StubBroker

#: A worker that stops heart-beating for this long is dead and its unacked messages go back on the queue.
HEARTBEAT_TIMEOUT_MS = int(os.environ.get("BERJASA_BROKER_HEARTBEAT_TIMEOUT_MS", "20000"))
#: Out of a million broker commands, how many also run the requeue maintenance. Idle consumers poll
#: about ten times a second per queue (`berjasa worker` sets dramatiq_worker_timeout=100), so 10,000
#: (1%) runs maintenance about every second: with the heartbeat timeout above, a crashed worker's
#: messages come back well within a minute.
MAINTENANCE_CHANCE = int(os.environ.get("BERJASA_BROKER_MAINTENANCE_CHANCE", "10000"))


def make_broker(url: str | None) -> dramatiq.Broker:
    if not url:
        return StubBroker()
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(
        url=url,
        namespace=os.environ.get("BERJASA_BROKER_NAMESPACE", "berjasa"),
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


broker = make_broker(os.environ.get("BERJASA_BROKER_URL", ""))
dramatiq.set_broker(broker)
