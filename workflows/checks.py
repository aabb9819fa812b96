"""The cross-checks between Disnaker, BPJS and the hospitals, declared once: what each compares, the party that
must act on what it finds, how severe that is, and what makes it run. Pure data; the queries that find what a
check looks for live in berjasa/checks/finders.py under the same names.

Every check runs in full nightly (the tick). `events` are the event types after which it runs on what the event is
about (a participant, a claim); `imports` the import kinds after which it runs in full (those that bring the data it
compares).
`scope` says what an event-driven run narrows it to: "person" (participants and their NIKs), "claim", or "all" (the
check is cheap and always runs in full)."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("low", "medium", "high")
PARTIES = ("disnaker", "bpjs", "hospital")

#: Enrolment transitions that change whether (and how) the city holds a person as active.
ENROLMENT_CHANGES = ("enrolment.activate", "enrolment.lapse", "enrolment.terminate", "enrolment.reactivate")


@dataclass(frozen=True)
class Check:
    name: str
    compares: str
    party: str  # who must act: disnaker, bpjs, or hospital (the claim's treating hospital)
    severity: str
    subject: str  # what one finding is about: enrolment, participant, nik, claim, invoice
    scope: str = "person"
    events: tuple[str, ...] = ()
    imports: tuple[str, ...] = ("bpjs",)

    def __post_init__(self) -> None:
        if self.party not in PARTIES or self.severity not in SEVERITIES:
            raise ValueError(f"check {self.name}: party {self.party!r} or severity {self.severity!r} unknown")


CHECKS: tuple[Check, ...] = (
    Check("enrolment_active_not_at_bpjs",
          "an enrolment active in the city against the BPJS membership file: the NIK missing there or non-active "
          "(not for arrears, which `arrears` reports)",
          "bpjs", "high", "enrolment", events=ENROLMENT_CHANGES),
    Check("active_at_bpjs_not_in_city",
          "a NIK active at BPJS and paid by the city's programme against the city's enrolments: none active "
          "(terminations as deceased or moved are `paid_for_deceased_or_moved`)",
          "disnaker", "high", "nik", events=ENROLMENT_CHANGES),
    Check("kpj_mismatch",
          "the KPJ number the city holds for a participant against the one in the BPJS file for the same NIK",
          "bpjs", "medium", "participant", events=("enrolment.activate", "participant.correct")),
    Check("identity_mismatch",
          "the participant's name (fuzzy, below the BERJASA_CHECK_NAME_SCORE threshold) or birth date against the "
          "BPJS file for the same NIK",
          "disnaker", "medium", "participant", events=("enrolment.activate", "participant.correct")),
    Check("arrears",
          "months in arrears in the BPJS file for an enrolment active in the city, against the lapse rule "
          "(BERJASA_CHECK_ARREARS_MONTHS, 3 by default)",
          "disnaker", "high", "enrolment", events=ENROLMENT_CHANGES),
    Check("premium_invoice_mismatch",
          "BPJS's invoice for a month, cohort and programme (count, amount) against the city's own liability "
          "(/reports/premiums)",
          "bpjs", "high", "invoice", scope="all",
          events=("invoice.recorded",), imports=("bpjs_invoices",)),
    Check("premium_unpaid",
          "an invoice whose due date has passed against the city's payments for it (their sum short of the amount)",
          "disnaker", "high", "invoice", scope="all",
          events=("invoice.recorded", "payment.recorded"), imports=("bpjs_invoices", "city_payments")),
    Check("admitted_not_verified",
          "a claim in hospital care for more than BERJASA_CHECK_ADMITTED_DAYS days against BPJS's decision "
          "(verify or reject)",
          "bpjs", "medium", "claim", scope="claim",
          events=("claim.admit", "claim.verify", "claim.reject", "claim.withdraw", "claim.complete_treatment",
                  "timer.due"), imports=()),
    Check("claim_without_cover",
          "a verified claim's accident date against the participant's coverage periods (e.g. a lapse back-dated "
          "after the verification)",
          "bpjs", "high", "claim", scope="claim",
          events=("claim.verify", "claim.reopen", "enrolment.lapse", "enrolment.terminate"), imports=()),
    Check("care_cost_mismatch",
          "the medical cost the treating hospital reported (complete_treatment) against the medical line BPJS paid",
          "hospital", "medium", "claim", scope="claim",
          events=("claim.complete_treatment", "claim.pay"), imports=()),
    Check("duplicate_open_claims",
          "open claims of one NIK at two hospitals for accidents within a day of each other",
          "bpjs", "high", "nik", scope="claim",
          events=("claim.created", "claim.admit", "claim.refer", "claim.reject", "claim.withdraw", "claim.close",
                  "claim.reopen"), imports=()),
    Check("paid_for_deceased_or_moved",
          "a NIK still active at BPJS on the city's programme against an enrolment the city terminated as deceased "
          "or moved",
          "bpjs", "high", "enrolment", events=("enrolment.terminate", "enrolment.reactivate")),
    Check("registered_elsewhere",
          "an enrolment active in the city against the BPJS file's payer for the NIK: an employer or another agency "
          "(the city may be paying twice for one person)",
          "disnaker", "high", "enrolment", events=ENROLMENT_CHANGES),
)

BY_NAME: dict[str, Check] = {check.name: check for check in CHECKS}


def triggered_by(event_type: str) -> list[Check]:
    """The checks that run on what this event is about."""
    return [check for check in CHECKS if event_type in check.events]


def after_import(kind: str) -> list[Check]:
    """The checks that run in full after an import of this kind (those that compare what it brings)."""
    return [check for check in CHECKS if kind in check.imports]


EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(e for check in CHECKS for e in check.events))
