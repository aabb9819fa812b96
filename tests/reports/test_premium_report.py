"""The premium report joined with BPJS's invoices for the month and the city's payments against them.

Two informal workers active from 2026-01-01 with the lowest income (Rp1,000,000): for March 2026 the city owes
JKK 2 x Rp10,000 = Rp20,000 and JKM 2 x Rp6,800 = Rp13,600, Rp33,600 in all. BPJS invoices March:
  INV-JKK  informal jkk  2 people  Rp20,000   paid Rp25,000 (over by 5,000: nothing outstanding, no credit)
  INV-JKM  informal jkm  3 people  Rp20,400   paid Rp10,000 + Rp5,000: Rp5,400 outstanding, Rp6,800 above the liability
  INV-RTRW rt_rw jkk     1 person  Rp10,000   unpaid; the city owes rt_rw nothing: a line of its own
and February (INV-FEB, paid) and a payment against an unknown reference, neither of which counts for March."""

from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)

INVOICES = [("INV-JKK", "2026-03", "informal", "jkk", 2, 20_000), ("INV-JKM", "2026-03", "informal", "jkm", 3, 20_400),
            ("INV-RTRW", "2026-03", "rt_rw", "jkk", 1, 10_000), ("INV-FEB", "2026-02", "informal", "jkk", 2, 20_000)]
PAYMENTS = [("SP2D-1", "INV-JKK", 25_000), ("SP2D-2", "INV-JKM", 10_000), ("SP2D-3", "INV-JKM", 5_000),
            ("SP2D-4", "INV-FEB", 20_000), ("SP2D-5", "INV-UNKNOWN", 7_000)]


def bill(api):  # noqa: F811
    for reference, month, cohort, programme, participants, amount in INVOICES:
        response = api.call("post", "/premiums/invoices", user="demo-bpjs", json={
            "reference": reference, "month": month, "cohort": cohort, "programme": programme,
            "participants": participants, "amount": amount})
        assert response.status_code == 201, response.get_json()
    for reference, invoice, amount in PAYMENTS:
        response = api.call("post", "/premiums/payments", json={
            "reference": reference, "invoice_reference": invoice, "paid_on": "2026-03-14", "amount": amount})
        assert response.status_code == 201, response.get_json()


def test_the_liability_beside_the_months_invoices_and_payments(api):  # noqa: F811
    api.active(1)
    api.active(2)
    bill(api)
    body = api.call("get", "/reports/premiums?month=2026-03", user="demo-supervisor").get_json()
    assert body["lines"] == [
        {"cohort": "informal", "programme": "jkk", "participants": 2, "total": 20_000, "invoices": 1,
         "invoiced_participants": 2, "invoiced": 20_000, "paid": 25_000, "outstanding": 0, "difference": 0},
        {"cohort": "informal", "programme": "jkm", "participants": 2, "total": 13_600, "invoices": 1,
         "invoiced_participants": 3, "invoiced": 20_400, "paid": 15_000, "outstanding": 5_400, "difference": 6_800},
        {"cohort": "rt_rw", "programme": "jkk", "participants": 0, "total": 0, "invoices": 1,
         "invoiced_participants": 1, "invoiced": 10_000, "paid": 0, "outstanding": 10_000, "difference": 10_000}]
    assert {k: v for k, v in body.items() if k not in ("lines", "rates")} == {
        "month": "2026-03", "participants": 2, "total": 33_600, "invoices": 3, "invoiced_participants": 6,
        "invoiced": 50_400, "paid": 40_000, "outstanding": 15_400, "difference": 16_800}
    # February: its own invoice and payment only (both workers were covered then too)
    february = api.call("get", "/reports/premiums?month=2026-02", user="demo-supervisor").get_json()
    assert [(line["programme"], line["invoiced"], line["paid"], line["difference"]) for line in february["lines"]] == [
        ("jkk", 20_000, 20_000, 0), ("jkm", 0, 0, -13_600)]


def test_a_month_without_invoices_shows_the_liability_as_the_difference(api):  # noqa: F811
    api.active(1)
    body = api.call("get", "/reports/premiums?month=2026-03", user="demo-supervisor").get_json()
    assert body["lines"] == [
        {"cohort": "informal", "programme": "jkk", "participants": 1, "total": 10_000, "invoices": 0,
         "invoiced_participants": 0, "invoiced": 0, "paid": 0, "outstanding": 0, "difference": -10_000},
        {"cohort": "informal", "programme": "jkm", "participants": 1, "total": 6_800, "invoices": 0,
         "invoiced_participants": 0, "invoiced": 0, "paid": 0, "outstanding": 0, "difference": -6_800}]
    assert (body["invoiced"], body["paid"], body["outstanding"], body["difference"]) == (0, 0, 0, -16_800)
