import re

from flask import jsonify, request
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.cases.schemas import AsOfArgs, CaseEventSchema, TimelineSchema, TransitionRequestSchema
from berjasa.cases.timeline import timeline_response
from berjasa.claims import service
from berjasa.claims.responses import claim_response, claim_responses, past_claim_response
from berjasa.claims.schemas import ClaimCreateSchema, ClaimListArgs, ClaimPageSchema, ClaimSchema
from berjasa.db import db
from berjasa.errors import ValidationFailed
from berjasa.pagination import PageArgs
from workflows.roles import Role

IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,200}")
blp = v1_blueprint("claims", __name__, "Work-accident (JKK) claims")
REPORTERS = (Role.CASEWORKER, Role.HOSPITAL_STAFF, Role.BPJS_OFFICER)
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.HOSPITAL_STAFF, Role.ADMIN)
ACTORS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.HOSPITAL_STAFF)

# Responses are built by claims/responses.py and returned as JSON; the schemas document them.


@blp.route("/claims")
class Claims(MethodView):
    @roles_required(*READERS)
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, ClaimPageSchema)
    def get(self, args):
        """List claims (filters: state, hospital, kecamatan, reported date range, flag, NIK or name); paginated.
        Hospital staff see only their hospital's claims."""
        return _page(service.list_claims(session=db.session, actor=current_actor(), **args))

    @roles_required(*REPORTERS)
    @blp.arguments(ClaimCreateSchema)
    @blp.response(201, ClaimSchema)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key",
                          "schema": {"type": "string", "pattern": "^[\\x20-\\x7e]{1,200}$"},
                          "description": "a retry with the same key returns the first response"}])
    def post(self, data):
        """Report a (suspected) work accident. Honours Idempotency-Key."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationFailed("Bad Idempotency-Key", errors={"Idempotency-Key": [
                "1-200 printable ASCII characters"]})
        body, replayed = service.create_claim(session=db.session, actor=current_actor(), data=data,
                                              idempotency_key=key)
        response = jsonify(body)
        response.status_code = 201
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response


@blp.route("/claims/<id:claim_id>")
class ClaimItem(MethodView):
    @roles_required(*READERS)
    @blp.arguments(AsOfArgs, location="query")
    @blp.response(200, ClaimSchema)
    def get(self, args, claim_id):
        """One claim with its flags and what the caller may do now; with `as_of`, as it stood then (its state,
        data, flags and clocks, rebuilt from the audit log; nothing to fire)."""
        if args.get("as_of"):
            past = service.claim_as_of(session=db.session, actor=current_actor(), claim_id=claim_id,
                                       at=args["as_of"])
            return jsonify(past_claim_response(db.session, current_actor(), past))
        claim, clocks = service.get_claim_with_clocks(session=db.session, actor=current_actor(), claim_id=claim_id)
        return jsonify(claim_response(db.session, current_actor(), claim, clocks))


@blp.route("/claims/<id:claim_id>/transitions")
class ClaimTransitions(MethodView):
    @roles_required(*ACTORS)
    @blp.arguments(TransitionRequestSchema)
    @blp.response(200, ClaimSchema)
    def post(self, request_body, claim_id):
        """Fire a trigger: verify, admit, refer, complete_treatment, submit_documents, request_documents,
        approve, pay, close, reject, withdraw, reopen."""
        claim, clocks = service.transition(session=db.session, actor=current_actor(), claim_id=claim_id,
                                           **request_body)
        return jsonify(claim_response(db.session, current_actor(), claim, clocks))


@blp.route("/claims/<id:claim_id>/history")
class ClaimHistory(MethodView):
    @roles_required(*READERS)
    @blp.response(200, CaseEventSchema(many=True))
    def get(self, claim_id):
        """Who did what to this claim, in order."""
        return service.history(session=db.session, actor=current_actor(), claim_id=claim_id)


@blp.route("/claims/<id:claim_id>/timeline")
class ClaimTimeline(MethodView):
    @roles_required(*READERS)
    @blp.response(200, TimelineSchema)
    def get(self, claim_id):
        """Everything that happened to this claim, oldest first: transitions with actor and party, clocks started,
        warned, breached, escalated and stopped, justified breaches, notifications sent (to the caller's party, for
        BPJS and hospitals)."""
        entries = service.claim_timeline(session=db.session, actor=current_actor(), claim_id=claim_id)
        return jsonify(timeline_response("claim", claim_id, entries))


@blp.route("/participants/<id:participant_id>/claims")
class ParticipantClaims(MethodView):
    @roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ClaimPageSchema)
    def get(self, args, participant_id):
        """A participant's claims, newest first (paginated)."""
        page = service.list_participant_claims(session=db.session, actor=current_actor(),
                                               participant_id=participant_id, **args)
        return _page(page)


def _page(found):
    page, clocks = found
    return jsonify(items=claim_responses(db.session, current_actor(), page.items, clocks), page=page.page,
                   per_page=page.per_page, total=page.total)
