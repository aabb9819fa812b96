"""The coverage report with configured denominators (BERJASA_UCJ_CONFIG), worked out by hand.

Panakkukang (09) has 4 working people, all but one covered by the programme; Rappocini (13) has 10, one covered by
the programme until it lapsed (last day 28 Feb) and 2 by employers (covered_elsewhere); the city has 1,000."""

import pytest

from berjasa.config import ConfigError
from berjasa.reports import targets
from tests.conftest import make_app
from tests.reports.helpers import pump
from tests.sla.conftest import any_app, api, travel, wita  # noqa: F401  (fixtures)

UCJ = """
[targets]
2026 = 72.5
2029 = 90
[working_population]
"09" = 4
"13" = 10
[covered_elsewhere]
"13" = 2
[city]
working_population = 1000
"""


@pytest.fixture
def configured(any_app, tmp_path):  # noqa: F811
    path = tmp_path / "ucj.toml"
    path.write_text(UCJ)
    any_app.config["UCJ_CONFIG"] = str(path)
    targets.init_app(any_app)
    return any_app


def history(api, app, travel):  # noqa: F811
    travel(wita(2026, 1, 5, 9, 0))
    api.active(1, kecamatan="09")
    api.active(2, kecamatan="09", cohort="rt_rw")
    api.active(3, kecamatan="09")
    lapsing = api.active(4, kecamatan="13")
    travel(wita(2026, 2, 20, 10, 0))
    api.enrolment(api.participant(5, kecamatan="13")["id"])
    travel(wita(2026, 3, 1, 9, 0))
    api.fire(lapsing, "lapse", user="demo-bpjs", data={"reason": "arrears", "effective_date": "2026-03-01"})
    travel(wita(2026, 3, 2, 9, 0))
    sixth = api.enrolment(api.participant(6, kecamatan="01")["id"])
    travel(wita(2026, 3, 5, 9, 0))
    api.fire(sixth, "verify")
    travel(wita(2026, 3, 20, 9, 0))
    pump(app)


def coverage(api, on, user="demo-supervisor"):  # noqa: F811
    response = api.call("get", f"/reports/coverage?on={on}", user=user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kecamatan(body):
    return {k["kecamatan"]: (k["active"], k["covered_elsewhere"], k["working_population"], k["ucj_pct"])
            for k in body["ucj"]["kecamatan"] if k["active"] or k["working_population"]}


def test_ucj_per_kecamatan_and_city_wide_against_the_target(api, configured, travel):  # noqa: F811
    history(api, configured, travel)
    february = coverage(api, "2026-02-15")
    assert kecamatan(february) == {"09": (3, 0, 4, 75.0), "13": (1, 2, 10, 30.0)}
    assert february["ucj"]["active"] == 4
    assert {k: v for k, v in february["ucj"]["active_by_cohort"].items() if v} == {"informal": 3, "rt_rw": 1}
    city = february["ucj"]["city"]
    assert (city["active"], city["covered_elsewhere"], city["working_population"], city["ucj_pct"]) == (
        4, 2, 1000, 0.6)
    assert february["ucj"]["target"] == {"year": 2026, "pct": 72.5, "gap_pct": 71.9}
    assert february["ucj"]["targets"] == [{"year": 2026, "pct": 72.5}, {"year": 2029, "pct": 90.0}]
    march = coverage(api, "2026-03-15")  # Rappocini's participant lapsed on 1 March
    assert kecamatan(march) == {"09": (3, 0, 4, 75.0), "13": (0, 2, 10, 20.0)}
    assert (march["ucj"]["city"]["ucj_pct"], march["ucj"]["target"]["gap_pct"]) == (0.5, 72.0)
    assert coverage(api, "2027-06-30")["ucj"]["target"]["year"] == 2029  # 2027 works towards 2029


def test_enrolments_by_state_and_the_funnel_on_a_day(api, configured, travel):  # noqa: F811
    history(api, configured, travel)
    body = coverage(api, "2026-03-15")
    states = {s["state"]: (s["enrolments"], {c: n for c, n in s["by_cohort"].items() if n})
              for s in body["enrolments"] if s["enrolments"]}
    assert states == {"submitted": (1, {"informal": 1}), "verified": (1, {"informal": 1}),
                      "active": (3, {"informal": 2, "rt_rw": 1}), "lapsed": (1, {"informal": 1})}
    funnel = {s["stage"]: (s["now"], s["entered"], s["reached_pct"], s["median_days_waiting"],
                           {k: v for k, v in s["waiting"].items() if v}) for s in body["funnel"]}
    assert funnel == {
        "submitted": (1, 6, 100.0, 23, {"8-30 days": 1}),  # since 20 Feb
        "verified": (1, 5, 83.3, 10, {"8-30 days": 1}),  # since 5 Mar
        "sent_to_bpjs": (0, 4, 66.7, None, {}),
        "active": (3, 4, 66.7, 69, {"31-90 days": 3}),  # since 5 Jan
    }
    early = {s["stage"]: (s["now"], s["entered"]) for s in coverage(api, "2026-02-15")["funnel"]}
    assert early == {"submitted": (0, 4), "verified": (0, 4), "sent_to_bpjs": (0, 4), "active": (4, 4)}


def test_without_denominators_there_is_no_percentage(api, any_app, travel):  # noqa: F811
    history(api, any_app, travel)
    body = coverage(api, "2026-02-15")
    assert body["ucj"]["city"]["ucj_pct"] is None and body["ucj"]["target"]["gap_pct"] is None
    assert len(body["ucj"]["city"]["kecamatan_without_denominator"]) == 15


def test_who_may_read_it(api, any_app, travel):  # noqa: F811
    travel(wita(2026, 4, 30, 23, 30))  # 30 April in Makassar, still 30 April in UTC (15:30)
    for user, status in (("demo-caseworker", 200), ("demo-supervisor", 200), ("demo-admin", 200),
                         ("demo-bpjs", 200), ("demo-primaya", 403)):
        assert api.call("get", "/reports/coverage", user=user).status_code == status, user
    assert api.call("get", "/reports/coverage", user="demo-supervisor").get_json()["on"] == "2026-04-30"
    travel(wita(2026, 5, 1, 0, 30))  # 1 May in Makassar: 30 April in UTC
    assert api.call("get", "/reports/coverage", user="demo-supervisor").get_json()["on"] == "2026-05-01"


@pytest.mark.parametrize("text, problem", [
    ('[working_population]\n"16" = 5', "'16' is not a kecamatan code"),
    ('[working_population]\n"09" = 0', "working_population.09: 0 is not a whole number of at least 1"),
    ("[targets]\n2026 = 120", "targets.2026: 120 is not a percentage"),
    ("[targets]\n2026 = true", "targets.2026: True is not a percentage"),
    ("[city]\npeople = 5", "city: unknown setting 'people'"),
    ("[denominators]", "unknown table(s) denominators"),
    ("targets = [", "cannot read"),
])
def test_a_wrong_ucj_file_stops_the_start_naming_the_setting(tmp_path, text, problem):
    path = tmp_path / "ucj.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        make_app(tmp_path, f"sqlite:///{tmp_path}/x.db", UCJ_CONFIG=str(path))
    assert str(error.value).startswith("BERJASA_UCJ_CONFIG: ") and problem in str(error.value)
