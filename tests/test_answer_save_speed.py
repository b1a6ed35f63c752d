"""The quiz answer save as the page's autosave posts it (issue 16): what it reads and writes,
pinned by counting statements (timings are in bench/side_by_side.py).

The save reads the learner's enrolment and what saving needs of the attempt (one query, however
many questions), checks the form, and only then takes the write turn, in which it writes: the
claim of the attempt, one upsert of the answers, the flags that changed, the activity clock and
the page versions. It changes no progress, so the stored progress is not refreshed.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.models import DeviceSession, ModuleProgress, QuizQuestion, Response
from diplolearn.services.assessment import quizzes
from diplolearn.services.signin import devices
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_learner, make_published_course, quiz_answers

JSON = {"Accept": "application/json"}
WRITES = ("INSERT", "UPDATE", "DELETE")
PROBE = 'UPDATE "user" SET id = id WHERE 0'  # unit_of_work.writers_turn, on SQLite


@pytest.fixture()
def course(app, db):
    """Three modules: m1's quiz has three questions, m2's quiz is given m3's as well (six)."""
    published = make_published_course(modules=3, lessons_per_module=1)
    bigger, extra = published.quiz_revision("m2-quiz"), published.quiz_revision("m3-quiz")
    for position, item in enumerate(extra.questions, len(bigger.questions) + 1):
        db.session.add(
            QuizQuestion(
                quiz_revision_id=bigger.id,
                question_revision_id=item.question_revision_id,
                position=position,
            )
        )
    for key in ("m1", "m2"):  # the quizzes are open whatever the completion rules
        published.module_revision(key).prerequisites = []
    db.session.commit()
    return published


def taker(app, db, course, email: str):
    _user, enrolment = make_learner(course.cohort, email=email)
    db.session.commit()
    client = app.test_client()
    login(client, email)
    return SimpleNamespace(client=client, enrolment=enrolment, base=f"/learn/{enrolment.id}")


def start(q, quiz_key: str):
    landing = f"{q.base}/quizzes/{quiz_key}"
    response = post_form(q.client, f"{landing}/attempts", {}, form_page=landing)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return quizzes.load_attempt(attempt_id, q.enrolment.id)


def autosave(q, attempt, data: dict, count_queries) -> list[str]:
    """Post the attempt form as static/quiz.js does; the statements the save ran."""
    path = f"{q.base}/attempts/{attempt.id}"
    token = csrf_from(q.client, path)
    with count_queries() as counter:
        response = q.client.post(f"{path}/save", data={"csrf_token": token, **data}, headers=JSON)
    assert response.status_code == 200 and response.get_json() == {"saved": True}
    return [" ".join(statement.split()) for statement in counter.statements]


def what(statement: str) -> str:
    """A statement's verb and table: "UPDATE quiz_attempt", "INSERT INTO response", ..."""
    words = statement.split()
    return " ".join(words[:3] if words[0].upper() == "INSERT" else words[:2])


def first_write(statements: list[str]) -> int:
    return next(i for i, s in enumerate(statements) if s.upper().startswith(WRITES))


def test_a_save_costs_the_same_statements_for_three_questions_or_six(
    app, db, course, count_queries
):
    small, big = (taker(app, db, course, f"{name}@example.org") for name in ("small", "big"))
    three, six = start(small, "m1-quiz"), start(big, "m2-quiz")
    assert (len(three.questions), len(six.questions)) == (3, 6)
    first = autosave(small, three, quiz_answers(three), count_queries)
    again = autosave(small, three, quiz_answers(three, right=False), count_queries)
    bigger = autosave(big, six, quiz_answers(six), count_queries)
    assert len(first) == len(again) == len(bigger)
    # Reads: the signed-in person, then their enrolment with the attempt and what saving needs.
    assert first_write(first) == 2
    # Writes: the claim of the attempt, the answers in one upsert, the activity clock and the
    # page versions (on SQLite, after the check that the reads are still current).
    assert [what(s) for s in first[first_write(first) :] if s != PROBE] == [
        "UPDATE quiz_attempt",
        "INSERT INTO response",
        "UPDATE enrolment",
        "INSERT INTO page_version",
    ]
    assert sum(s.startswith("INSERT INTO response") for s in first) == 1
    assert not any("choice_revision" in s or "module_progress" in s for s in first)


def test_a_save_reads_nothing_once_it_writes(app, db, course, count_queries):
    """On SQLite writers take turns: the save's turn holds its writes alone."""
    q = taker(app, db, course, "turn@example.org")
    attempt = start(q, "m1-quiz")
    statements = autosave(q, attempt, quiz_answers(attempt), count_queries)
    after = statements[first_write(statements) :]
    assert after and all(s.upper().startswith(WRITES) for s in after), after


def test_only_flags_that_change_are_written(app, db, course, count_queries):
    q = taker(app, db, course, "flags@example.org")
    attempt = start(q, "m1-quiz")
    answers = quiz_answers(attempt)
    flag = quizzes.flag_name(attempt.questions[1])
    plain = autosave(q, attempt, answers, count_queries)
    flagged = autosave(q, attempt, {**answers, flag: "y"}, count_queries)
    kept = autosave(q, attempt, {**answers, flag: "y"}, count_queries)
    assert len(flagged) == len(plain) + 1 == len(kept) + 1
    assert sum(s.startswith("UPDATE attempt_question") for s in flagged) == 1
    saved = quizzes.load_attempt(attempt.id, q.enrolment.id)
    assert [aq.flagged for aq in saved.questions] == [False, True, False]
    autosave(q, attempt, answers, count_queries)  # unticked: posts nothing
    saved = quizzes.load_attempt(attempt.id, q.enrolment.id)
    assert not any(aq.flagged for aq in saved.questions)


def test_an_unanswered_question_gets_no_row_and_a_cleared_one_is_kept_cleared(
    app, db, course, count_queries
):
    q = taker(app, db, course, "rows@example.org")
    attempt = start(q, "m1-quiz")
    statements = autosave(q, attempt, {}, count_queries)
    assert not any(s.startswith("INSERT INTO response") for s in statements)
    answers = quiz_answers(attempt)
    autosave(q, attempt, answers, count_queries)
    multiple = quizzes.field_name(attempt.questions[1])
    autosave(q, attempt, {k: v for k, v in answers.items() if k != multiple}, count_queries)
    rows = {
        r.attempt_question_id: r.answer
        for r in db.session.scalars(
            sa.select(Response).where(
                Response.attempt_question_id.in_([aq.id for aq in attempt.questions])
            )
        )
    }
    assert len(rows) == 3 and rows[attempt.questions[1].id] == {"choices": []}


def test_a_save_refreshes_no_stored_progress(app, db, course, count_queries):
    """Saving an answer changes no progress: the module rows are neither read nor rewritten."""
    q = taker(app, db, course, "progress@example.org")
    attempt = start(q, "m1-quiz")
    rows = sa.select(ModuleProgress.__table__).where(ModuleProgress.enrolment_id == q.enrolment.id)
    before = db.session.execute(rows).all()
    statements = autosave(q, attempt, quiz_answers(attempt), count_queries)
    assert not any("module_progress" in s for s in statements)
    assert before and db.session.execute(rows).all() == before


def test_the_reads_before_the_write_turn_write_nothing(app, db, course, count_queries):
    """A POST notes when the device was last seen; the save's reads before its write turn do
    not flush that: SQLite refuses a write outside the turn while another request writes
    ("database is locked"). It is written in the turn."""
    q = taker(app, db, course, "device@example.org")
    attempt = start(q, "m1-quiz")
    device = db.session.scalar(
        sa.select(DeviceSession).where(DeviceSession.user_id == q.enrolment.user_id)
    )
    device.last_seen_at -= devices.TOUCH_EVERY + dt.timedelta(minutes=1)
    db.session.commit()
    seen = device.last_seen_at
    statements = autosave(q, attempt, quiz_answers(attempt), count_queries)
    read_attempt = next(i for i, s in enumerate(statements) if s.startswith("SELECT quiz_attempt"))
    assert first_write(statements) > read_attempt
    assert any(s.startswith("UPDATE device_session") for s in statements)
    db.session.refresh(device)
    assert device.last_seen_at > seen


# --- the rules the lighter save keeps ------------------------------------------------------------


def test_another_learners_attempt_is_not_found_and_untouched(app, db, course):
    q, other = (taker(app, db, course, f"{name}@example.org") for name in ("mine", "theirs"))
    start(q, "m1-quiz")
    foreign = start(other, "m1-quiz")
    token = csrf_from(q.client, f"{q.base}/quizzes/m1-quiz")
    for path in (f"{q.base}/attempts/{foreign.id}", f"{other.base}/attempts/{foreign.id}"):
        response = q.client.post(
            f"{path}/save", data={"csrf_token": token, **quiz_answers(foreign)}, headers=JSON
        )
        assert response.status_code == 404
    assert not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .where(Response.attempt_question_id.in_([aq.id for aq in foreign.questions]))
    )


def test_a_save_after_the_deadline_expires_and_grades_what_was_saved_in_time(app, db, course):
    from diplolearn.models import AttemptState, QuizAttempt

    q = taker(app, db, course, "late@example.org")
    attempt = start(q, "m1-quiz")
    path = f"{q.base}/attempts/{attempt.id}"
    token = csrf_from(q.client, path)
    db.session.get(QuizAttempt, attempt.id).deadline_at = dt.datetime.now(dt.UTC) - dt.timedelta(
        seconds=1
    )
    db.session.commit()
    response = q.client.post(
        f"{path}/save", data={"csrf_token": token, **quiz_answers(attempt)}, headers=JSON
    )
    assert response.status_code == 302 and response.headers["Location"] == f"{path}/result"
    graded = quizzes.load_attempt(attempt.id, q.enrolment.id)
    assert graded.state == AttemptState.GRADED and graded.score == 0
    assert not any(aq.response for aq in graded.questions)  # the late answers do not count


def test_a_learner_no_longer_studying_saves_nothing(app, db, course):
    from diplolearn.models import EnrolmentState

    q = taker(app, db, course, "withdrawn@example.org")
    attempt = start(q, "m1-quiz")
    path = f"{q.base}/attempts/{attempt.id}"
    token = csrf_from(q.client, path)
    q.enrolment.move_to(EnrolmentState.WITHDRAWN)
    db.session.commit()
    response = q.client.post(
        f"{path}/save", data={"csrf_token": token, **quiz_answers(attempt)}, headers=JSON
    )
    assert response.status_code == 403
    saved = quizzes.load_attempt(attempt.id, q.enrolment.id)
    assert not any(aq.response for aq in saved.questions)
