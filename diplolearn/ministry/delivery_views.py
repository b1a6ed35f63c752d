"""A ministry's learning records and webhooks (``/ministry/<id>/deliveries``).

Coordinators of the ministry and administrators add and remove learning record stores (which
receive its staff's xAPI statements) and webhooks (told of completions and certificates, each
call signed; the secret is shown once, on the answer to the creation), and follow every
delivery: its state, attempts, the far end's answer and the next try. A given-up delivery can
be tried again. Everything is audited in the services (services.outbound).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.ministry import bp
from diplolearn.ministry.delivery_forms import (
    EVENT_LABELS,
    RecordStoreForm,
    RemoveForm,
    RetryForm,
    WebhookForm,
)
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    delivery_or_404,
    ministry_deliveries,
    ministry_or_404,
    ministry_record_stores,
    ministry_webhooks,
    record_store_or_404,
    webhook_or_404,
)
from diplolearn.services.outbound import sending, stores, webhooks
from diplolearn.unit_of_work import unit_of_work

coordinators_and_administrators = role_required(Role.COORDINATOR, Role.ADMINISTRATOR)


def _page(ministry, *, store_form=None, webhook_form=None, secret=None, status=200):
    return render_template(
        "ministry/deliveries.html",
        ministry=ministry,
        stores=ministry_record_stores(current_user, ministry.id),
        hooks=ministry_webhooks(current_user, ministry.id),
        deliveries=ministry_deliveries(current_user, ministry.id),
        store_form=store_form or RecordStoreForm(formdata=None),
        webhook_form=webhook_form or WebhookForm(formdata=None),
        remove_form=RemoveForm(),
        retry_form=RetryForm(),
        event_labels=EVENT_LABELS,
        secret=secret,
        coordinator=current_user.has_role(Role.COORDINATOR),
    ), status


def _back(ministry_id: int):
    return redirect(url_for("ministry.show_deliveries", ministry_id=ministry_id))


@bp.get("/<int:ministry_id>/deliveries")
@coordinators_and_administrators
def show_deliveries(ministry_id: int):
    return _page(ministry_or_404(current_user, ministry_id))


@bp.post("/<int:ministry_id>/deliveries/stores")
@coordinators_and_administrators
def add_record_store(ministry_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    form = RecordStoreForm()
    if not form.validate_on_submit():
        return _page(ministry, store_form=form, status=422)
    with unit_of_work(status=422) as work:
        stores.add_store(
            ministry,
            name=form.name.data,
            endpoint=form.endpoint.data,
            username=form.username.data,
            password=form.password.data,
            share_email=form.share_email.data,
            by=current_user,
        )
    if work.refused:
        return _page(ministry, store_form=form, status=work.status)
    flash(_("The learning record store was added: your staff's records will be sent to it."))
    return _back(ministry_id)


@bp.post("/<int:ministry_id>/deliveries/stores/<int:store_id>/remove")
@coordinators_and_administrators
def remove_record_store(ministry_id: int, store_id: int):
    store = record_store_or_404(current_user, ministry_id, store_id)
    if not RemoveForm().validate_on_submit():
        return _page(store.ministry, status=422)
    with unit_of_work():
        stores.remove_store(store, current_user)
    flash(_("The learning record store was removed: nothing more will be sent to it."))
    return _back(ministry_id)


@bp.post("/<int:ministry_id>/deliveries/webhooks")
@coordinators_and_administrators
def add_webhook(ministry_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(ministry, webhook_form=form, status=422)
    with unit_of_work(status=422) as work:
        _hook, secret = webhooks.add_webhook(
            ministry, form.url.data, form.events.data, current_user
        )
    if work.refused:
        return _page(ministry, webhook_form=form, status=work.status)
    # The secret is shown on this answer only: it is sealed in the database from now on.
    return _page(ministry, secret=secret)


@bp.post("/<int:ministry_id>/deliveries/webhooks/<int:webhook_id>/remove")
@coordinators_and_administrators
def remove_webhook(ministry_id: int, webhook_id: int):
    hook = webhook_or_404(current_user, ministry_id, webhook_id)
    if not RemoveForm().validate_on_submit():
        return _page(hook.ministry, status=422)
    with unit_of_work():
        webhooks.remove_webhook(hook, current_user)
    flash(_("The webhook was removed: nothing more will be sent to it."))
    return _back(ministry_id)


@bp.post("/<int:ministry_id>/deliveries/<int:delivery_id>/retry")
@coordinators_and_administrators
def retry_delivery(ministry_id: int, delivery_id: int):
    delivery = delivery_or_404(current_user, ministry_id, delivery_id)
    ministry = ministry_or_404(current_user, ministry_id)
    if not RetryForm().validate_on_submit():
        return _page(ministry, status=422)
    with unit_of_work(status=409) as work:
        sending.retry(delivery, current_user)
    if work.refused:
        return _page(ministry, status=work.status)
    flash(_("The delivery will be tried again in the next few minutes."))
    return _back(ministry_id)
