"""Who is told what, and how it reads: the notification rules, one table. Pure.

A rule says which event it answers, to whom (audiences, resolved from the case when the event is handled by
berjasa/notifications/recipients.py), under which condition, and its message in Indonesian (the default) and
English. Messages are rendered when they are shown, in the reader's language, from the parameters stored with the
notification; `render` is the one place that turns parameters into words."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

#: Audiences a rule may name. "responsible": the party an SLA clock is attributed to (Disnaker's caseworkers,
#: BPJS's officers, or the clock's hospital); "treating_hospital": the claim's hospital now; "receiving_hospital":
#: the hospital a referral named; "reporting_party": whoever reported the claim (a hospital, Disnaker or BPJS).
AUDIENCES = frozenset({"responsible", "caseworkers", "supervisors", "bpjs_officers", "admins", "treating_hospital",
                       "receiving_hospital", "reporting_party"})


@dataclass(frozen=True)
class Rule:
    name: str
    event: str  # the event type it answers
    audiences: tuple[str, ...]
    id: str  # the message in Indonesian: a str.format template over the notification's parameters
    en: str  # the same in English
    when: tuple[str, str] | None = None  # (fact, value): only when the event's context has fact == value
    email: bool = False  # also mailed at once (besides the inbox), to the users of the audiences who have an address

    def __post_init__(self) -> None:
        unknown = set(self.audiences) - AUDIENCES
        if unknown:
            raise ValueError(f"rule {self.name}: unknown audience(s) {', '.join(sorted(unknown))}")


RULES: tuple[Rule, ...] = (
    Rule("sla.warning", "sla.warning", ("responsible",),
         "{policy} untuk {case} jatuh tempo dalam {left} ({due})",
         "{policy} on {case} due in {left} ({due})"),
    Rule("sla.breached", "sla.breached", ("responsible", "caseworkers"),
         "{policy} untuk {case} terlambat: jatuh tempo {due}",
         "{policy} on {case} is overdue: it was due {due}"),
    Rule("sla.reminder", "sla.reminder", ("responsible", "caseworkers"),
         "Pengingat ke-{reminder}: {policy} untuk {case} masih terlambat {late}",
         "Reminder {reminder}: {policy} on {case} is still overdue, by {late}"),
    Rule("sla.escalated", "sla.escalated", ("supervisors",),
         "Eskalasi: {policy} untuk {case} terlambat {late} (tanggung jawab {party})",
         "Escalation: {policy} on {case} is {late} overdue ({party} responsible)", email=True),
    Rule("claim.documents_requested", "claim.request_documents", ("treating_hospital", "caseworkers"),
         "BPJS meminta dokumen untuk {case}: {documents}",
         "BPJS requested documents for {case}: {documents}"),
    Rule("claim.referred", "claim.refer", ("receiving_hospital",),
         "{case} dirujuk ke rumah sakit Anda ({hospital})",
         "{case} was referred to your hospital ({hospital})"),
    Rule("claim.reported_by_hospital", "claim.created", ("caseworkers", "bpjs_officers"),
         "{case} dilaporkan oleh {reporter}",
         "{case} was reported by {reporter}", when=("reporting_party_kind", "hospital")),
    Rule("claim.verified", "claim.verify", ("reporting_party", "treating_hospital"),
         "BPJS memverifikasi {case}",
         "BPJS verified {case}"),
    Rule("claim.rejected", "claim.reject", ("reporting_party", "treating_hospital"),
         "BPJS menolak {case} ({reason})",
         "BPJS rejected {case} ({reason})"),
    Rule("claim.paid", "claim.pay", ("treating_hospital", "caseworkers"),
         "BPJS membayar {case}: {amount}",
         "BPJS paid {case}: {amount}"),
    Rule("enrolment.activated", "enrolment.activate", ("caseworkers",),
         "{case} aktif di BPJS (KPJ {kpj})",
         "{case} is active at BPJS (KPJ {kpj})"),
    Rule("enrolment.lapsed", "enrolment.lapse", ("caseworkers",),
         "{case} tidak aktif lagi sejak {effective_date}",
         "{case} lapsed from {effective_date}"),
    Rule("discrepancy.opened", "discrepancy.created", ("responsible",),
         "Selisih data baru ({check}): {case}, tanggung jawab {party}",
         "New discrepancy ({check}): {case}, {party} responsible"),
    Rule("discrepancy.reopened", "discrepancy.reopen", ("responsible",),
         "Selisih data muncul lagi ({check}): {case}",
         "Discrepancy found again ({check}): {case}"),
    Rule("discrepancy.escalated", "sla.escalated", ("responsible",),
         "Eskalasi: {case} ({check}) belum diselesaikan, terlambat {late}",
         "Escalation: {case} ({check}) is still not resolved, {late} overdue", when=("case_type", "discrepancy")),
    Rule("webhook.disabled", "webhook.disabled", ("admins",),
         "Webhook {webhook} ({party}) dinonaktifkan setelah {failures} kegagalan berturut-turut",
         "Webhook {webhook} ({party}) was disabled after {failures} failures in a row"),
)

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(rule.event for rule in RULES))


def rules_for(event_type: str, facts: Mapping[str, Any] | None = None) -> list[Rule]:
    """The rules that answer this event (those with a condition only when `facts` meet it)."""
    return [rule for rule in RULES if rule.event == event_type
            and (rule.when is None or (facts or {}).get(rule.when[0]) == rule.when[1])]


# ---------------------------------------------------------------- words
POLICIES = {
    "claim.stage1_report": ("Laporan tahap I", "Stage-I report"),
    "claim.bpjs_decision": ("Keputusan BPJS", "BPJS decision"),
    "claim.stage2_report": ("Laporan tahap II", "Stage-II report"),
    "claim.documents_requested": ("Dokumen yang diminta BPJS", "Documents BPJS requested"),
    "claim.payment": ("Pembayaran BPJS", "BPJS payment"),
    "claim.expiry": ("Kedaluwarsa klaim", "Claim expiry"),
    "claim.hospital_update": ("Pembaruan mingguan rumah sakit", "Weekly hospital update"),
    "enrolment.verification": ("Verifikasi pendaftaran", "Enrolment verification"),
    "enrolment.activation": ("Aktivasi BPJS", "BPJS activation"),
    "discrepancy.resolution": ("Penyelesaian selisih data", "Resolving a discrepancy"),
}
CASES = {"claim": ("klaim {id}", "claim {id}"), "enrolment": ("pendaftaran {id}", "enrolment {id}"),
         "discrepancy": ("selisih data {id}", "discrepancy {id}")}
CHECKS = {
    "enrolment_active_not_at_bpjs": ("aktif di kota, tidak aktif di BPJS", "active in the city, not at BPJS"),
    "active_at_bpjs_not_in_city": ("aktif di BPJS, tidak aktif di kota", "active at BPJS, not in the city"),
    "kpj_mismatch": ("nomor KPJ berbeda", "KPJ number differs"),
    "identity_mismatch": ("nama atau tanggal lahir berbeda", "name or birth date differs"),
    "arrears": ("tunggakan iuran", "premium arrears"),
    "premium_invoice_mismatch": ("tagihan iuran tidak sesuai", "premium invoice differs"),
    "premium_unpaid": ("tagihan iuran belum dibayar", "premium invoice unpaid"),
    "admitted_not_verified": ("dirawat tanpa keputusan BPJS", "in care with no BPJS decision"),
    "claim_without_cover": ("klaim tanpa kepesertaan aktif", "claim without cover"),
    "care_cost_mismatch": ("biaya perawatan berbeda", "care cost differs"),
    "duplicate_open_claims": ("klaim ganda", "duplicate open claims"),
    "paid_for_deceased_or_moved": ("dibayar untuk peserta meninggal/pindah", "paid for a deceased or moved person"),
    "registered_elsewhere": ("terdaftar melalui pemberi kerja lain", "registered through another payer"),
}
DOCUMENTS = {
    "kpj_card": ("kartu KPJ", "KPJ card"),
    "ktp": ("KTP", "KTP"),
    "doctor_statement": ("surat keterangan dokter", "doctor's statement"),
    "treatment_receipts": ("kuitansi perawatan", "treatment receipts"),
    "transport_receipts": ("kuitansi transportasi", "transport receipts"),
    "chronology_with_witnesses": ("kronologi dengan dua saksi", "chronology with two witnesses"),
    "police_report": ("laporan polisi", "police report"),
    "referral_letter": ("surat rujukan", "referral letter"),
}
PARTIES = {"disnaker": ("Disnaker", "Disnaker"), "bpjs": ("BPJS", "BPJS")}
REASONS = {
    "not_work_accident": ("bukan kecelakaan kerja", "not a work accident"),
    "not_covered": ("tidak terlindungi", "not covered"),
    "claim_expired": ("klaim kedaluwarsa", "claim expired"),
    "duplicate": ("duplikat", "duplicate"),
    "incomplete_documents": ("dokumen tidak lengkap", "incomplete documents"),
    "other": ("lainnya", "other"),
}
#: Parameters that are codes, and their words.
LABELS = {"policy": POLICIES, "party": PARTIES, "check": CHECKS, "reason": REASONS}
UNITS = ((86400, "hari", "days", "day"), (3600, "jam", "hours", "hour"), (60, "menit", "minutes", "minute"))


def render(rule: str, params: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    """A notification's message in `language` ("id" or "en"; anything else reads Indonesian)."""
    known = BY_NAME.get(rule)
    if known is None:
        return rule
    english = language == "en"
    words = {name: word(name, value, english) for name, value in params.items()}
    template = known.en if english else known.id
    try:
        return template.format_map(_Missing(words))
    except (ValueError, IndexError):
        return template


def word(name: str, value: Any, english: bool) -> str:
    """One parameter as words: labels for codes, durations in days/hours/minutes, times in WITA."""
    pick = 1 if english else 0
    if value is None:
        return "-"
    if name in LABELS:
        return LABELS[name].get(value, (value, value))[pick]
    if name == "case":
        case_type, case_id = value
        return CASES.get(case_type, ("{id}", "{id}"))[pick].format(id=case_id)
    if name == "documents":
        return ", ".join(DOCUMENTS.get(d, (d, d))[pick] for d in value)
    if name in ("left", "late"):
        return duration(float(value), english)
    if name == "due":
        return datetime.fromisoformat(value).astimezone(WITA).strftime("%Y-%m-%d %H:%M WITA")
    if name == "amount":
        return "Rp" + f"{int(value):,}".replace(",", "." if not english else ",")
    return str(value)


def duration(seconds: float, english: bool) -> str:
    """Seconds in the largest unit they reach, rounded: 5 days, 12 hours, 1 minute (never 0)."""
    seconds = max(0.0, seconds)
    for size, indonesian, plural, singular in UNITS:
        if seconds >= size or size == 60:
            count = max(1, math.floor(seconds / size + 0.5))
            if not english:
                return f"{count} {indonesian}"
            return f"{count} {singular if count == 1 else plural}"
    raise AssertionError("unreachable")


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
