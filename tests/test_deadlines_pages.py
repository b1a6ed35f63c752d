"""Deadlines that bend (issue 14), the teaching side and the dates: excusals, more time for a
group, late rules, dated items, the next step, catch-up dates, and every page of it valid HTML
in each of its states."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AuditEvent,
    DueDateExtension,
    Enrolment,
    Excusal,
    LateRule,
    Role,
    utcnow,
)
from diplolearn.services import deadlines, progress
from diplolearn.services.assessment import assignments as assignment_service
from tests.conftest import csrf_from, post_form
from tests.factories import make_learner, make_user, make_with_role
from tests.test_deadlines import (  # noqa: F401 (w is a fixture)
    DAY,
    client_for,
    close_late_work,
    count,
    finish_lesson_and_quiz,
    token,
    w,
)

# --- excusals and groups ----------------------------------------------------------------------


def test_an_excused_item_no_longer_holds_up_its_module(app, db, w):
    finish_lesson_and_quiz(w.ann_e)
    close_late_work(w)
    db.session.commit()
    tutor = client_for(app, w.tutor)
    page = f"/teach/learners/{w.ann_e.id}/excusals"
    html = tutor.get(page).get_data(as_text=True)
    assert 'value="assignment:m1-essay"' in html
    response = tutor.post(
        page,
        data={
            "excuse-csrf_token": token(tutor, page, "excuse"),
            "excuse-item": "assignment:m1-essay",
            "excuse-reason": "Medical leave, agreed with the ministry.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Excusal)).excused_by_id == w.tutor.id
    standing = progress.course_progress(w.ann_e)
    assert standing.modules[0].complete and standing.assignment("m1-essay").excused
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "item.excuse")) == 1
    )
    learner = client_for(app, w.ann)
    assert "Excused" in learner.get(f"/learn/{w.ann_e.id}").get_data(as_text=True)  # its badge
    assert "You are excused" in learner.get(f"/learn/{w.ann_e.id}/assignments/m1-essay").get_data(
        as_text=True
    )
    # Outside one's groups: 404, nothing written.
    assert (
        client_for(app, w.tutor2).get(f"/teach/learners/{w.ann_e.id}/excusals").status_code == 404
    )
    # Twice: 409.
    with app.test_request_context(), pytest.raises(deadlines.AlreadyExcused):
        deadlines.excuse(w.ann_e, "assignment", "m1-essay", "Again", w.tutor)


def test_a_whole_group_gets_more_time_at_once(app, db, w):
    _carol, carol_e = make_learner(w.cohort, w.ministry, w.g1, email="carol@example.org")
    db.session.commit()
    tutor = client_for(app, w.tutor)
    page = f"/teach/groups/{w.g1.id}/more-time"
    new_date = (w.now + 6 * DAY).replace(second=0, microsecond=0)
    response = tutor.post(
        page,
        data={
            "csrf_token": csrf_from(tutor, page),
            "item": "module:m1",
            "due_at": new_date.strftime("%Y-%m-%dT%H:%M"),
            "reason": "The embassy network was down all week.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    extended = dict(
        db.session.execute(sa.select(DueDateExtension.enrolment_id, DueDateExtension.due_at)).all()
    )
    assert extended == {w.ann_e.id: new_date, carol_e.id: new_date}  # not Bob, of group 2
    assert client_for(app, w.tutor2).get(page).status_code == 404


# --- late rules page ----------------------------------------------------------------------------


def test_the_lead_sets_late_rules_and_a_tutor_only_reads_them(app, db, w):
    lead = client_for(app, w.lead)
    page = f"/teach/cohorts/{w.cohort.id}/late-rules"
    assert lead.get(page).status_code == 200
    response = post_form(lead, page, {"target": "m1-essay", "mode": "days", "days": "5"})
    assert response.status_code == 302
    rule = db.session.scalar(sa.select(LateRule))
    assert (rule.item_kind, rule.item_key, rule.cutoff_days) == ("assignment", "m1-essay", 5)
    response = post_form(lead, page, {"target": "*", "mode": "days", "days": ""})
    assert response.status_code == 422
    tutor = client_for(app, w.tutor)
    assert "Taken for 5 days" in tutor.get(page).get_data(as_text=True)
    response = tutor.post(
        page, data={"csrf_token": csrf_from(tutor, page), "target": "*", "mode": "closed"}
    )
    assert response.status_code == 403
    response = post_form(lead, page, {"target": "m1-essay", "mode": "default"})
    assert response.status_code == 302 and count(db, LateRule) == 0


# --- dated items and the next step --------------------------------------------------------------


def test_dated_items_give_every_date_with_a_stable_uid(app, db, w):
    with app.test_request_context():
        before = {i.uid: i for i in deadlines.dated_items(w.ann_e)}
        assert set(before) == {
            f"enrolment-{w.ann_e.id}-module-m1",
            f"enrolment-{w.ann_e.id}-module-m2",
            f"enrolment-{w.ann_e.id}-assignment-m1-essay",
        }
        m2 = before[f"enrolment-{w.ann_e.id}-module-m2"]
        assert m2.opens_at is not None and m2.opens_at.tzinfo is not None
        request = deadlines.request_extension(w.ann_e, "module", "m1", "Travel")
        assert deadlines.dated_items(w.ann_e)[0].pending_request
        deadlines.grant_request(request, w.tutor, w.now + 9 * DAY)
        after = {i.uid: i for i in deadlines.dated_items(w.ann_e)}
    essay = after[f"enrolment-{w.ann_e.id}-assignment-m1-essay"]
    assert essay.due_at == w.now + 9 * DAY and essay.extended and not essay.pending_request
    assert set(after) == set(before)


def test_the_next_step_waits_for_a_grade_then_for_the_next_release(app, db, w):
    finish_lesson_and_quiz(w.ann_e)
    with app.test_request_context():
        standing = progress.course_progress(w.ann_e)
        assert deadlines.next_step(w.ann_e, standing).action == "hand_in"
        assignment_service.save(
            w.ann_e, standing, standing.assignment("m1-essay"), body="My essay here", submit=True
        )
        db.session.commit()  # as the request's unit of work would: stored progress follows
        db.session.expire_all()
        step = deadlines.next_step(w.ann_e)
        # Handed in counts as done ("submitted" rule): module 1 complete, module 2 not open yet.
        assert (step.kind, step.action) == ("wait", "release")
        assert step.when is not None and "Module 2 opens on" in step.label
    learner = client_for(app, w.ann)
    assert "Module 2 opens on" in learner.get(f"/learn/{w.ann_e.id}").get_data(as_text=True)


def test_next_steps_cost_the_same_queries_for_one_or_many_learners(app, db, w, count_queries):
    for n in range(3):
        make_learner(w.cohort, w.ministry, w.g1, email=f"extra{n}@example.org")
    db.session.commit()
    enrolments = list(
        db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == w.cohort.id))
    )
    counts = []
    with app.test_request_context():
        for group in (enrolments[:1], enrolments):
            standing = progress.progress_for(group)
            with count_queries() as counter:
                deadlines.next_steps(group, standing)
                deadlines.dated_items_for(group, standing)
            counts.append(counter.count)
    assert counts[0] == counts[1] and counts[0] <= 4, counts


# --- catch-up dates --------------------------------------------------------------------------


def test_joining_a_running_cohort_gives_catch_up_dates_shown_before_nominating(app, db, w):
    from diplolearn.services.accounts import people
    from diplolearn.services.cohorts import places

    coordinator = make_with_role(Role.COORDINATOR, w.ministry.id, email="coord@example.org")
    places.set_seats(w.cohort, w.ministry, 5, by=w.lead)
    staff = make_user(email="newcomer@example.org", name_latin="Newcomer")
    people.join_ministry(staff, w.ministry)
    db.session.commit()
    with app.test_request_context():
        dates = deadlines.catch_up_dates(w.cohort, w.now)
    assert [d.module_key for d in dates] == ["m1", "m2"]
    assert dates[0].moved and dates[0].due_at == w.now + 7 * DAY  # m1 was due 3 days ago
    assert dates[1].due_at == w.now + 14 * DAY  # never earlier than the cohort's own date
    client = client_for(app, coordinator)
    page = f"/ministry/{w.ministry.id}/cohorts/{w.cohort.id}"
    html = client.get(page).get_data(as_text=True)
    assert "This cohort is already running" in html and "catch-up" in html
    response = client.post(
        f"{page}/nominations",
        data={
            "nominate-csrf_token": token(client, page, "nominate"),
            "nominate-person": str(staff.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    extension = db.session.scalar(
        sa.select(DueDateExtension).where(DueDateExtension.module_id == w.m1)
    )
    assert extension is not None and extension.due_at > utcnow() + 6 * DAY
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "due_date.catch_up")
        )
        == 1
    )


# --- every page, in each of its states, is valid HTML ------------------------------------------


def test_every_deadline_page_in_each_state_is_valid_html(app, db, w, tmp_path):
    from diplolearn.services.cohorts import places
    from tests.test_html_validity import VNU_JAR, _java_or_skip

    java = _java_or_skip()
    close_late_work(w)
    finish_lesson_and_quiz(w.ann_e)
    coordinator = make_with_role(Role.COORDINATOR, w.ministry.id, email="coord@example.org")
    places.set_seats(w.cohort, w.ministry, 5, by=w.lead)
    with app.test_request_context():
        pending = deadlines.request_extension(w.ann_e, "assignment", "m1-essay", "Mission abroad")
        refused = deadlines.request_extension(w.bob_e, "module", "m1", "Network down")
        deadlines.refuse_request(refused, w.lead, "The module is short.")
        deadlines.excuse(w.bob_e, "quiz", "m1-quiz", "Accessibility accommodation", w.tutor2)
        deadlines.set_late_rule(w.cohort, w.lead, assignment_key="m1-essay", cutoff_days=2)
    db.session.commit()
    pages = {
        w.ann: [
            f"/learn/{w.ann_e.id}",
            f"/learn/{w.ann_e.id}/assignments/m1-essay",
            f"/learn/{w.ann_e.id}/more-time/assignment/m1-essay",
            f"/learn/{w.ann_e.id}/more-time",
        ],
        w.bob: [
            f"/learn/{w.bob_e.id}",
            f"/learn/{w.bob_e.id}/more-time/module/m1",
            f"/learn/{w.bob_e.id}/more-time",
            f"/learn/{w.bob_e.id}/quizzes/m1-quiz",
        ],
        w.tutor: [
            "/teach/extension-requests",
            f"/teach/extension-requests/{pending.id}",
            f"/teach/learners/{w.ann_e.id}/excusals",
            f"/teach/groups/{w.g1.id}/more-time",
            f"/teach/cohorts/{w.cohort.id}/late-rules",
        ],
        w.lead: [
            f"/teach/extension-requests/{refused.id}",
            f"/teach/learners/{w.bob_e.id}/excusals",
            f"/teach/cohorts/{w.cohort.id}/late-rules",
        ],
        coordinator: [f"/ministry/{w.ministry.id}/cohorts/{w.cohort.id}"],
    }
    folder = tmp_path / "html"
    folder.mkdir()
    files = []
    for person, paths in pages.items():
        client = client_for(app, person)
        for n, path in enumerate(paths):
            response = client.get(path)
            assert response.status_code == 200, (person.email, path)
            name = folder / f"{person.id}-{n}.html"
            name.write_bytes(response.data)
            files.append(str(name))
    assert "This cohort is already running" in Path(files[-1]).read_text()
    result = subprocess.run(
        [java, "-Xss16m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, errors


def test_an_instructor_enrolling_into_a_running_cohort_gives_catch_up_dates(app, db, w):
    newcomer = make_user(email="late.joiner@example.org")
    db.session.commit()
    lead = client_for(app, w.lead)
    page = f"/teach/cohorts/{w.cohort.id}/enrolments"
    response = post_form(lead, page, {"email": newcomer.email, "group": str(w.g1.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == newcomer.id))
    extension = db.session.scalar(
        sa.select(DueDateExtension).where(DueDateExtension.enrolment_id == enrolment.id)
    )
    assert extension.module_id == w.m1 and extension.due_at > utcnow() + 6 * DAY
    # Ann, already in the cohort, keeps the cohort's dates.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(DueDateExtension.enrolment_id == w.ann_e.id)
        )
        == 0
    )


def test_a_quiz_closing_soon_offers_to_ask_for_more_time(app, db, w):
    from diplolearn.services.assessment.quiz_policy import set_override

    quiz_id = progress.course_progress(w.ann_e).quiz("m1-quiz").node.quiz_id
    set_override(w.lead, quiz_id, cohort_id=w.cohort.id, closes_at=utcnow() + DAY)
    db.session.commit()
    html = client_for(app, w.ann).get(f"/learn/{w.ann_e.id}/quizzes/m1-quiz").get_data(as_text=True)
    assert "This quiz closes soon." in html
    assert f'href="/learn/{w.ann_e.id}/more-time/quiz/m1-quiz"' in html
