from flask import current_app, jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.cases.schemas import AsOfArgs, CaseEventSchema, TimelineSchema, TransitionRequestSchema
from berjasa.cases.timeline import timeline_response
from berjasa.db import db, read_only
from berjasa.enrolment import coverage, imports, service
from berjasa.enrolment.responses import enrolment_response, past_enrolment_response
from berjasa.enrolment.schemas import (
    BulkReportSchema,
    BulkTransitionSchema,
    CoverageArgs,
    CoverageLookupSchema,
    CoverageSchema,
    EnrolmentCreateSchema,
    EnrolmentListArgs,
    EnrolmentPageSchema,
    EnrolmentSchema,
    ImportBatchPageSchema,
    ImportBatchSchema,
    PremiumArgs,
    PremiumReportSchema,
)
from berjasa.imports.web import UPLOAD_BODY, errors_response, upload
from berjasa.pagination import PageArgs
from workflows.roles import Role

blp = v1_blueprint("enrolments", __name__, "Enrolment cases, coverage and premiums")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)
ACTORS = (Role.CASEWORKER, Role.BPJS_OFFICER)


def _json(body, status=200):
    response = jsonify(body)
    response.status_code = status
    return response


def _shown(enrolment, clocks):
    return enrolment_response(db.session, enrolment, current_actor(), clocks)


def _page(found):
    page, clocks = found
    return _json({"items": [_shown(e, clocks.get(e.id, [])) for e in page.items], "page": page.page,
                  "per_page": page.per_page, "total": page.total})


@blp.route("/enrolments")
class Enrolments(MethodView):
    @roles_required(*READERS)
    @blp.arguments(EnrolmentListArgs, location="query")
    @blp.response(200, EnrolmentPageSchema)
    def get(self, args):
        """List enrolments by state, kecamatan, cohort or import batch (paginated)."""
        page = service.list_enrolments(session=db.session, **args)
        return _page(page)

    @roles_required(Role.CASEWORKER, Role.ADMIN)
    @blp.arguments(EnrolmentCreateSchema)
    @blp.response(201, EnrolmentSchema)
    def post(self, data):
        """Open a `submitted` enrolment for a participant."""
        return _json(_shown(*service.create_enrolment(session=db.session, actor=current_actor(), **data)), 201)


@blp.route("/enrolments/<id:enrolment_id>")
class EnrolmentItem(MethodView):
    @roles_required(*READERS)
    @blp.arguments(AsOfArgs, location="query")
    @blp.response(200, EnrolmentSchema)
    def get(self, args, enrolment_id):
        """One enrolment, with what the caller may do to it now; with `as_of`, as it stood then (state, data,
        participant as recorded and clocks, rebuilt from the audit log; nothing to fire)."""
        if args.get("as_of"):
            past = service.enrolment_as_of(session=db.session, enrolment_id=enrolment_id, at=args["as_of"])
            return _json(past_enrolment_response(db.session, current_actor(), past))
        return _json(_shown(*service.get_enrolment_with_clocks(session=db.session, enrolment_id=enrolment_id)))


@blp.route("/enrolments/<id:enrolment_id>/transitions")
class EnrolmentTransitions(MethodView):
    @roles_required(*ACTORS)
    @blp.arguments(TransitionRequestSchema)
    @blp.response(200, EnrolmentSchema)
    def post(self, request, enrolment_id):
        """Fire a trigger (verify, reject, send_to_bpjs, activate, lapse, reactivate, terminate)."""
        enrolment, clocks = service.transition(session=db.session, actor=current_actor(),
                                               enrolment_id=enrolment_id, config=current_app.config, **request)
        return _json(_shown(enrolment, clocks))


@blp.route("/enrolments/<id:enrolment_id>/history")
class EnrolmentHistory(MethodView):
    @roles_required(*READERS)
    @blp.response(200, CaseEventSchema(many=True))
    def get(self, enrolment_id):
        """Who did what to this enrolment, in order, with the audit chain's hashes."""
        return service.history(session=db.session, enrolment_id=enrolment_id)


@blp.route("/enrolments/<id:enrolment_id>/timeline")
class EnrolmentTimeline(MethodView):
    @roles_required(*READERS)
    @blp.response(200, TimelineSchema)
    def get(self, enrolment_id):
        """Everything that happened to this enrolment, oldest first: transitions, clocks, justified breaches,
        notifications sent."""
        entries = service.enrolment_timeline(session=db.session, actor=current_actor(), enrolment_id=enrolment_id)
        return _json(timeline_response("enrolment", enrolment_id, entries))


@blp.route("/enrolments/bulk-transitions")
class BulkTransitions(MethodView):
    @roles_required(*ACTORS)
    @blp.arguments(BulkTransitionSchema)
    @blp.response(200, BulkReportSchema)
    def post(self, request):
        """Fire one trigger on many enrolments; each is its own audited transition, reported row by row."""
        return service.bulk_transition(session=db.session, actor=current_actor(), config=current_app.config,
                                       **request)


@blp.route("/participants/<id:participant_id>/enrolments")
class ParticipantEnrolments(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EnrolmentPageSchema)
    def get(self, args, participant_id):
        """A participant's enrolments, oldest first (paginated)."""
        page = service.list_enrolments(session=db.session, participant_id=participant_id, **args)
        return _page(page)


@blp.route("/participants/<id:participant_id>/coverage")
class ParticipantCoverage(MethodView):
    @roles_required(*READERS)
    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageSchema)
    def get(self, args, participant_id):
        """Which programmes covered the participant on a date."""
        return coverage.participant_coverage(session=db.session, participant_id=participant_id, on=args["on"])


@blp.route("/coverage/lookup")
class CoverageLookup(MethodView):
    @roles_required(*READERS, Role.HOSPITAL_STAFF)
    @blp.arguments(CoverageLookupSchema)
    @blp.response(200, CoverageSchema)
    def post(self, args):
        """Coverage by NIK on a date (a POST, so the NIK stays out of URLs and access logs)."""
        return coverage.coverage_by_nik(session=db.session, nik=args["nik"], on=args["on"])


@blp.route("/reports/premiums")
class Premiums(MethodView):
    @roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(PremiumArgs, location="query")
    @blp.response(200, PremiumReportSchema)
    def get(self, args):
        """The month's premium liability for the city budget, per cohort and programme."""
        rates = coverage.PremiumRates.from_config(current_app.config)
        with read_only(db.session):
            return coverage.premiums(session=db.session, month=args["month"], rates=rates)


@blp.route("/enrolments/imports")
class Imports(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ImportBatchPageSchema)
    def get(self, args):
        """Past and running imports, newest first (paginated), each with its counts."""
        return imports.list_batches(session=db.session, **args)

    @roles_required(Role.CASEWORKER, Role.ADMIN)
    @blp.response(202, ImportBatchSchema)
    @blp.doc(requestBody=UPLOAD_BODY)
    def post(self):
        """Upload a DTSEN CSV; it is checked at once (header, text) and imported in the background."""
        filename, file = upload()
        with file:
            batch = imports.start_import(session=db.session, requested_by=current_actor().username,
                                         filename=filename, file=file)
        return batch, 202, {"Location": f"/api/v1/enrolments/imports/{batch.id}"}


@blp.route("/enrolments/imports/<id:batch_id>")
class ImportItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ImportBatchSchema)
    def get(self, batch_id):
        """Progress of an import: total, done, created, updated, unchanged, rejected."""
        return imports.get_batch(session=db.session, batch_id=batch_id)


@blp.route("/enrolments/imports/<id:batch_id>/errors.csv")
class ImportErrors(MethodView):
    @roles_required(*READERS)
    @blp.response(200, content_type="text/csv", description="line,column,reason")
    def get(self, batch_id):
        """The refused rows of an import: line, column and reason, as CSV."""
        return errors_response(imports.row_errors(session=db.session, batch_id=batch_id), batch_id)
