from flask import current_app, jsonify
from flask.views import MethodView

from berjasa.api import v1_blueprint
from berjasa.auth.guard import current_actor, roles_required
from berjasa.db import db
from berjasa.notifications import inbox, webhooks
from berjasa.notifications.responses import delivery_responses, endpoint_responses, notification_response
from berjasa.notifications.schemas import (
    DeliveryArgs,
    DeliveryPageSchema,
    DeliverySchema,
    InboxArgs,
    InboxPageSchema,
    NotificationSchema,
    PreferencesSchema,
    ReadAllSchema,
    WebhookChangeSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookSchema,
)
from workflows.roles import Role

blp = v1_blueprint("notifications", __name__, "The inbox, notification preferences and webhooks")


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxPageSchema)
    def get(self, args):
        """The caller's inbox, newest first, in their language, with the unread count (`unread=true`: only the
        unread). Hospital staff see what was addressed to their hospital or to them."""
        page, unread, read, language = inbox.listing(session=db.session, actor=current_actor(), **args)
        items = [notification_response(n, language, n.id in read) for n in page.items]
        return jsonify(items=items, page=page.page, per_page=page.per_page, total=page.total, unread=unread)


@blp.route("/notifications/<int:notification_id>/read")
class Read(MethodView):
    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one notification read."""
        notification, _unread, language = inbox.mark_read(session=db.session, actor=current_actor(),
                                                          notification_id=notification_id)
        return jsonify(notification_response(notification, language, True))


@blp.route("/notifications/read-all")
class ReadAll(MethodView):
    @blp.response(200, ReadAllSchema)
    def post(self):
        """Mark everything in the caller's inbox read."""
        marked = inbox.mark_all_read(session=db.session, actor=current_actor())
        return jsonify(marked=marked, unread=0)


@blp.route("/me/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesSchema)
    def get(self):
        """The caller's notification language and e-mail address."""
        return jsonify(inbox.preferences(session=db.session, actor=current_actor()))

    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesSchema)
    def patch(self, data):
        """Change the caller's language (`id` or `en`) or e-mail address (null: no e-mail)."""
        return jsonify(inbox.set_preferences(session=db.session, actor=current_actor(), data=data))


@blp.route("/webhooks")
class Webhooks(MethodView):
    @roles_required(Role.ADMIN)
    @blp.response(200, WebhookSchema(many=True))
    def get(self):
        """Every webhook endpoint (admin)."""
        return jsonify(endpoint_responses(db.session, webhooks.endpoints(session=db.session)))

    @roles_required(Role.ADMIN)
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookCreatedSchema)
    def post(self, data):
        """Register a party's endpoint (admin). The response shows the signing secret, this once."""
        endpoint = webhooks.register(session=db.session, actor=current_actor(),
                                     allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"], **data)
        return jsonify(endpoint_responses(db.session, [endpoint], with_secret=True)[0]), 201


@blp.route("/webhooks/<int:endpoint_id>")
class WebhookItem(MethodView):
    @roles_required(Role.ADMIN)
    @blp.response(200, WebhookSchema)
    def get(self, endpoint_id):
        """One endpoint (admin)."""
        endpoint = webhooks.endpoint(session=db.session, endpoint_id=endpoint_id)
        return jsonify(endpoint_responses(db.session, [endpoint])[0])

    @roles_required(Role.ADMIN)
    @blp.arguments(WebhookChangeSchema)
    @blp.response(200, WebhookSchema)
    def patch(self, data, endpoint_id):
        """Enable (resets the run of failures) or disable an endpoint, or change its URL or event types."""
        endpoint = webhooks.change(session=db.session, endpoint_id=endpoint_id, data=data,
                                   allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
        return jsonify(endpoint_responses(db.session, [endpoint])[0])


@blp.route("/webhooks/<int:endpoint_id>/deliveries")
class Deliveries(MethodView):
    @roles_required(Role.ADMIN)
    @blp.arguments(DeliveryArgs, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, args, endpoint_id):
        """An endpoint's deliveries, newest first, each with its attempt log (status, latency, error)."""
        page = webhooks.deliveries(session=db.session, endpoint_id=endpoint_id, **args)
        return jsonify(items=delivery_responses(db.session, page.items), page=page.page, per_page=page.per_page,
                       total=page.total)


@blp.route("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
class Redeliver(MethodView):
    @roles_required(Role.ADMIN)
    @blp.response(202, DeliverySchema)
    def post(self, endpoint_id, delivery_id):
        """Send a delivery again, with the same webhook-id (a new run of attempts)."""
        delivery = webhooks.redeliver(session=db.session, endpoint_id=endpoint_id, delivery_id=delivery_id,
                                      config=current_app.config)
        return jsonify(delivery_responses(db.session, [delivery])[0]), 202
