from tests.sla.conftest import any_app, api, travel  # noqa: F401  (the same fixtures as the SLA tests)
