"""Demo data for development: two ministries, their coordinators and staff, an instructor, two
tutors, an administrator, and learners who read in Arabic, English and French.

The running cohort has two tutor groups, each mixing staff of both ministries: the demo
accounts that can sign in, and background staff (no password) who make the instructor's grid,
the tutors' views and the coordinators' reports look like a real cohort, some ahead, some
behind, some gone quiet.

Idempotent: every record is looked up by its natural key first, so running it again changes
nothing. The README's table of demo accounts is generated from ``DEMO_ACCOUNTS``, and a test
keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn import questions as question_types
from diplolearn.courses.check import load_course
from diplolearn.courses.importer import import_course
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    EnrolmentState,
    LessonProgress,
    Ministry,
    ModuleSchedule,
    Role,
    SeatAllotment,
    Submission,
    SubmissionState,
    TutorGroup,
    utcnow,
)
from diplolearn.services import progress as progress_service
from diplolearn.services.accounts import accounts, people
from diplolearn.services.assessment import assignments as assignment_service
from diplolearn.services.assessment import quizzes
from diplolearn.services.authoring import authoring
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.cohorts import cohorts, organisations
from diplolearn.services.discussion import discussion


class DemoAccount(NamedTuple):
    role: str
    email: str
    password: str
    name_latin: str
    name_ar: str
    language: str
    ministry: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount(
        "administrator",
        "admin@diplolearn.test",
        "admin-demo-2026",
        "Nadia Haddad",
        "نادية حداد",
        "en",
    ),
    DemoAccount(
        "instructor",
        "instructor@diplolearn.test",
        "instructor-demo-2026",
        "Karim Mansour",
        "كريم منصور",
        "ar",
    ),
    DemoAccount(
        "tutor, group 1",
        "tutor@diplolearn.test",
        "tutor-demo-2026",
        "Sophie Laurent",
        "صوفي لوران",
        "fr",
    ),
    DemoAccount(
        "tutor, group 2",
        "tutor2@diplolearn.test",
        "tutor2-demo-2026",
        "Tariq Saleh",
        "طارق صالح",
        "ar",
    ),
    DemoAccount(
        "coordinator, Ministry A",
        "coordinator.a@diplolearn.test",
        "coordinator-a-demo-2026",
        "Omar Khalil",
        "عمر خليل",
        "ar",
        "MFA-A",
    ),
    DemoAccount(
        "coordinator, Ministry B",
        "coordinator.b@diplolearn.test",
        "coordinator-b-demo-2026",
        "Helen Carter",
        "هيلين كارتر",
        "en",
        "MFA-B",
    ),
    DemoAccount(
        "learner (Arabic)",
        "layla@diplolearn.test",
        "layla-demo-2026",
        "Layla Al-Amin",
        "ليلى الأمين",
        "ar",
        "MFA-A",
    ),
    DemoAccount(
        "learner (Arabic)",
        "youssef@diplolearn.test",
        "youssef-demo-2026",
        "Youssef Benali",
        "يوسف بن علي",
        "ar",
        "MFA-B",
    ),
    DemoAccount(
        "learner (English)",
        "james@diplolearn.test",
        "james-demo-2026",
        "James Okafor",
        "جيمس أوكافور",
        "en",
        "MFA-A",
    ),
    DemoAccount(
        "learner (English)",
        "amina@diplolearn.test",
        "amina-demo-2026",
        "Amina Yusuf",
        "أمينة يوسف",
        "en",
        "MFA-B",
    ),
    DemoAccount(
        "learner (French)",
        "claire@diplolearn.test",
        "claire-demo-2026",
        "Claire Dubois",
        "كلير دوبوا",
        "fr",
        "MFA-B",
    ),
]

DEMO_MINISTRIES = {
    "MFA-A": {
        "en": "Ministry of Foreign Affairs of Arcadia",
        "ar": "وزارة خارجية أركاديا",
        "fr": "Ministère des Affaires étrangères d'Arcadie",
    },
    "MFA-B": {
        "en": "Ministry of Foreign Affairs of Borealia",
        "ar": "وزارة خارجية بوريليا",
        "fr": "Ministère des Affaires étrangères de Borélie",
    },
}

DEMO_COURSE_KEY = "digital-diplomacy"
COURSES_DIR = Path(__file__).resolve().parent.parent / "courses"
DEMO_COHORT_KEY = "2026-autumn"


# How far each demo learner has got, so that a newcomer sees learners ahead and behind:
# (modules completed, lessons done in the next module, failed attempts before passing).
DEMO_PROGRESS = {
    "layla@diplolearn.test": (4, 0, 0),
    "amina@diplolearn.test": (3, 1, 1),
    "james@diplolearn.test": (2, 0, 1),
    "claire@diplolearn.test": (1, 0, 0),
    "youssef@diplolearn.test": (0, 1, 0),
}

# The tutor group of each demo learner; both groups mix the two ministries.
DEMO_GROUPS = {
    "layla@diplolearn.test": "group-1",
    "youssef@diplolearn.test": "group-1",
    "james@diplolearn.test": "group-1",
    "amina@diplolearn.test": "group-2",
    "claire@diplolearn.test": "group-2",
}


class DemoStaff(NamedTuple):
    """A member of staff in the running cohort who has no demo password."""

    email: str
    name_latin: str
    name_ar: str
    language: str
    ministry: str
    group: str
    position: str
    posting: str
    progress: tuple[int, int, int]


DEMO_STAFF = [
    DemoStaff(
        "rania.aziz@mfa-a.test",
        "Rania Aziz",
        "رانيا عزيز",
        "ar",
        "MFA-A",
        "group-1",
        "Second Secretary",
        "Geneva",
        (4, 1, 0),
    ),
    DemoStaff(
        "samir.toumi@mfa-a.test",
        "Samir Toumi",
        "سمير التومي",
        "ar",
        "MFA-A",
        "group-1",
        "Attaché",
        "Headquarters",
        (3, 0, 2),
    ),
    DemoStaff(
        "hana.idris@mfa-a.test",
        "Hana Idris",
        "هناء إدريس",
        "en",
        "MFA-A",
        "group-2",
        "First Secretary",
        "New York",
        (2, 1, 0),
    ),
    DemoStaff(
        "faris.nouri@mfa-a.test",
        "Faris Nouri",
        "فارس النوري",
        "ar",
        "MFA-A",
        "group-2",
        "Counsellor",
        "Brussels",
        (0, 0, 0),
    ),
    DemoStaff(
        "lucie.martin@mfa-b.test",
        "Lucie Martin",
        "لوسي مارتان",
        "fr",
        "MFA-B",
        "group-1",
        "Third Secretary",
        "Dakar",
        (3, 1, 0),
    ),
    DemoStaff(
        "peter.lind@mfa-b.test",
        "Peter Lind",
        "بيتر ليند",
        "en",
        "MFA-B",
        "group-1",
        "Attaché",
        "Headquarters",
        (1, 0, 1),
    ),
    DemoStaff(
        "mariam.said@mfa-b.test",
        "Mariam Said",
        "مريم سعيد",
        "ar",
        "MFA-B",
        "group-2",
        "Second Secretary",
        "Cairo",
        (4, 0, 1),
    ),
    DemoStaff(
        "tom.eriksen@mfa-b.test",
        "Tom Eriksen",
        "توم إريكسن",
        "en",
        "MFA-B",
        "group-2",
        "First Secretary",
        "Nairobi",
        (0, 1, 0),
    ),
]


# A finished run of the course, so that reports show completions over time and certificates
# exist: (email, Latin name, Arabic name, language, ministry, days after the start they began,
# weeks they took over the final assessment after it opened).
DEMO_SPRING_COHORT_KEY = "2026-spring"
DEMO_ALUMNI = [
    ("nour.halabi@mfa-a.test", "Nour Halabi", "نور الحلبي", "ar", "MFA-A", 0, 0),
    ("adam.kerr@mfa-a.test", "Adam Kerr", "آدم كير", "en", "MFA-A", 2, 1),
    ("salma.rahal@mfa-a.test", "Salma Rahal", "سلمى رحال", "ar", "MFA-A", 5, 3),
    ("ines.garnier@mfa-b.test", "Inès Garnier", "إيناس غارنييه", "fr", "MFA-B", 1, 0),
    ("karl.berg@mfa-b.test", "Karl Berg", "كارل بيرغ", "en", "MFA-B", 3, 5),
]


def seed_demo(today: dt.date | None = None) -> int:
    """Create whatever of the demo data is missing; return how many records were created."""
    created = 0
    ministries: dict[str, Ministry] = {}
    for code, names in DEMO_MINISTRIES.items():
        ministry = db.session.scalar(sa.select(Ministry).where(Ministry.code == code))
        if ministry is None:
            ministry = Ministry(code=code, name=names)
            db.session.add(ministry)
            db.session.flush()
            created += 1
        ministries[code] = ministry

    course = db.session.scalar(sa.select(Course).where(Course.key == DEMO_COURSE_KEY))
    if course is None:
        # `make run` imports courses/ first; this covers a bare `flask demo seed`.
        spec, files = load_course(COURSES_DIR / DEMO_COURSE_KEY)
        course = import_course(spec, files).course
        created += 1
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_COHORT_KEY)
    )
    if cohort is None:
        # A running cohort in its fifth week, whatever day the demo is seeded.
        today = today or utcnow().date()
        monday = today - dt.timedelta(days=today.weekday() + 28)
        start = dt.datetime.combine(monday, dt.time(8, 0), tzinfo=dt.UTC)
        cohort = organisations.create_cohort(
            course,
            DEMO_COHORT_KEY,
            {"ar": "دفعة خريف 2026", "en": "Autumn 2026", "fr": "Automne 2026"},
            timezone="Europe/Zurich",
            starts_at=start,
            ends_at=start + dt.timedelta(weeks=10),
            capacity=60,
        )
        schedule_weekly(cohort, start)
        created += 1
    groups: dict[str, TutorGroup] = {}
    for key, name in (("group-1", "Group 1"), ("group-2", "Group 2")):
        group = db.session.scalar(
            sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id, TutorGroup.key == key)
        )
        if group is None:
            group = organisations.add_tutor_group(cohort, key, name)
            created += 1
        groups[key] = group

    for row in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(row.email)
        if user is None:
            user = accounts.create_user(
                row.email,
                name_latin=row.name_latin,
                name_ar=row.name_ar,
                interface_language=row.language,
                reading_language=_reading(row.language),
                password=row.password,
            )
            created += 1
        ministry = ministries.get(row.ministry) if row.ministry else None
        if ministry is not None:
            people.join_ministry(user, ministry)
        if row.role == "administrator":
            accounts.grant_role(user, Role.ADMINISTRATOR)
        elif row.role == "instructor":
            accounts.grant_role(user, Role.LEAD_INSTRUCTOR, cohort.id)
            if not authoring.is_owner(user, course):  # owns the course: adds co-authors
                authoring.add_owner(course, user, by=None)
                created += 1
        elif row.role.startswith("tutor"):
            accounts.grant_role(user, Role.TUTOR, groups[f"group-{row.role[-1]}"].id)
        elif row.role.startswith("coordinator"):
            accounts.grant_role(user, Role.COORDINATOR, ministry.id)
        elif row.role.startswith("learner"):
            created += _take_part(
                user, cohort, ministry, groups[DEMO_GROUPS[row.email]], DEMO_PROGRESS[row.email]
            )
    if (
        db.session.scalar(
            sa.select(SeatAllotment.id).where(SeatAllotment.cohort_id == cohort.id).limit(1)
        )
        is None
    ):
        # Each ministry bought 24 of the 60 places; the rest stay open to anyone.
        instructor = accounts.find_user_by_email("instructor@diplolearn.test")
        for ministry in ministries.values():
            cohorts.set_seats(cohort, ministry, 24, by=instructor)
            created += 1
    for staff in DEMO_STAFF:
        user = accounts.find_user_by_email(staff.email)
        if user is None:
            user = accounts.create_user(
                staff.email,
                name_latin=staff.name_latin,
                name_ar=staff.name_ar,
                interface_language=staff.language,
                reading_language=_reading(staff.language),
                password=None,
            )
            created += 1
        people.join_ministry(
            user, ministries[staff.ministry], position=staff.position, posting=staff.posting
        )
        created += _take_part(
            user, cohort, ministries[staff.ministry], groups[staff.group], staff.progress
        )
    tutors = {
        group.id: accounts.find_user_by_email(row.email)
        for row in DEMO_ACCOUNTS
        if row.role.startswith("tutor")
        for group in [groups[f"group-{row.role[-1]}"]]
    }
    created += discussion.seed_demo_annotations(cohort)
    created += _seed_spring_cohort(course, ministries, today)
    created += grade_submissions(tutors, utcnow())
    db.session.flush()
    return created


def _seed_spring_cohort(
    course: Course, ministries: dict[str, Ministry], today: dt.date | None
) -> int:
    """The spring run: ten weeks that ended months ago, every learner through to the final
    assessment and a certificate, each at their own pace."""
    created = 0
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_SPRING_COHORT_KEY)
    )
    if cohort is None:
        today = today or utcnow().date()
        monday = today - dt.timedelta(days=today.weekday(), weeks=30)
        start = dt.datetime.combine(monday, dt.time(8, 0), tzinfo=dt.UTC)
        cohort = organisations.create_cohort(
            course,
            DEMO_SPRING_COHORT_KEY,
            {"ar": "دفعة ربيع 2026", "en": "Spring 2026", "fr": "Printemps 2026"},
            timezone="Europe/Zurich",
            starts_at=start,
            ends_at=start + dt.timedelta(weeks=12),
            capacity=30,
        )
        schedule_weekly(cohort, start)
        created += 1
    group = db.session.scalar(
        sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id, TutorGroup.key == "group-1")
    )
    if group is None:
        group = organisations.add_tutor_group(cohort, "group-1", "Group 1")
        created += 1
    tutor = accounts.find_user_by_email("tutor@diplolearn.test")
    instructor = accounts.find_user_by_email("instructor@diplolearn.test")
    accounts.grant_role(tutor, Role.TUTOR, group.id)
    accounts.grant_role(instructor, Role.LEAD_INSTRUCTOR, cohort.id)
    modules = load_outlines([cohort.course_version_id])[cohort.course_version_id].modules
    for email, latin, arabic, language, code, delay, weeks_over_final in DEMO_ALUMNI:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(
                email,
                name_latin=latin,
                name_ar=arabic,
                interface_language=language,
                reading_language=_reading(language),
                password=None,
            )
            people.join_ministry(user, ministries[code], position="Attaché", posting="Headquarters")
            created += 1
        enrolment = organisations.enrol(user, cohort, sponsor=ministries[code], tutor_group=group)
        if enrolment.state == EnrolmentState.INVITED:
            enrolment.move_to(
                EnrolmentState.ACTIVE, when=cohort.starts_at + dt.timedelta(days=delay)
            )
            final_opens = cohort.starts_at + dt.timedelta(
                weeks=(modules[-1].week or len(modules)) - 1
            )
            created += advance(
                enrolment,
                len(modules),
                0,
                delay % 2,
                grader=tutor,
                start=cohort.starts_at + dt.timedelta(days=delay),
                last_module_at=final_opens
                + dt.timedelta(weeks=weeks_over_final, days=delay, hours=2),
            )
    return created


def _reading(language: str) -> str:
    """The course is only partly in French: French speakers read it in English."""
    return "en" if language == "fr" else language


def _take_part(
    user, cohort: Cohort, ministry: Ministry, group: TutorGroup, progress: tuple[int, int, int]
) -> int:
    enrolment = organisations.enrol(user, cohort, sponsor=ministry, tutor_group=group)
    if enrolment.state == EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE, when=cohort.starts_at)
    return advance(enrolment, *progress)


def schedule_weekly(cohort: Cohort, start: dt.datetime) -> None:
    """Release module N in week N (its `week` in the course files), due a week later. Modules
    whose week has passed count as released already (no flood of mail on first run)."""
    outline = load_outlines([cohort.course_version_id])[cohort.course_version_id]
    now = utcnow()
    for node in outline.modules:
        opens = start + dt.timedelta(weeks=(node.week or node.number) - 1)
        db.session.add(
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=node.module_id,
                opens_at=opens,
                due_at=opens + dt.timedelta(days=7),
                released_at=opens if opens <= now else None,
            )
        )
    db.session.flush()


def advance(
    enrolment,
    modules_done: int,
    lessons_more: int,
    failures: int,
    *,
    grader=None,
    start: dt.datetime | None = None,
    last_module_at: dt.datetime | None = None,
) -> int:
    """Walk a learner through the course as a real one would: lessons marked done a few minutes
    apart, quizzes taken (failing first when asked). Only for a learner with no record yet."""
    if (
        db.session.scalar(
            sa.select(LessonProgress.id).where(LessonProgress.enrolment_id == enrolment.id).limit(1)
        )
        is not None
    ):
        return 0
    when = (start or enrolment.cohort.starts_at) + dt.timedelta(hours=3)
    steps = 0
    for index in range(modules_done + (1 if lessons_more else 0)):
        if last_module_at is not None and index == modules_done - 1:
            when = max(when, last_module_at)  # took their time over the last module
        progress = progress_service.course_progress(enrolment, when)
        module = progress.modules[index]
        if not module.is_open and module.opens_at is not None and module.opens_at < utcnow():
            when = module.opens_at + dt.timedelta(hours=2)  # came back when it opened
            progress = progress_service.course_progress(enrolment, when)
            module = progress.modules[index]
        if not module.is_open:
            break
        lessons = module.lessons if index < modules_done else module.lessons[:lessons_more]
        for lesson in lessons:
            when += dt.timedelta(minutes=4)
            progress = progress_service.mark_lesson_done(enrolment, progress, lesson, when)
            progress = progress_service.course_progress(enrolment, when)
            steps += 1
        if index < modules_done:
            for quiz in progress.modules[index].quizzes:
                for right in [False] * failures + [True]:
                    when += dt.timedelta(minutes=6)
                    attempt = quizzes.start_attempt(
                        enrolment, quiz, enrolment.user.reading_language or "en", when
                    )
                    quizzes.submit(attempt, _answers(attempt, right), when)
                    if grader is not None and quizzes.is_awaiting_grading(attempt):
                        _grade_essays(attempt, grader, when + dt.timedelta(days=1))
                    steps += 1
            for task in (
                progress_service.course_progress(enrolment, when).modules[index].assignments
            ):
                when += dt.timedelta(minutes=40)
                progress = progress_service.course_progress(enrolment, when)
                submission = assignment_service.save(
                    enrolment, progress, task, body=_essay(task, enrolment), submit=True, now=when
                )
                if grader is not None:
                    _grade_submission(submission, grader, when + dt.timedelta(days=1))
                steps += 1
        when += dt.timedelta(days=6)
    db.session.flush()
    # As the quiz page does after a submission: a learner who met every rule completes.
    progress_service.update_completion([enrolment.id], when)
    return steps


# A demo essay: a learner's short memo, repeated to the assignment's minimum length.
_ESSAY = {
    "ar": "تبيّن تجارب الوزارات المدروسة أن الدبلوماسية الرقمية لا تغني عن العمل الدبلوماسي "
    "التقليدي بل تكمله، وأن نجاحها رهن بتدريب الدبلوماسيين وبوضوح الرسالة الموجهة "
    "إلى الجمهور الأجنبي وبقدرة السفارة على الإصغاء إلى ما يقال عنها.",
    "en": "The ministries we studied show that digital diplomacy complements rather than "
    "replaces traditional diplomatic work, and that it succeeds when diplomats are "
    "trained, when the message to foreign publics is clear, and when an embassy listens "
    "to what is said about it as carefully as it speaks.",
}


def _essay(task, enrolment) -> str:
    text = _ESSAY.get(enrolment.user.reading_language or "en", _ESSAY["en"])
    words = len(text.split())
    return "\n\n".join([text] * max(1, -(-(task.node.min_words or words) // words)))


def _grade_essays(attempt, grader, when: dt.datetime) -> None:
    """The tutor grades the essays of a submitted attempt: full marks, one remark."""
    for aq in attempt.questions:
        if question_types.get(aq.question_revision.kind).manual and aq.response is not None:
            quizzes.grade_essay(
                aq.response,
                aq.question_revision.points,
                grader,
                "A sound answer, well grounded in the course.",
                now=when,
            )


def _grade_submission(submission, grader, when: dt.datetime) -> None:
    """A good piece of work: the top level on every criterion but the last."""
    revision = assignment_service.rubric(submission.assignment_revision_id)
    levels = {c.id: max(c.levels, key=lambda level: level.points).id for c in revision.criteria}
    if revision.criteria:
        last = revision.criteria[-1]
        levels[last.id] = sorted(last.levels, key=lambda level: level.points)[-2:][0].id
    assignment_service.grade(
        submission,
        grader,
        levels,
        "Clear and well argued; cite the paper's figures next time.",
        allow_resubmission=False,
        now=when,
    )


def grade_submissions(grader_for_group: dict[int, object], now: dt.datetime) -> int:
    """Tutors grade what was handed in for modules due more than a week ago, leaving the
    latest weeks' submissions in their queues."""
    graded = 0
    for submission in db.session.scalars(
        sa.select(Submission)
        .where(Submission.state == SubmissionState.SUBMITTED)
        .order_by(Submission.id)
    ):
        enrolment = submission.enrolment
        schedule = db.session.scalar(
            sa.select(ModuleSchedule).where(
                ModuleSchedule.cohort_id == enrolment.cohort_id,
                ModuleSchedule.module_id == submission.assignment.module_id,
            )
        )
        grader = grader_for_group.get(enrolment.tutor_group_id)
        if (
            grader is None
            or schedule is None
            or schedule.due_at is None
            or schedule.due_at > now - dt.timedelta(weeks=1)
        ):
            continue
        _grade_submission(
            submission, grader, min(now, submission.submitted_at + dt.timedelta(days=2))
        )
        graded += 1
    return graded


_CHOICE_KINDS = {"single_choice", "multiple_select", "true_false"}


def _answers(attempt, right: bool) -> MultiDict:
    """The attempt form as a learner would post it: every answer right (each question type's
    model answer), or wrong (a wrong choice where there are choices, otherwise left blank)."""
    data = MultiDict()
    for aq in attempt.questions:
        question = aq.question_revision
        tokens = quizzes.tokens_for(attempt.id, aq)
        kind = question_types.get(question.kind)
        if kind.manual:
            values = [_ESSAY.get(attempt.language, _ESSAY["en"])]
        elif right:
            values = kind.model_answer(question, tokens)
        elif question.kind in _CHOICE_KINDS:
            values = [tokens[c.key] for c in question.choices if not c.is_correct][:1]
        else:
            values = []
        if values:
            data.setlist(quizzes.field_name(aq), values)
    return data
