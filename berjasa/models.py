"""Every model, imported once so that Alembic and create_all see the whole schema."""

from berjasa.auth.models import ApiToken, User
from berjasa.db import Base
from berjasa.events.models import CaseActivity, CaseEvent, ConsumerCursor, OutboxEvent, ProcessedMessage, Timer
from berjasa.parties.models import Party, PlkkAgreement
from berjasa.registry.models import Kecamatan
from berjasa.system.models import Ping

metadata = Base.metadata

__all__ = [
    "ApiToken", "CaseActivity", "CaseEvent", "ConsumerCursor", "Kecamatan", "OutboxEvent", "Party", "Ping",
    "PlkkAgreement", "ProcessedMessage", "Timer", "User", "metadata",
]
