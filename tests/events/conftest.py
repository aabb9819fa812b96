from tests.sla.conftest import any_app, travel  # noqa: F401  (the SLA tests' fixtures)
