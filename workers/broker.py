"""Configure Dramatiq's broker before any actor is imported (every actor module imports this first).

The settings are the app's own (berjasa.config: defaults < BERJASA_* environment). BERJASA_BROKER_URL
set: Redis, for separate worker processes. Unset: a StubBroker whose messages are handled by in-process
Worker threads (the embedded mode, see workers.embedded).

BERJASA_BROKER_MAINTENANCE_CHANCE: out of a million broker commands, how many also run the requeue
maintenance. Idle consumers poll about ten times a second per queue (`berjasa worker` sets
dramatiq_worker_timeout=100), so 10,000 (1%) runs maintenance about every second: with the heartbeat
timeout (BERJASA_BROKER_HEARTBEAT_TIMEOUT_MS, 20 s), a crashed worker's messages come back well within a
minute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker

from berjasa.config import broker_settings


def make_broker(settings: Mapping[str, Any]) -> dramatiq.Broker:
    if not settings["BROKER_URL"]:
        return StubBroker()
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(
        url=settings["BROKER_URL"],
        namespace=settings["BROKER_NAMESPACE"],
        heartbeat_timeout=settings["BROKER_HEARTBEAT_TIMEOUT_MS"],
        maintenance_chance=settings["BROKER_MAINTENANCE_CHANCE"],
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


broker = make_broker(broker_settings())
dramatiq.set_broker(broker)
