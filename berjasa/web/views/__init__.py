"""The pages, one module per area; importing them adds their routes to the blueprint."""

from flask import Blueprint


def register(_blueprint: Blueprint) -> None:
    from berjasa.web.views import (  # noqa: F401
        account,
        claims,
        discrepancies,
        enrolments,
        imports,
        participants,
        reports,
        supervision,
        work,
    )
