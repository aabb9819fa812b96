from tests.sla.conftest import any_app, api, travel  # noqa: F401  (the SLA tests' fixtures)
