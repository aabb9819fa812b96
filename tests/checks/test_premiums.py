"""BPJS's invoices against the city's liability (/reports/premiums) and against the city's payments.

Two informal workers active from 2026-01-01 with the lowest income (Rp1,000,000): the city owes for March 2026
JKK 2 x Rp10,000 = Rp20,000 and JKM 2 x Rp6,800 = Rp13,600."""

from tests.checks.helpers import found, import_file, pump

JKK = {"reference": "INV-2026-03-JKK", "month": "2026-03", "cohort": "informal", "programme": "jkk",
       "participants": 2, "amount": 20_000}
JKM = {"reference": "INV-2026-03-JKM", "month": "2026-03", "cohort": "informal", "programme": "jkm",
       "participants": 3, "amount": 20_400}


def test_an_invoice_that_differs_from_the_liability_and_one_left_unpaid(api, any_app):
    api.active(1)
    api.active(2)
    for invoice in (JKK, JKM):
        response = api.call("post", "/premiums/invoices", user="demo-bpjs", json=invoice)
        assert response.status_code == 201, response.get_json()
    assert response.get_json()["due_on"] == "2026-03-15" and response.get_json()["paid"] == 0
    ids = {i["reference"]: str(i["id"]) for i in api.call("get", "/premiums/invoices?month=2026-03").get_json()}
    pump(any_app)
    assert found(any_app) == {("premium_invoice_mismatch", "invoice", ids["INV-2026-03-JKM"]),
                              ("premium_unpaid", "invoice", ids["INV-2026-03-JKK"]),
                              ("premium_unpaid", "invoice", ids["INV-2026-03-JKM"])}
    for reference, amount in (("INV-2026-03-JKK", 20_000), ("INV-2026-03-JKM", 13_600)):
        assert api.call("post", "/premiums/payments", json={
            "reference": f"SP2D-{reference}", "invoice_reference": reference, "paid_on": "2026-03-14",
            "amount": amount}).status_code == 201
    pump(any_app)
    assert found(any_app, "open") == {("premium_invoice_mismatch", "invoice", ids["INV-2026-03-JKM"]),
                                      ("premium_unpaid", "invoice", ids["INV-2026-03-JKM"])}
    mismatch = api.call("get", "/discrepancies?check=premium_invoice_mismatch", user="demo-bpjs").get_json()
    assert mismatch["items"][0]["evidence"]["city"] == {"source": "/reports/premiums?month=2026-03",
                                                        "values": {"participants": 2, "amount": 13_600}}
    # BPJS corrects its invoice: resolved by data
    assert api.call("post", "/premiums/invoices", user="demo-bpjs",
                    json={**JKM, "participants": 2, "amount": 13_600}).status_code == 201
    pump(any_app)
    assert found(any_app, "open") == set()


def test_invoices_and_payments_from_csv_files(any_app):
    batch, runs = import_file(any_app, (
        b"reference,month,cohort,programme,participants,amount,due_on\n"
        b"INV-1,2026-03,informal,jkk,0,0,\n"
        b"INV-2,2026-13,informal,jkk,1,100,\n"
        b"INV-3,2026-03,petani,jkk,x,100,\n"), kind="bpjs_invoices", name="tagihan.csv")
    assert (batch.created, batch.rejected) == (1, 2)
    assert [run.check for run in runs.values()] == ["premium_invoice_mismatch", "premium_unpaid"]
    batch, _ = import_file(any_app, b"reference,invoice_reference,paid_on,amount\nSP2D-1,INV-1,2026-03-10,0\n",
                           kind="city_payments")
    assert (batch.created, batch.rejected) == (1, 0)
    again, _ = import_file(any_app, b"reference,invoice_reference,paid_on,amount\nSP2D-1,INV-1,2026-03-10,0\n",
                           kind="city_payments")
    assert (again.created, again.unchanged) == (0, 1)
