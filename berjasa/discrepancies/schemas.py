import marshmallow as ma
from marshmallow import validate

from berjasa import fields as f
from berjasa.cases.schemas import CaseFieldsSchema
from berjasa.pagination import PageArgs, page_schema
from berjasa.registry.schemas import KECAMATAN_CODES
from berjasa.sla.schemas import ClockSchema
from berjasa.time import wita_iso
from workflows.checks import BY_NAME, PARTIES, SEVERITIES
from workflows.discrepancy import DiscrepancyState


# Data of the transitions (triggers.py says which trigger takes which).
class NoteSchema(ma.Schema):
    note = f.Text(min_length=1, max_length=2000, load_default=None, allow_none=True)


class DismissalSchema(ma.Schema):
    reason = f.Text(min_length=1, max_length=2000, required=True,
                    metadata={"example": "registered through her employer since 2025; the city stops paying"})


class ReopenSchema(ma.Schema):
    reason = f.Text(min_length=1, max_length=2000, required=True)
    run = f.Id(load_default=None, allow_none=True)


class ResolutionSchema(NoteSchema):
    run = f.Id(load_default=None, allow_none=True, metadata={"description": "the check run that no longer found it"})


class DiscrepancyFilterArgs(ma.Schema):
    """The filters of the list and of its CSV export."""

    check = f.Text(max_length=48, validate=validate.OneOf(sorted(BY_NAME)))
    party = f.Text(max_length=16, validate=validate.OneOf(PARTIES))
    state = ma.fields.Enum(DiscrepancyState)
    hospital = f.Text(max_length=32, metadata={"description": "hospital code"})
    kecamatan = f.Text(max_length=2, validate=validate.OneOf(KECAMATAN_CODES))
    severity = f.Text(max_length=8, validate=validate.OneOf(SEVERITIES))


class DiscrepancyListArgs(DiscrepancyFilterArgs, PageArgs):
    pass


class SideSchema(ma.Schema):
    source = ma.fields.String()
    values = ma.fields.Dict()


class DiscrepancySchema(CaseFieldsSchema):
    """A discrepancy as the API shows it (built by responses.discrepancy_response)."""

    check = ma.fields.String()
    compares = ma.fields.String(metadata={"description": "what the check compares"})
    severity = ma.fields.String(metadata={"description": "low, medium, high"})
    party = ma.fields.String(metadata={"description": "who must act: disnaker, bpjs, or a hospital (its code)"})
    hospital = ma.fields.String(allow_none=True)
    kecamatan = ma.fields.String(allow_none=True)
    subject = ma.fields.Dict(metadata={"description": "{type, key, link}: what it is about (a NIK masked for roles "
                                                      "that see masked NIKs)"})
    evidence = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(SideSchema),
                              metadata={"description": "each side's values and their source"})
    found_at = ma.fields.String()
    evidence_at = ma.fields.String(metadata={"description": "when its evidence last changed (values or sources)"})
    resolved_by_data = ma.fields.Boolean()
    clocks = ma.fields.List(ma.fields.Nested(ClockSchema))


DiscrepancyPageSchema = page_schema(DiscrepancySchema, "DiscrepancyPage")


class CheckRunSchema(ma.Schema):
    id = ma.fields.Integer()
    trigger = ma.fields.String(metadata={"description": "event, import, nightly, manual"})
    full = ma.fields.Boolean()
    status = ma.fields.String(metadata={"description": "done, or skipped (no BPJS file yet)"})
    import_batch_id = ma.fields.Integer(allow_none=True)
    started_at = ma.fields.Function(lambda run: wita_iso(run.started_at), metadata={"description": "WITA"})
    seconds = ma.fields.Float()
    found = ma.fields.Integer()
    opened = ma.fields.Integer()
    reopened = ma.fields.Integer()
    updated = ma.fields.Integer()
    auto_resolved = ma.fields.Integer()


class CheckSchema(ma.Schema):
    name = ma.fields.String()
    compares = ma.fields.String()
    party = ma.fields.String()
    severity = ma.fields.String()
    subject = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    imports = ma.fields.List(ma.fields.String())
    open = ma.fields.Integer(metadata={"description": "discrepancies open or acknowledged now"})
    last_run = ma.fields.Nested(CheckRunSchema, allow_none=True)
    last_full_run = ma.fields.Nested(CheckRunSchema, allow_none=True)


class CheckRunRequestSchema(ma.Schema):
    checks = f.listing(f.Text(max_length=48, validate=validate.OneOf(sorted(BY_NAME))), max_items=len(BY_NAME),
                       load_default=list, metadata={"description": "empty: every check"})
