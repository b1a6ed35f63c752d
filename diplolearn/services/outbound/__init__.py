"""What DiploLearn sends to a ministry's own systems (issue 17): xAPI learning records to
learning record stores, and signed webhooks; queued in the transaction of the fact they report
(queue.py) and sent afterwards by ``flask jobs run`` (sending.py).

- statements.py: the xAPI 2.0 statement of each fact, with stable ids;
- records.py: the facts (registered, read, answered, quiz completed/passed/failed, module and
  course completed, certificate earned) queued for the stores that should hear of them;
- webhooks.py: ministries' endpoints, the events they are told of, and the signature;
- stores.py: ministries' learning record stores;
- queue.py and sending.py: the outbox of HTTP deliveries and its job.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class InvalidEndpoint(DomainError):
    message = _l("Give the address of the endpoint, starting with https://.")


class NoEventChosen(DomainError):
    message = _l("Choose at least one event to be told of.")


class NotFailed(DomainError):
    message = _l("Only a delivery that was given up can be tried again.")
