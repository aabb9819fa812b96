import marshmallow as ma
from marshmallow import validate

from berjasa.pagination import PageArgs, page_schema
from workflows.notifications import LANGUAGES

DELIVERY_STATES = ["pending", "delivered", "failed"]


class NotificationSchema(ma.Schema):
    """One notification, in the reader's language."""

    id = ma.fields.Integer()
    rule = ma.fields.String(metadata={"example": "claim.documents_requested"})
    event_type = ma.fields.String(metadata={"example": "claim.request_documents"})
    case_type = ma.fields.String(allow_none=True)
    case_id = ma.fields.Integer(allow_none=True)
    link = ma.fields.String(allow_none=True, metadata={"example": "/api/v1/claims/12"})
    message = ma.fields.String(metadata={"example": "BPJS meminta dokumen untuk klaim 12: laporan polisi"})
    language = ma.fields.String(validate=validate.OneOf(LANGUAGES))
    read = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class InboxArgs(PageArgs):
    unread = ma.fields.Boolean(metadata={"description": "only what the caller has not read"})


class InboxPageSchema(page_schema(NotificationSchema, "NotificationPage")):
    unread = ma.fields.Integer(metadata={"description": "how many the caller has not read (all pages)"})


class ReadAllSchema(ma.Schema):
    marked = ma.fields.Integer(metadata={"description": "how many were unread and are now read"})
    unread = ma.fields.Integer()


class PreferencesSchema(ma.Schema):
    language = ma.fields.String(validate=validate.OneOf(LANGUAGES),
                                metadata={"description": "id (Bahasa Indonesia, the default) or en"})
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254),
                            metadata={"description": "where e-mail goes (digests, escalations); null: none"})


class WebhookCreateSchema(ma.Schema):
    party = ma.fields.String(required=True, metadata={"example": "RS-PRIMAYA"})
    url = ma.fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                        validate=validate.Length(max=2000), metadata={"example": "https://simrs.example/berjasa"})
    event_types = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), required=True,
                                 validate=validate.Length(min=1, max=50),
                                 metadata={"example": ["claim.request_documents", "sla.*"]})


class WebhookChangeSchema(ma.Schema):
    enabled = ma.fields.Boolean()
    url = ma.fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    event_types = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                                 validate=validate.Length(min=1, max=50))


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer()
    party = ma.fields.String()
    url = ma.fields.String()
    event_types = ma.fields.List(ma.fields.String())
    enabled = ma.fields.Boolean()
    failures = ma.fields.Integer(metadata={"description": "failed attempts in a row"})
    disabled_at = ma.fields.AwareDateTime(allow_none=True)
    created_by = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(metadata={"description": "the signing secret (whsec_...): shown this once"})


class AttemptSchema(ma.Schema):
    attempt = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    status_code = ma.fields.Integer(allow_none=True)
    latency_ms = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    webhook_id = ma.fields.String(metadata={"description": "the webhook-id header: the same on every attempt"})
    event_type = ma.fields.String()
    status = ma.fields.String(validate=validate.OneOf(DELIVERY_STATES))
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    last_status = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    last_latency_ms = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    log = ma.fields.List(ma.fields.Nested(AttemptSchema))


class DeliveryArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf(DELIVERY_STATES))


DeliveryPageSchema = page_schema(DeliverySchema, "DeliveryPage")
