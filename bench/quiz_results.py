"""Server time of the instructors' quiz results pages on 1,000 graded attempts.

Builds a course with one quiz of three questions, 800 learners and 1,000 graded attempts (the
first attempt of everyone, a second attempt for 200), with answers drawn so that the
questions differ in facility, bulk-inserted; then requests each results page (summary with
distribution and per-question indices, the attempts list, a question's responses, the essay
queue, the regrade page) as the course's instructor, in process, and prints the median and
95th percentile of the server time and the number of SQL statements per page.

    .venv/bin/python bench/quiz_results.py [--attempts 1000] [--repeat 20]
    .venv/bin/python bench/quiz_results.py --postgres postgresql://postgres@127.0.0.1/test

With ``--postgres``, the data goes into a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from diplolearn import create_app
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    Enrolment,
    QuestionRevision,
    QuizAttempt,
    Response,
    Role,
    User,
    utcnow,
)


def build(attempts: int) -> tuple[int, int]:
    """The course id and a question revision id, after inserting the data."""
    from tests.factories import make_published_course, make_with_role

    published = make_published_course(modules=1, lessons_per_module=1)
    make_with_role(Role.INSTRUCTOR, published.course.id, email="bench.instructor@example.org")
    revision = published.quiz_revision("m1-quiz")
    questions = (
        db.session.scalars(
            sa.select(QuestionRevision)
            .join(QuestionRevision.choices)
            .where(QuestionRevision.course_version_id == published.version.id)
            .order_by(QuestionRevision.id)
        )
        .unique()
        .all()
    )
    questions = [
        q for q in questions if q.id in {link.question_revision_id for link in revision.questions}
    ]
    learners = attempts * 4 // 5
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"bench.learner{i}@example.org",
                "name_latin": f"Learner {i:04d}",
                "sort_key": f"learner {i:04d}",
                "timezone": "UTC",
            }
            for i in range(learners)
        ],
    )
    user_ids = db.session.scalars(
        sa.select(User.id).where(User.email.like("bench.learner%")).order_by(User.id)
    ).all()
    db.session.execute(
        sa.insert(Enrolment),
        [
            {
                "user_id": uid,
                "cohort_id": published.cohort.id,
                "state": "active",
                "state_changed_at": now,
                "activated_at": now,
            }
            for uid in user_ids
        ],
    )
    enrolment_ids = db.session.scalars(
        sa.select(Enrolment.id)
        .where(Enrolment.cohort_id == published.cohort.id)
        .order_by(Enrolment.id)
    ).all()
    rng = random.Random(5)
    plan = [(e, 1) for e in enrolment_ids] + [(e, 2) for e in enrolment_ids[: attempts - learners]]
    db.session.execute(
        sa.insert(QuizAttempt),
        [
            {
                "enrolment_id": e,
                "quiz_id": revision.quiz_id,
                "quiz_revision_id": revision.id,
                "number": n,
                "state": "graded",
                "language": "en",
                "pass_mark": Decimal(60),
                "started_at": now,
                "submitted_at": now,
                "graded_at": now,
                "max_score": Decimal(len(questions)),
            }
            for e, n in plan
        ],
    )
    attempt_ids = db.session.scalars(
        sa.select(QuizAttempt.id)
        .where(QuizAttempt.quiz_id == revision.quiz_id)
        .order_by(QuizAttempt.id)
    ).all()
    db.session.execute(
        sa.insert(AttemptQuestion),
        [
            {
                "attempt_id": a,
                "question_revision_id": q.id,
                "position": p,
                "choice_order": [c.key for c in q.choices],
            }
            for a in attempt_ids
            for p, q in enumerate(questions, 1)
        ],
    )
    aq_rows = db.session.execute(
        sa.select(
            AttemptQuestion.id, AttemptQuestion.attempt_id, AttemptQuestion.question_revision_id
        ).where(AttemptQuestion.attempt_id.in_(attempt_ids))
    ).all()
    by_id = {q.id: q for q in questions}
    ability = {a: rng.random() for a in attempt_ids}
    responses, totals = [], {a: Decimal(0) for a in attempt_ids}
    for aq_id, attempt_id, qid in aq_rows:
        question = by_id[qid]
        right = rng.random() < ability[attempt_id] * (1.2 - 0.2 * questions.index(question))
        keys = [c.key for c in question.choices if c.is_correct == right]
        keys = keys if question.kind == "multiple_select" else keys[:1]
        score = Decimal(1) if right else Decimal(0)
        totals[attempt_id] += score
        responses.append(
            {
                "attempt_question_id": aq_id,
                "answer": {"choices": keys},
                "saved_at": now,
                "score": score,
            }
        )
    db.session.execute(sa.insert(Response), responses)
    for attempt_id, total in totals.items():
        db.session.execute(
            sa.update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id)
            .values(score=total, passed=total * 100 / len(questions) >= 60)
        )
    db.session.commit()
    return published.course.id, questions[0].id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            run(url, args)
    else:
        run(
            f"sqlite:///{Path(tempfile.mkdtemp(prefix='diplolearn-bench-results-')) / 'b.db'}", args
        )


@contextmanager
def postgres_schema(base_url: str):
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", base_url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run(url: str, args) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret",
            "MAIL_BACKEND": "memory",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        course_id, question_id = build(args.attempts)
        built = time.perf_counter() - started
        attempts = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))
    client = app.test_client()
    client.post(
        "/login",
        data={"email": "bench.instructor@example.org", "password": "correct horse battery"},
    )
    base = f"/teach/courses/{course_id}"
    pages = {
        "summary": f"{base}/quizzes/m1-quiz",
        "attempts": f"{base}/quizzes/m1-quiz/attempts",
        "question": f"{base}/quizzes/m1-quiz/questions/{question_id}",
        "regrade": f"{base}/quizzes/m1-quiz/regrade",
        "grading queue": f"{base}/grading",
        "quizzes": f"{base}/quizzes",
    }
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(
        f"{attempts} graded attempts on {engine.dialect.name} (built in {built:.1f} s); "
        f"{args.repeat} requests per page, in process"
    )
    print(f"{'page':16} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, path in pages.items():
        client.get(path)  # warm
        times, status = [], None
        for _ in range(args.repeat):
            statements.clear()
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            status = response.status_code
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{name:16} {status:>6} {statistics.median(times):>8.1f} {p95:>8.1f} "
            f"{len(statements):>8}"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
