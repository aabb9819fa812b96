from flask import jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.premiums import service
from berjasa.premiums.schemas import InvoiceSchema, MonthArgs, PaymentSchema
from workflows.roles import Role

blp = v1_blueprint("premiums", __name__, "BPJS's premium invoices and the city's payments")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.BPJS_OFFICER, Role.ADMIN)


@blp.route("/premiums/invoices")
class Invoices(MethodView):
    @roles_required(*READERS)
    @blp.arguments(MonthArgs, location="query")
    @blp.response(200, InvoiceSchema(many=True))
    def get(self, args):
        """BPJS's invoices (of a month), each with what the city has paid against it."""
        return service.list_invoices(session=db.session, **args)

    @roles_required(Role.BPJS_OFFICER, Role.CASEWORKER, Role.ADMIN)
    @blp.arguments(InvoiceSchema)
    @blp.response(201, InvoiceSchema)
    def post(self, data):
        """Record BPJS's invoice for a month, cohort and programme (the same reference again corrects it)."""
        body = InvoiceSchema().dump(service.record_invoice(session=db.session, data=data,
                                                           recorded_by=current_actor().username))
        return jsonify(body), 201


@blp.route("/premiums/invoices/<id:invoice_id>")
class InvoiceItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, InvoiceSchema)
    def get(self, invoice_id):
        """One invoice with what the city has paid against it."""
        return service.get_invoice(session=db.session, invoice_id=invoice_id)


@blp.route("/premiums/payments")
class Payments(MethodView):
    @roles_required(*READERS)
    @blp.arguments(MonthArgs, location="query")
    @blp.response(200, PaymentSchema(many=True))
    def get(self, args):
        """The city's payments (of a month's invoices)."""
        return service.list_payments(session=db.session, **args)

    @roles_required(Role.CASEWORKER, Role.ADMIN)
    @blp.arguments(PaymentSchema)
    @blp.response(201, PaymentSchema)
    def post(self, data):
        """Record a payment of the city against an invoice (a reference already recorded is kept as it was)."""
        return service.record_payment(session=db.session, data=data, recorded_by=current_actor().username), 201
