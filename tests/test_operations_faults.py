"""Faults found when DiploLearn was tried under load and with bad input (issue 18, item 5):
ids beyond the database's range, unlimited guesses of the current password, and enrolments
left "invited" by a first activity other than a lesson."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db as database
from diplolearn.models import Enrolment, EnrolmentState, Role
from diplolearn.services import progress
from diplolearn.services.assessment import assignments, quizzes
from diplolearn.services.discussion import posting
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    PASSWORD,
    make_assignment,
    make_learner,
    make_published_course,
    make_user,
    make_with_role,
)

# --- 5c: every integer in a URL outside the database's range answers 404 ----------------------

TOO_LARGE = str(2**63)
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


def _example(match: re.Match) -> str:
    converter = match.group("converter")
    if converter == "int":
        return TOO_LARGE
    if converter == "any":
        return match.group("options").split(",")[0].strip().strip("'\"")
    return "x"


def _rules_with_an_id(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(m.group("converter") == "int" for m in ARGUMENT.finditer(rule.rule))
    ]


def test_every_rule_with_an_id_refuses_one_beyond_the_database_range(app, db):
    make_with_role(Role.ADMINISTRATOR, email="admin@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "admin@example.org")
    rules = _rules_with_an_id(app)
    assert len(rules) > 100  # the whole application, not a sample
    answers = {}
    for rule in rules:
        path = ARGUMENT.sub(_example, rule.rule)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        answers[f"{method} {path}"] = client.open(path, method=method).status_code
    assert {url: status for url, status in answers.items() if status != 404} == {}


def test_ids_within_range_still_match(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/admin/people/{2**63 - 1}")[1] == {"user_id": 2**63 - 1}


# --- 5e: changing the password is limited as sign-in is ---------------------------------------


def _change_password(client, current: str, new: str = "a new passphrase here"):
    return post_form(
        client,
        "/account/password",
        {"pw-current": current, "pw-password": new, "pw-confirm": new},
        form_page="/account",
    )


@pytest.fixture()
def three_guesses(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    yield
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"


def test_wrong_current_passwords_are_limited(app, db, three_guesses):
    user = make_user("guessed@example.org", language="fr")
    db.session.commit()
    client = app.test_client()
    login(client, "guessed@example.org")
    before = user.password_hash
    assert [_change_password(client, f"guess {n}").status_code for n in range(3)] == [422] * 3
    blocked = _change_password(client, PASSWORD)  # even the right one, once the limit is hit
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_weak_new_password_is_no_guess_and_another_account_is_not_limited(app, db, three_guesses):
    make_user("careful@example.org")
    make_user("neighbour@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "careful@example.org")
    for _ in range(4):  # the right current password, a new one too short: not a guess
        assert _change_password(client, PASSWORD, new="short").status_code == 422
    for n in range(3):
        _change_password(client, f"guess {n}")
    neighbour = app.test_client()
    login(neighbour, "neighbour@example.org")
    assert _change_password(neighbour, PASSWORD).status_code == 302


# --- 5h: any learning activity starts an invited enrolment's studies ---------------------------


@pytest.fixture()
def invited(app, db, tmp_path, monkeypatch):
    """A learner invited to a course with a quiz and an assignment in module 1, who has done
    nothing yet."""
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    published = make_published_course(modules=1, lessons_per_module=1, paragraphs=2)
    make_assignment(published)
    _user, enrolment = make_learner(
        published.cohort, state=EnrolmentState.INVITED, email="invited@example.org"
    )
    db.session.commit()
    assert enrolment.state == EnrolmentState.INVITED
    return enrolment


def _state(db, enrolment):
    db.session.expire_all()
    return (enrolment.state, enrolment.activated_at is not None)


def test_starting_a_quiz_first_activates_the_enrolment(app, db, invited):
    client = app.test_client()
    login(client, "invited@example.org")
    landing = f"/learn/{invited.id}/quizzes/m1-quiz"
    response = post_form(client, f"{landing}/attempts", {}, form_page=landing)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _state(db, invited) == (EnrolmentState.ACTIVE, True)


def test_saving_an_assignment_first_activates_the_enrolment(app, db, invited):
    client = app.test_client()
    login(client, "invited@example.org")
    page = f"/learn/{invited.id}/assignments/m1-essay"
    response = client.post(
        page,
        data={"csrf_token": csrf_from(client, page), "body": "A first draft", "save": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _state(db, invited) == (EnrolmentState.ACTIVE, True)


def _start_quiz(enrolment, standing):
    quizzes.start_attempt(enrolment, standing.quiz("m1-quiz"), "en")


def _save_quiz(enrolment, standing):
    attempt = quizzes.start_attempt(enrolment, standing.quiz("m1-quiz"), "en")
    # An enrolment the old code left invited after the attempt started: saving activates it.
    database.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(state=EnrolmentState.INVITED, activated_at=None)
    )
    quizzes.save_answers(attempt, {})


def _save_assignment(enrolment, standing):
    assignments.save(enrolment, standing, standing.assignment("m1-essay"), body="A draft")


def _post_in_discussion(enrolment, standing):
    lesson = standing.lesson("m1-l1")
    posting.annotate(enrolment, standing, lesson, "p1", kind="comment", body="Hm.", lang="en")


def _reply_in_discussion(enrolment, standing):
    _other, other = make_learner(enrolment.cohort)
    question = posting.annotate(
        other, standing, standing.lesson("m1-l1"), "p1", kind="question", body="Why?", lang="en"
    )
    posting.reply(
        enrolment.user,
        question,
        body="Because.",
        lang="en",
        cohort=enrolment.cohort,
        learner_group_id=enrolment.tutor_group_id,
    )


@pytest.mark.parametrize(
    "first_activity",
    [_start_quiz, _save_quiz, _save_assignment, _post_in_discussion, _reply_in_discussion],
)
def test_any_learning_activity_activates_the_enrolment(db, invited, first_activity):
    first_activity(invited, progress.course_progress(invited))
    db.session.flush()
    assert _state(db, invited) == (EnrolmentState.ACTIVE, True)
    # Once: a second activity leaves the date of the first.
    activated_at = invited.activated_at
    progress.note_activity(invited.id, activated_at)
    assert _state(db, invited) == (EnrolmentState.ACTIVE, True)
    assert invited.activated_at == activated_at
