"""Demo data for development: two ministries, their coordinators and staff, an instructor, two
tutors, an administrator, and learners who read in Arabic, English and French.

The running cohort has two tutor groups, each mixing staff of both ministries: the demo
accounts that can sign in, and background staff (no password) who make the instructor's grid,
the tutors' views and the coordinators' reports look like a real cohort, some ahead, some
behind, some gone quiet.

Idempotent: every record is looked up by its natural key first, so running it again changes
nothing. The README's table of demo accounts is generated from ``DEMO_ACCOUNTS``, and a test
keeps the two in step.

The package by what it seeds: people.py (the accounts, ministries and background staff),
cohorts.py (the course's running and finished cohorts, with everyone in them; each person reads
the course in their own language), outbound.py (Ministry A's learning record store, unreachable
so that its retries show), learning.py
(learners walked through the course, their work graded, essays.py their essays),
discussion.py (posts in the running cohort's tutor groups) and story.py (late work accepted,
requests for more time, weekly sessions, dates in order), notifications.py (a few unread
notices) and messages.py (a learner's question and the tutor's answer in each group). The command layer (``flask demo
seed``) commits.
"""

from __future__ import annotations

import datetime as dt

from diplolearn.demo.cohorts import (
    DEMO_COHORT_KEY,
    DEMO_COURSE_KEY,
    seed_running_cohort,
    seed_spring_cohort,
    spring_cohort,
)
from diplolearn.demo.discussion import seed_demo_annotations
from diplolearn.demo.learning import advance, grade_submissions
from diplolearn.demo.messages import seed_message_threads
from diplolearn.demo.notifications import seed_notifications
from diplolearn.demo.outbound import seed_record_store
from diplolearn.demo.people import DEMO_ACCOUNTS, seed_ministries
from diplolearn.demo.story import seed_story, settle_dates
from diplolearn.extensions import db
from diplolearn.models import utcnow
from diplolearn.services.accounts import accounts

__all__ = ["DEMO_ACCOUNTS", "DEMO_COHORT_KEY", "DEMO_COURSE_KEY", "advance", "seed_demo"]


def seed_demo(today: dt.date | None = None) -> int:
    """Create whatever of the demo data is missing; return how many records were created."""
    ministries, created = seed_ministries()
    created += seed_record_store(ministries)  # before any activity, so its records queue
    course, cohort, groups, made = seed_running_cohort(ministries, today)
    created += made
    tutors = {
        group.id: accounts.find_user_by_email(row.email)
        for row in DEMO_ACCOUNTS
        if row.role.startswith("tutor")
        for group in [groups[f"group-{row.role[-1]}"]]
    }
    created += seed_demo_annotations(cohort)
    created += seed_spring_cohort(course, ministries, today)
    now = utcnow()
    created += grade_submissions(tutors, now)
    created += seed_story(cohort, groups, now)
    created += seed_notifications()
    created += seed_message_threads(cohort, groups)
    settle_dates([cohort, spring_cohort(course)])
    db.session.flush()
    return created
