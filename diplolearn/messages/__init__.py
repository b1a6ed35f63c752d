"""Private messages between a learner and their tutor at /messages (issue 20): the inbox, a
thread, writing to one's tutor or learner. Rules in services/messages; who reads what in
security/scoping/messages.py."""

from flask import Blueprint

bp = Blueprint("messages", __name__)

from diplolearn.messages import views  # noqa: E402,F401
