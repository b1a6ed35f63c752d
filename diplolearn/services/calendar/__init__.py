"""Calendar feeds (issue 14): every account's dates as an iCalendar (.ics) feed at a secret URL.

- ``feeds``: the feed's secret key (an HMAC of the account's id and salt under the
  SECRET_KEY, so the database alone never yields a working URL), looking an account up by it,
  revoking and regenerating it;
- ``events``: which dates a person's feed holds (module releases and due dates, assignment due
  dates and cut-offs, quiz close times, weekly sessions) for their enrolments and, for staff,
  their cohorts; and writing them as iCalendar with a stable UID per event and times in UTC.

This domain has no errors of its own: a forged or revoked key is simply not found (404).
"""
