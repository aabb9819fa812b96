"""Every model, imported once so that Alembic and create_all see the whole schema."""

from berjasa.audit.models import AuditVerification
from berjasa.auth.models import ApiToken, User
from berjasa.bpjs.models import BpjsMembership
from berjasa.calendar.models import CalendarChange, CalendarOverride
from berjasa.checks.models import CheckNight, CheckRun
from berjasa.claims.models import Claim, ClaimHospital, IdempotencyKey
from berjasa.db import Base
from berjasa.discrepancies.models import Discrepancy
from berjasa.enrolment.models import CoveragePeriod, Enrolment, ImportBatch, ImportRowError
from berjasa.events.models import CaseActivity, CaseEvent, ConsumerCursor, OutboxEvent, ProcessedMessage, Timer
from berjasa.notifications.models import (
    Delivery,
    DeliveryAttempt,
    DigestRun,
    Notification,
    NotificationRead,
    WebhookEndpoint,
)
from berjasa.parties.models import Party, PlkkAgreement
from berjasa.premiums.models import PremiumInvoice, PremiumPayment
from berjasa.registry.models import Kecamatan, Participant
from berjasa.reports.models import (
    ClaimCounts,
    ClaimDurations,
    ClaimFlows,
    ClaimTally,
    CoverageSpans,
    CoverageTally,
    EnrolmentStays,
    SlaClockTally,
    SlaCounts,
    SlaUsed,
    SlaUsedBy,
    StayTally,
)
from berjasa.sla.models import Breach, ClockRow
from berjasa.system.models import Ping

metadata = Base.metadata

__all__ = [
    "ApiToken", "AuditVerification", "BpjsMembership", "Breach", "CalendarChange", "CalendarOverride", "CaseActivity",
    "CaseEvent", "CheckNight", "CheckRun", "Claim", "ClaimCounts", "ClaimDurations", "ClaimFlows", "ClaimHospital",
    "ClaimTally", "ClockRow", "ConsumerCursor", "CoveragePeriod", "CoverageSpans", "CoverageTally", "Delivery",
    "DeliveryAttempt", "DigestRun", "Discrepancy", "Enrolment", "EnrolmentStays", "IdempotencyKey", "ImportBatch",
    "ImportRowError", "Kecamatan", "Notification", "NotificationRead", "OutboxEvent", "Participant", "Party", "Ping",
    "PlkkAgreement", "PremiumInvoice", "PremiumPayment", "ProcessedMessage", "SlaClockTally", "SlaCounts", "SlaUsed",
    "SlaUsedBy", "StayTally", "Timer", "User", "WebhookEndpoint", "metadata",
]
