"""What the case pages and lists share: a form per allowed trigger, firing one, and list filters read with the
API's own query schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import flash, redirect, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from berjasa.cases.triggers import Triggers
from berjasa.errors import BerjasaError, NotFound, ValidationFailed, flatten_messages
from berjasa.web import forms
from berjasa.web.i18n import label

PER_PAGE = 25
#: Besides its data, a transition may carry a reason (kept in the audit entry).
REASON = forms.Field("reason", "text", False, max_length=2000)


def trigger_form(table: Triggers, trigger: str, values: Any = None, leave_out: tuple[str, ...] = ()) -> forms.Form:
    """A trigger's form: its data's fields (but those left out: what only the system sends), and a reason."""
    spec = table[trigger]
    return forms.Form(forms.fields_of(spec.schema, leave_out) + ([] if _has_reason(spec.schema) else [REASON]),
                      values or {})


def trigger_forms(table: Triggers, allowed: list[str], failed: tuple[str, forms.Form] | None = None,
                  leave_out: tuple[str, ...] = ()) -> list[tuple[str, forms.Form]]:
    """One form per trigger the caller may fire now, with exactly its data's fields (the failed one as sent)."""
    return [(trigger, failed[1] if failed and failed[0] == trigger else trigger_form(table, trigger, None, leave_out))
            for trigger in allowed]


def _has_reason(schema: type[ma.Schema] | None) -> bool:
    return schema is not None and "reason" in schema._declared_fields


def fire(table: Triggers, trigger: str, transition: Callable[..., Any], done_url: str,
         show_again: Callable[[tuple[str, forms.Form], int], Any], leave_out: tuple[str, ...] = ()) -> Any:
    """Fire a trigger from its form: on success back to the case page, else the page again with the refusal next
    to its fields. An unknown trigger or a case out of the caller's sight is an error page (404)."""
    if trigger not in table.workflow.triggers:
        raise NotFound(f"No trigger {trigger!r}")
    form = trigger_form(table, trigger, request.form, leave_out)
    data = forms.data_of([f for f in form.fields if f is not REASON], request.form)
    reason = request.form.get("reason", "").strip() or None
    if _has_reason(table[trigger].schema):
        reason = None
    try:
        version = int(request.form.get("expected_version", ""))
    except ValueError:
        version = 0  # the service answers with the case's current version
    try:
        transition(trigger=trigger, expected_version=version, data=data, reason=reason)
    except BerjasaError as exc:
        if isinstance(exc, NotFound):
            raise
        return show_again((trigger, forms.refused(form, exc, prefix="data.")), exc.status)
    flash(_("Done: %(trigger)s.", trigger=label(trigger)), "ok")
    return redirect(done_url)


def filters(schema: type[ma.Schema], fields: list[forms.Field]) -> tuple[dict[str, Any], forms.Form]:
    """A list's filters read with the API's query schema (the same bounds, the same refusals, next to the field)."""
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if v.strip()])
    raw.setdefault("per_page", str(PER_PAGE))
    form = forms.Form(fields, request.args)
    try:
        return schema().load(raw), form
    except ma.ValidationError as exc:
        form.errors = flatten_messages(exc.messages)
        form.problem = _("Some filters are not valid; the list is not filtered.")
        return {"page": 1, "per_page": PER_PAGE}, form


def query(schema: type[ma.Schema], fields: list[forms.Field], defaults: dict[str, Any] | None = None
          ) -> tuple[dict[str, Any] | None, forms.Form]:
    """A report's query read with the API's query schema, from this form's own parameters only (a page with
    several forms sends each its own) over the defaults; None, and the refusals next to their fields, when it is
    not valid."""
    raw = {**(defaults or {}), **{spec.name: request.args[spec.name].strip() for spec in fields
                                  if request.args.get(spec.name, "").strip()}}
    form = forms.Form(fields, raw)
    try:
        return schema().load(raw), form
    except ma.ValidationError as exc:
        form.errors = flatten_messages(exc.messages)
        return None, form


def pages(page: Any) -> dict[str, Any]:
    """What the pager needs: this page, the last, and the query string without the page."""
    last = max(1, -(-page.total // page.per_page))
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "page" and v.strip()]
    return {"page": page.page, "last": last, "total": page.total, "query": query}


def load(schema: type[ma.Schema], data: dict[str, Any]) -> dict[str, Any]:
    """A form's data loaded by the API's input schema, refused as the API refuses it (422 naming each field)."""
    try:
        return schema().load(data)
    except ma.ValidationError as exc:
        errors = flatten_messages(exc.messages)
        raise ValidationFailed(f"Invalid fields: {', '.join(sorted(errors))}", errors=errors) from None
