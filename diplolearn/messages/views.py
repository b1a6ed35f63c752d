"""The messages pages: the inbox (``inbox``), one thread (``show_thread``, ``reply``,
``mark_read``) and writing to a tutor or learner with whom one has no thread yet
(``compose``, ``send``). A GET writes nothing: opening a thread shows what is new, and
"Mark as read" (or replying) records it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.messages import bp
from diplolearn.messages.forms import MarkReadForm, MessageForm
from diplolearn.names import name_of, sorted_by_name
from diplolearn.security.permissions import login_required
from diplolearn.security.scoping import (
    message_partners,
    message_thread_or_404,
    overseen_message_threads,
    own_message_threads,
    pair_thread,
    thread_messages,
    writable_pair_or_404,
)
from diplolearn.services.messages import TextRefused
from diplolearn.services.messages import posting as messages
from diplolearn.unit_of_work import unit_of_work


@bp.get("/")
@login_required
def inbox():
    as_learner, as_tutor, ungrouped = message_partners(current_user)
    # Whom one may write to, by the name shown (a tutor's groups, a learner's tutors: short).
    as_learner = sorted_by_name(as_learner, key=lambda row: name_of(row[1]))
    as_tutor = sorted_by_name(as_tutor, key=lambda row: name_of(row[1]))
    threads = own_message_threads(current_user)
    opened = {(t.enrolment_id, t.tutor_id): t for t in threads}
    return render_template(
        "messages/inbox.html",
        threads=threads,
        overseen=overseen_message_threads(current_user),
        as_learner=as_learner,
        as_tutor=as_tutor,
        ungrouped=ungrouped,
        opened=opened,
    )


def _thread_page(thread, form=None, status: int = 200):
    participant = current_user.id in (thread.learner_id, thread.tutor_id)
    return (
        render_template(
            "messages/thread.html",
            thread=thread,
            messages=thread_messages(thread),
            participant=participant,
            unread=thread.unread_for(current_user.id),
            form=form or MessageForm(),
            read_form=MarkReadForm(),
        ),
        status,
    )


@bp.get("/<int:thread_id>")
@login_required
def show_thread(thread_id: int):
    return _thread_page(message_thread_or_404(current_user, thread_id))


@bp.post("/<int:thread_id>")
@login_required
def reply(thread_id: int):
    thread = message_thread_or_404(current_user, thread_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _thread_page(thread, form, 422)
    with unit_of_work(quiet=True) as work:
        messages.write(current_user, thread.enrolment, thread.tutor, form.body.data)
    if work.refused:
        return _refused(work.error, form, lambda f, s: _thread_page(thread, f, s))
    flash(_("Your message is sent."), "success")
    return redirect(url_for("messages.show_thread", thread_id=thread.id, _anchor="latest"))


@bp.post("/<int:thread_id>/read")
@login_required
def mark_read(thread_id: int):
    thread = message_thread_or_404(current_user, thread_id)
    if current_user.id not in (thread.learner_id, thread.tutor_id):
        abort(403)
    with unit_of_work(status=403):
        messages.mark_read(current_user, thread)
    return redirect(url_for("messages.inbox"))


def _refused(error, form, page):
    """A refused message: the reason beside the text; 422 when the text itself is refused,
    403 when this pair may not write (not one's tutor, no tutor group, enrolment ended)."""
    form.body.errors = [*form.body.errors, error.message]
    return page(form, 422 if isinstance(error, TextRefused) else 403)


def _compose_page(enrolment, tutor, form=None, status: int = 200):
    learner_side = current_user.id == enrolment.user_id
    return (
        render_template(
            "messages/compose.html",
            enrolment=enrolment,
            other=tutor if learner_side else enrolment.user,
            form=form or MessageForm(),
            action=url_for("messages.send", enrolment_id=enrolment.id, tutor_id=tutor.id),
        ),
        status,
    )


@bp.get("/write/<int:enrolment_id>/<int:tutor_id>")
@login_required
def compose(enrolment_id: int, tutor_id: int):
    enrolment, tutor = writable_pair_or_404(current_user, enrolment_id, tutor_id)
    thread = pair_thread(enrolment.id, tutor.id)
    if thread is not None:
        return redirect(url_for("messages.show_thread", thread_id=thread.id, _anchor="reply"))
    return _compose_page(enrolment, tutor)


@bp.post("/write/<int:enrolment_id>/<int:tutor_id>")
@login_required
def send(enrolment_id: int, tutor_id: int):
    enrolment, tutor = writable_pair_or_404(current_user, enrolment_id, tutor_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _compose_page(enrolment, tutor, form, 422)
    with unit_of_work(quiet=True) as work:
        message = messages.write(current_user, enrolment, tutor, form.body.data)
    if work.refused:
        return _refused(work.error, form, lambda f, s: _compose_page(enrolment, tutor, f, s))
    flash(_("Your message is sent."), "success")
    return redirect(url_for("messages.show_thread", thread_id=message.thread_id, _anchor="latest"))
