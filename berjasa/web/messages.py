"""The API's refusals that the pages show next to a field, marked for translation (pybabel's `N_` keyword): the
services and schemas keep their English; the templates translate what the catalogue knows when they show it."""


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, do not translate here"
    return message


REFUSALS = (
    N_("Missing data for required field."),
    N_("Not a valid integer."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid string."),
    N_("Unknown field."),
    N_("must include a UTC offset, e.g. 2026-03-01T09:30:00+08:00"),
    N_("must not be in the future"),
    N_("is in the future"),
    N_("already registered"),
    N_("not one of the 15 codes 01-15"),
    N_("required with a decile"),
    N_("8-16 digits"),
    N_("8-20 digits"),
    N_("is required"),
    N_("must contain only digits"),
    N_("must be 16 digits"),
    N_("the birth date encoded in the NIK is not a valid date"),
    N_("wrong username or password"),
    N_("choose a CSV file"),
    N_("is the current hospital"),
    N_("in use"),
    N_("must be true or false"),
    N_("justified already"),
    N_("Wrong username or password"),
    N_("Your hospital can see this claim but no longer treats it"),
    N_("Hospital staff admit to their own hospital only"),
    N_("Hospital staff report for their own hospital only"),
    N_("BPJS has verified this claim already"),
    N_("BPJS has not verified this claim yet (JKK cover must be confirmed)"),
    N_("the NIK is not in the registry (enrol the person first)"),
)
