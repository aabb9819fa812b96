"""Language: Bahasa Indonesia by default, English per user (users.language, shared with the notifications); the
words for codes (states, triggers, fields, choices) and how times, money and durations read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from berjasa.time import WITA
from workflows import notifications as words

LANGUAGES = words.LANGUAGES
DEFAULT = words.DEFAULT_LANGUAGE


def locale() -> str:
    """The signed-in user's language, else the one chosen on the sign-in page, else Indonesian."""
    return g.get("language") or session.get("language") or DEFAULT


def english() -> bool:
    return str(get_locale()) == "en"


#: The words for the codes the pages show (the English; Indonesian in translations/id).
LABELS: dict[str, Any] = {
    # claim and enrolment states
    "reported": _l("reported"), "verified": _l("verified"), "hospital_care": _l("in hospital care"),
    "treatment_completed": _l("treatment completed"), "under_review": _l("under review"),
    "awaiting_documents": _l("awaiting documents"), "approved": _l("approved"), "paid": _l("paid"),
    "closed": _l("closed"), "rejected": _l("rejected"), "withdrawn": _l("withdrawn"), "submitted": _l("submitted"),
    "sent_to_bpjs": _l("sent to BPJS"), "active": _l("active"), "lapsed": _l("lapsed"),
    "terminated": _l("terminated"), "created": _l("created"),
    # triggers
    "verify": _l("Verify"), "admit": _l("Admit"), "refer": _l("Refer"), "update_care": _l("Update care"),
    "complete_treatment": _l("Complete treatment"), "submit_documents": _l("Submit documents"),
    "request_documents": _l("Request documents"), "approve": _l("Approve"), "pay": _l("Pay"),
    "close": _l("Close"), "reject": _l("Reject"), "withdraw": _l("Withdraw"), "reopen": _l("Reopen"),
    "send_to_bpjs": _l("Send to BPJS"), "activate": _l("Activate"), "lapse": _l("Lapse"),
    "reactivate": _l("Reactivate"), "terminate": _l("Terminate"), "create": _l("Created"),
    "correct": _l("Corrected"),
    # fields
    "nik": _l("NIK"), "name": _l("Name"), "sex": _l("Sex"), "birth_date": _l("Birth date"), "phone": _l("Phone"),
    "address": _l("Address"), "kecamatan": _l("Kecamatan"), "kelurahan": _l("Kelurahan"), "cohort": _l("Cohort"),
    "has_disability": _l("Has a disability"), "decile": _l("DTSEN decile"),
    "decile_snapshot": _l("DTSEN snapshot date"), "declared_income": _l("Declared income (Rp)"),
    "accident_at": _l("Accident time (WITA)"), "place": _l("Place"), "accident_type": _l("Accident type"),
    "chronology": _l("Chronology"), "injury": _l("Injury"), "reporter_name": _l("Reporter's name"),
    "reporter_phone": _l("Reporter's phone"), "hospital": _l("Hospital"), "admitted_at": _l("Admitted at (WITA)"),
    "care": _l("Care"), "reason": _l("Reason"), "referred_at": _l("Referred at (WITA)"), "note": _l("Note"),
    "expected_discharge": _l("Expected discharge"), "doctor_statement_at": _l("Doctor's statement at (WITA)"),
    "outcome": _l("Outcome"), "discharged_at": _l("Discharged at (WITA)"), "medical_cost": _l("Medical cost (Rp)"),
    "documents": _l("Documents handed in now"), "missing": _l("Missing documents"), "benefits": _l("Benefits (Rp)"),
    "payments": _l("Payments"), "line": _l("Benefit line"), "payee": _l("Payee"), "amount": _l("Amount (Rp)"),
    "reference": _l("Transfer reference"), "reason_code": _l("Reason"), "kpj_number": _l("KPJ number"),
    "coverage_start": _l("Coverage start"), "programmes": _l("Programmes"),
    "effective_date": _l("Effective date (first day without cover)"), "jht": _l("JHT (old-age savings)"),
    "state": _l("State"), "reported_from": _l("Reported from"), "reported_to": _l("Reported to"),
    "flag": _l("Flag"), "q": _l("NIK or name"), "overdue": _l("Only overdue"), "import_batch": _l("Import batch"),
    "code": _l("Justification"), "on": _l("On"), "file": _l("DTSEN file (CSV)"), "month": _l("Month"),
    "password": _l("Password"), "username": _l("Username"), "expected_version": _l("Version"),
    # choices
    "M": _l("male"), "F": _l("female"), "inpatient": _l("inpatient"), "outpatient": _l("outpatient"),
    "work_site": _l("at the work site"), "commute": _l("on the way to or from work"),
    "occupational_disease": _l("occupational disease"), "violence": _l("violence"),
    "recovered": _l("recovered"), "partial_disability_anatomical": _l("partial disability (anatomical)"),
    "partial_disability_functional": _l("partial disability (functional)"),
    "total_permanent_disability": _l("total permanent disability"), "death": _l("death"),
    "medical": _l("medical care"), "transport": _l("transport"), "stmb": _l("wage replacement (STMB)"),
    "disability": _l("disability"), "funeral": _l("funeral"), "jkk": "JKK", "jkm": "JKM",
    "rt_rw": _l("RT/RW head"), "non_asn": _l("non-ASN government staff"),
    "posyandu_kb_cadre": _l("posyandu or KB cadre"), "religious_worker": _l("religious worker"),
    "election_organiser": _l("election organiser"), "informal": _l("informal or vulnerable worker"),
    "ineligible": _l("not eligible"), "not_resident": _l("not a resident"), "invalid_nik": _l("invalid NIK"),
    "deceased": _l("deceased"), "moved": _l("moved away"), "formal_employment": _l("formal employment"),
    "late_stage1_report": _l("stage-I report late"), "participant_unknown": _l("NIK not in the registry"),
    "possible_duplicate": _l("possible duplicate"),
    "force_majeure": _l("force majeure"), "system_outage": _l("system outage"),
    "awaiting_other_party": _l("awaiting another party"), "holiday_not_in_calendar": _l("holiday not in the calendar"),
    "data_correction": _l("data correction"),
    # clock states and parties
    "running": _l("running"), "paused": _l("paused"), "breached": _l("overdue"), "met": _l("met"),
    "cancelled": _l("cancelled"), "disnaker": "Disnaker", "bpjs": "BPJS", "hospital_party": _l("hospital"),
    # import and audit runs
    "queued": _l("queued"), "done": _l("done"), "failed": _l("failed"),
    "dtsen": "DTSEN", "bpjs_invoices": _l("BPJS premium invoices"), "city_payments": _l("city payments"),
    "bpjs_file": _l("BPJS membership file (CSV)"),
    # discrepancies: states, triggers, fields, choices, evidence
    "open": _l("open"), "acknowledged": _l("acknowledged"), "resolved": _l("resolved"), "dismissed": _l("dismissed"),
    "acknowledge": _l("Acknowledge"), "resolve": _l("Resolve"), "dismiss": _l("Dismiss"),
    "check": _l("Check"), "party": _l("Party"), "severity": _l("Severity"), "run": _l("Check run"),
    "low": _l("low"), "medium": _l("medium"), "high": _l("high"),
    "city": _l("city"), "participant": _l("participant"), "enrolment": _l("enrolment"), "claim": _l("claim"),
    "invoice": _l("invoice"), "status": _l("Status"), "arrears_months": _l("Months in arrears"),
    "paid_until": _l("Paid until"), "payer": _l("Payer"), "subject": _l("About"),
    # reports
    "from": _l("From (month)"), "to": _l("To (month)"), "group_by": _l("Group by"), "interval": _l("Period"),
    "policy": _l("Deadline"), "quarter": _l("quarter"), "year": _l("year"),
    "accident_to_report": _l("accident to report"), "report_to_decision": _l("report to BPJS's decision"),
    "documents_to_payment": _l("complete documents to payment"),
}


def label(code: Any) -> str:
    """The words for a code in the reader's language; the notifications' own words for SLA policies, documents,
    rejection reasons and cross-checks; the code itself if it has none."""
    if code is None:
        return "-"
    code = getattr(code, "value", code)
    pick = 1 if english() else 0
    for table in (words.POLICIES, words.DOCUMENTS, words.REASONS, words.CHECKS):
        if code in table:
            return table[code][pick]
    return str(LABELS.get(code, code))


def wita(moment: datetime | str | None, seconds: bool = False) -> str:
    """A time as it reads in Makassar: 01-03-2026 09:30 WITA."""
    if moment is None:
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(WITA).strftime("%d-%m-%Y %H:%M" + (":%S" if seconds else "")) + " WITA"


def local_input(moment: datetime | str | None) -> str:
    """A time as a datetime-local input takes it, in WITA."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        if "+" not in moment and moment.count("-") == 2:
            return moment  # as typed
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(WITA).strftime("%Y-%m-%dT%H:%M")


def rupiah(amount: int | None) -> str:
    if amount is None:
        return "-"
    return "Rp" + f"{int(amount):,}".replace(",", "," if english() else ".")


def percent(value: float | None) -> str:
    """A percentage as the reader writes it: 66,7% in Indonesian, 66.7% in English; "-" for none."""
    if value is None:
        return "-"
    shown = f"{value:g}%"
    return shown if english() else shown.replace(".", ",")


def duration(seconds: float | None) -> str:
    return "-" if seconds is None else words.duration(float(seconds), english())


def init_app(app: Any) -> None:
    from berjasa.web.charts import time_used

    app.jinja_env.filters.update(label=label, wita=wita, rupiah=rupiah, duration=duration, local_input=local_input,
                                 time_used=time_used, percent=percent)
    app.jinja_env.globals.update(languages=LANGUAGES, get_locale=get_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
