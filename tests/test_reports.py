"""A ministry's reports: the right numbers on a small known dataset, only the enrolments it
sponsored (a person who moved on stays; nobody else ever appears), no answer text, a chart
that reads without JavaScript in both directions, and a CSV export that streams, opens
right in a spreadsheet and is recorded in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from diplolearn.models import (
    AuditEvent,
    Enrolment,
    EnrolmentState,
    LessonProgress,
    Role,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.accounts import people
from diplolearn.services.assessment import quizzes
from diplolearn.services.cohorts import organisations
from diplolearn.services.ministries import report_csv, report_summary, reports
from diplolearn.services.ministries.report_chart import completion_chart
from diplolearn.templating import ENROLMENT_STATE_LABELS
from tests.conftest import login
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
    quiz_answers,
)

SECRET = "SECRET-ANSWER-TEXT-7431"


def take_quiz(enrolment, key: str, right: int = 3):
    """Answer the module's quiz with ``right`` of its three questions right."""
    quiz = progress.course_progress(enrolment).quiz(key)
    attempt = quizzes.start_attempt(enrolment, quiz, "en")
    answers = quiz_answers(attempt, right=True)
    wrong = quiz_answers(attempt, right=False)
    for aq in attempt.questions[right:]:
        name = quizzes.field_name(aq)
        answers[name] = wrong[name]
    quizzes.submit(attempt, MultiDict(answers))
    return attempt


def read(enrolment, key: str, minutes: int = 0):
    standing = progress.course_progress(enrolment)
    progress.mark_lesson_done(enrolment, standing, standing.lesson(key))
    if minutes:
        lesson_id = standing.lesson(key).node.lesson_id
        row = progress_row(enrolment.id, lesson_id)
        row.time_spent_seconds = minutes * 60


def progress_row(enrolment_id, lesson_id):
    from diplolearn.extensions import db

    return db.session.scalar(
        sa.select(LessonProgress).where(
            LessonProgress.enrolment_id == enrolment_id, LessonProgress.lesson_id == lesson_id
        )
    )


@pytest.fixture()
def world(db):
    """Ministry M sponsors five enrolments in the course's default cohort:
    Amal (read m1 for 10 min, passed quiz 1: 50 %, score 100), Basim (nothing), Carla (did it
    all, quizzes 3/3 and 2/3: completed, score 83.33), Dana (withdrawn) and Farid (moved to
    ministry N afterwards). N sponsors Emil, who must never appear in M's reports."""
    m, n = make_ministry("MFA-M"), make_ministry("MFA-N")
    course = make_published_course(modules=2, lessons_per_module=1)
    cohort = course.cohort
    _, amal = make_learner(cohort, ministry=m, name_latin="Amal Attar", name_ar="أمل العطار")
    read(amal, "m1-l1", minutes=10)
    attempt = take_quiz(amal, "m1-quiz")
    attempt.questions[0].response.answer = {"text": SECRET}  # as a written answer would be
    _, basim = make_learner(cohort, ministry=m, name_latin="Basim Bakr")
    _, carla = make_learner(cohort, ministry=m, name_latin="Carla Costa")
    read(carla, "m1-l1", minutes=20)
    take_quiz(carla, "m1-quiz")
    read(carla, "m2-l1", minutes=5)
    take_quiz(carla, "m2-quiz", right=2)
    progress.complete_if_done(carla, progress.course_progress(carla))
    _, dana = make_learner(cohort, ministry=m, name_latin="Dana Dabbagh")
    dana.move_to(EnrolmentState.WITHDRAWN)
    farid_user, farid = make_learner(cohort, ministry=m, name_latin="Farid Fares")
    people.join_ministry(farid_user, n)  # moved on: M's enrolment stays M's
    _, emil = make_learner(cohort, ministry=n, name_latin="Emil Ezz")
    coordinator = make_with_role(Role.COORDINATOR, m.id, email="coord.m@example.org")
    other_coordinator = make_with_role(Role.COORDINATOR, n.id, email="coord.n@example.org")
    db.session.commit()
    return {
        "m": m,
        "n": n,
        "course": course,
        "cohort": cohort,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "amal": amal,
        "basim": basim,
        "carla": carla,
        "dana": dana,
        "farid": farid,
        "emil": emil,
    }


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- the numbers ------------------------------------------------------------------------------


def test_the_staff_table_has_each_sponsored_enrolments_numbers(db, world):
    from diplolearn.models import StaffMembership

    db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == world["amal"].user_id)
    ).staff_id = "M-001"
    db.session.flush()
    page = reports.staff_page(world["coordinator"], world["m"].id, reports.Filters(), 1)
    rows = {r.name_latin: r for r in page.items}
    assert page.total == 5
    assert sorted(rows) == [
        "Amal Attar",
        "Basim Bakr",
        "Carla Costa",
        "Dana Dabbagh",
        "Farid Fares",
    ]
    amal, carla = rows["Amal Attar"], rows["Carla Costa"]
    assert (amal.state, amal.percent, amal.score, amal.minutes) == (
        "active",
        50,
        Decimal("100.00"),
        10,
    )
    assert amal.last_activity_at is not None and amal.name_ar == "أمل العطار"
    assert amal.staff_id == "M-001" and rows["Basim Bakr"].staff_id is None
    assert (carla.state, carla.percent, carla.score, carla.minutes) == (
        "completed",
        100,
        Decimal("83.33"),
        25,
    )
    assert carla.completed_at is not None
    basim = rows["Basim Bakr"]
    assert (basim.percent, basim.score, basim.minutes, basim.last_activity_at) == (0, None, 0, None)
    assert rows["Dana Dabbagh"].state == "withdrawn"


def test_the_cohort_summary_counts_states_scores_and_modules(db, world):
    summary = report_summary.cohort_summary(world["coordinator"], world["m"].id, world["cohort"])
    assert (summary.enrolled, summary.active, summary.completed, summary.withdrawn) == (5, 3, 1, 1)
    assert summary.completion_rate == Decimal("0.2")
    assert summary.scored == 2 and summary.average_score == Decimal("91.67")  # (100+83.33)/2
    assert summary.seconds == 35 * 60
    assert [(m.node.key, m.complete) for m in summary.modules] == [("m1", 2), ("m2", 1)]


def test_the_cohort_page_shows_the_summary(app, db, world):
    client = signed_in(app, "coord.m@example.org")
    page = client.get(f"/ministry/{world['m'].id}/reports/cohorts/{world['cohort'].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<dt>Enrolled</dt><dd>5</dd>" in text and "<dt>Withdrawn</dt><dd>1</dd>" in text
    assert "20%" in text and "92%" in text  # completion rate; average score 91.67 %
    assert SECRET not in text


def test_completions_are_counted_per_week_in_the_viewers_time_zone(db, world):
    tokyo = ZoneInfo("Asia/Tokyo")
    carla = world["carla"]
    # Sunday 2026-03-08 20:00 UTC is Monday 05:00 in Tokyo: the next week there.
    carla.completed_at = dt.datetime(2026, 3, 8, 20, tzinfo=dt.UTC)
    for enrolment in ("amal", "basim", "carla", "dana", "farid"):
        # The chart starts the week the first learner started, not when records were made.
        world[enrolment].created_at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
        world[enrolment].activated_at = dt.datetime(2026, 2, 24, 9, tzinfo=dt.UTC)
    db.session.flush()
    now = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    series = report_summary.completions_by_week(world["coordinator"], world["m"].id, tokyo, now=now)
    assert [(w.starts_on.isoformat(), w.new, w.total) for w in series.weeks] == [
        ("2026-02-23", 0, 0),
        ("2026-03-02", 0, 0),
        ("2026-03-09", 1, 1),
        ("2026-03-16", 0, 1),
    ]
    utc = report_summary.completions_by_week(
        world["coordinator"], world["m"].id, ZoneInfo("UTC"), now=now
    )
    assert [w.new for w in utc.weeks] == [0, 1, 0, 0]
    assert series.enrolled == 5


# --- whose data ---------------------------------------------------------------------------------


def test_a_person_who_moved_on_stays_in_the_sponsors_report_only(app, db, world):
    mine = signed_in(app, "coord.m@example.org").get(f"/ministry/{world['m'].id}/reports")
    assert "Farid Fares" in mine.get_data(as_text=True)
    theirs = signed_in(app, "coord.n@example.org")
    page = theirs.get(f"/ministry/{world['n'].id}/reports").get_data(as_text=True)
    assert "Emil Ezz" in page and "Farid" not in page and "Amal" not in page
    rows = csv_rows(theirs.get(f"/ministry/{world['n'].id}/reports/staff.csv"))
    assert [r[0] for r in rows[1:]] == ["Emil Ezz"]


def test_another_ministrys_coordinator_gets_404_everywhere(app, db, world):
    client = signed_in(app, "coord.n@example.org")
    m, cohort = world["m"].id, world["cohort"].id
    for path in (
        f"/ministry/{m}/reports",
        f"/ministry/{m}/reports/cohorts/{cohort}",
        f"/ministry/{m}/reports/staff.csv",
        "/ministry/987654/reports",
    ):
        assert client.get(path).status_code == 404, path


def test_a_cohort_without_the_ministrys_enrolments_is_a_404(app, db, world):
    theirs = organisations.create_cohort(
        world["course"].course, "run-n", {"en": "Run N"}, timezone="UTC"
    )
    make_learner(theirs, ministry=world["n"])
    db.session.commit()
    client = signed_in(app, "coord.m@example.org")
    assert client.get(f"/ministry/{world['m'].id}/reports/cohorts/{theirs.id}").status_code == 404


def test_filters_narrow_to_a_cohort_and_keep_to_the_ministry(app, db, world):
    second = organisations.create_cohort(
        world["course"].course, "run-2", {"en": "Run 2"}, timezone="UTC"
    )
    make_learner(second, ministry=world["m"], name_latin="Ghada Ghali")
    make_learner(second, ministry=world["n"], name_latin="Hadi Haddad")
    db.session.commit()
    client = signed_in(app, "coord.m@example.org")
    page = client.get(f"/ministry/{world['m'].id}/reports?cohort={second.id}")
    text = page.get_data(as_text=True)
    assert "Ghada Ghali" in text and "Amal" not in text and "Hadi" not in text
    assert f"staff.csv?cohort={second.id}" in text
    bogus = client.get(f"/ministry/{world['m'].id}/reports?cohort=987654")
    assert bogus.status_code == 200 and "Not a valid choice" in bogus.get_data(as_text=True)


def test_coordinators_never_see_the_text_of_answers(app, db, world):
    client = signed_in(app, "coord.m@example.org")
    m = world["m"].id
    for path in (
        f"/ministry/{m}/reports",
        f"/ministry/{m}/reports/cohorts/{world['cohort'].id}",
        f"/ministry/{m}/reports/staff.csv",
    ):
        assert SECRET not in client.get(path).get_data().decode("utf-8"), path


def test_other_roles_are_refused(app, db, world):
    learner = world["amal"].user
    client = signed_in(app, learner.email)
    assert client.get(f"/ministry/{world['m'].id}/reports").status_code == 403
    assert app.test_client().get(f"/ministry/{world['m'].id}/reports").status_code == 302


# --- the chart --------------------------------------------------------------------------------


def test_the_chart_is_an_accessible_svg_without_inline_styles(app, db, world):
    world["amal"].activated_at = utcnow() - dt.timedelta(weeks=3)
    db.session.commit()
    client = signed_in(app, "coord.m@example.org")
    text = client.get(f"/ministry/{world['m'].id}/reports").get_data(as_text=True)
    start = text.rindex("<svg", 0, text.index('class="chart-svg"'))  # not the page's icons
    svg = text[start : text.index("</svg>", start)]
    assert 'role="img"' in svg and 'aria-labelledby="staff-chart-title staff-chart-desc"' in svg
    assert '<title id="staff-chart-title">' in svg
    assert "1 of 5 enrolled have completed" in svg
    assert "style=" not in text and "<script" not in text
    assert "Completed so far" in text  # the figures as a table beside it
    bars = [float(x) for x in re.findall(r'class="chart-bar" x="([\d.]+)"', svg)]
    assert len(bars) == 4 and bars == sorted(bars)  # time runs left to right
    arabic = client.get(f"/ministry/{world['m'].id}/reports?lang=ar").get_data(as_text=True)
    start = arabic.rindex("<svg", 0, arabic.index('class="chart-svg"'))
    svg = arabic[start : arabic.index("</svg>", start)]
    assert 'direction="rtl"' in svg
    bars = [float(x) for x in re.findall(r'class="chart-bar" x="([\d.]+)"', svg)]
    assert bars == sorted(bars, reverse=True)  # and right to left in Arabic


def test_the_chart_geometry_scales_to_the_enrolled(db):
    weeks = [
        report_summary.WeekPoint(dt.date(2026, 1, 5) + dt.timedelta(weeks=i), 1, i + 1)
        for i in range(3)
    ]
    chart = completion_chart(report_summary.CompletionSeries(weeks, 4))
    heights = [b.height for b in chart.bars]
    assert heights[0] * 3 == pytest.approx(heights[2])
    assert chart.target_y < chart.bars[2].y  # the enrolled line is above the tallest column


# --- the CSV export ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Amal", "Amal"),
        ("أمل", "أمل"),
        ("", ""),
        (None, ""),
        ("a=b", "a=b"),
    ],
)
def test_cells_that_look_like_formulas_are_kept_as_text(value, expected):
    assert report_csv.safe_cell(value) == expected


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York", "Asia/Tokyo"]
)
def test_the_exports_days_and_times_are_the_viewers_local_ones(zone):
    """Around the day's end and the clock changes of zones with odd offsets (+05:45, a
    half-hour summer time), each cell is the local date, or the local time to the minute."""
    tz = ZoneInfo(zone)
    cells = report_csv._Cells("en", tz, str)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(15_000):
        instant = start + dt.timedelta(minutes=37 * n, seconds=n % 60)
        row = reports.ReportRow(
            *(1, 2, "Amal", "أمل", "amal@example.org", False, "S1", "c", {}, 3, 4, "k", {}),
            *("completed", instant, instant - dt.timedelta(days=1), instant, 60),
        )
        local, before = instant.astimezone(tz), (instant - dt.timedelta(days=1)).astimezone(tz)
        written = cells(row)
        assert written[7:9] == [local.date().isoformat(), before.date().isoformat()]
        assert written[12] == local.replace(tzinfo=None).isoformat(" ", "minutes")
    row.completed_at = row.last_activity_at = None
    assert cells(row)[8] == cells(row)[12] == ""


def test_instants_read_as_utc_text_are_those_the_models_read():
    """The export reads instants as UTC text (SQLite's stored text, PostgreSQL's cast):
    with or without microseconds, they are the aware UTC datetimes UTCDateTime gives."""
    parse = reports._parse_utc
    assert parse("2026-03-08 20:05:09.000120") == dt.datetime(2026, 3, 8, 20, 5, 9, 120, dt.UTC)
    assert parse("2026-03-08 20:05:09") == dt.datetime(2026, 3, 8, 20, 5, 9, tzinfo=dt.UTC)
    assert parse(None) is None
    aware = dt.datetime(2026, 3, 8, 21, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert parse(aware) == aware and parse(aware.replace(tzinfo=None)).tzinfo == dt.UTC


def test_the_export_streams_a_bom_csv_of_the_ministrys_rows_and_is_audited(app, db, world):
    amal = world["amal"].user
    amal.name_latin = '=HYPERLINK("http://evil")'
    db.session.commit()
    client = signed_in(app, "coord.m@example.org")
    response = client.get(f"/ministry/{world['m'].id}/reports/staff.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="staff-report-mfa-m.csv"'
    )
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0][:3] == ["Name (Latin script)", "Name (Arabic script)", "Email"]
    by_name = {r[0]: r for r in rows[1:]}
    assert len(by_name) == 5 and "Emil Ezz" not in by_name
    assert '\'=HYPERLINK("http://evil")' in by_name
    amal_row = by_name['\'=HYPERLINK("http://evil")']
    assert amal_row[1] == "أمل العطار"
    assert amal_row[9:12] == ["50", "100.00", "10"]
    assert by_name["Carla Costa"][6] == "Completed"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "report.export")
    ).one()
    assert event.actor_id == world["coordinator"].id and event.ministry_id == world["m"].id
    assert "Amal" not in str(event.details) and event.details["format"] == "csv"


def test_the_export_reads_and_writes_a_chunk_at_a_time(db, world, monkeypatch):
    seen = []
    original = reports.ExportChunks.complete

    def recording(chunks, rows, now=None):
        seen.append(len(rows))
        return original(chunks, rows, now)

    monkeypatch.setattr(reports.ExportChunks, "complete", recording)
    rows = reports.iter_rows(world["coordinator"], world["m"].id, chunk=2)
    assert seen == []  # a generator: nothing read before the first row is asked for
    first = next(rows)
    assert seen == [2] and first.name_latin == "Amal Attar"
    assert len(list(rows)) == 4 and seen == [2, 2, 1]


def test_the_export_follows_the_viewers_language(app, db, world):
    client = signed_in(app, "coord.m@example.org")
    world["coordinator"].interface_language = "ar"
    db.session.commit()
    rows = csv_rows(client.get(f"/ministry/{world['m'].id}/reports/staff.csv"))
    with app.test_request_context(), force_locale("ar"):
        completed = str(ENROLMENT_STATE_LABELS["completed"])
    carla = next(r for r in rows if r[0] == "Carla Costa")
    assert carla[4] == world["course"].course.title["ar"]  # the course's Arabic title
    assert carla[6] == completed and len(rows) == 6


# --- queries ----------------------------------------------------------------------------------


def add_learners(cohort, ministry, count):
    for _ in range(count):
        _, enrolment = make_learner(cohort, ministry=ministry)
        read(enrolment, "m1-l1", minutes=3)
        take_quiz(enrolment, "m1-quiz")


@pytest.mark.parametrize("path", ["/ministry/{m}/reports", "/ministry/{m}/reports/cohorts/{c}"])
def test_report_pages_run_a_constant_number_of_queries(app, db, world, count_queries, path):
    client = signed_in(app, "coord.m@example.org")
    url = path.format(m=world["m"].id, c=world["cohort"].id)
    counts = []
    for extra in (0, 6):
        add_learners(world["cohort"], world["m"], extra)
        db.session.commit()
        client.get(url)  # the outline cache warms up on the first request
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16, counts


def _graded_essay(db, world, enrolment, points: dict[str, int], body: str):
    """Hand in the m1 written assignment and have it returned with the rubric's ``points``."""
    from diplolearn.services.assessment import assignments

    standing = progress.course_progress(enrolment)
    submission = assignments.save(
        enrolment, standing, standing.assignment("m1-essay"), body=body, submit=True
    )
    rubric = assignments.rubric(submission.assignment_revision_id)
    levels = {
        c.id: next(lv.id for lv in c.levels if lv.points == points[c.key]) for c in rubric.criteria
    }
    grader = make_with_role(Role.INSTRUCTOR, world["course"].course.id)
    return assignments.grade(submission, grader, levels, "GRADER-COMMENT-5512", False)


def test_graded_assignments_count_in_the_score_and_their_text_never_shows(
    app, db, world, count_queries
):
    """The score is the mean of the quiz percentages and the returned assignments'
    percentages: Amal's quiz 100 % and her essay 4 of 6 points (66.67 %) make 83.33."""
    from tests.factories import make_assignment

    make_assignment(world["course"], "m1")
    db.session.commit()
    _graded_essay(
        db, world, world["amal"], {"accuracy": 2, "clarity": 2}, "ESSAY-BODY-9921 on soft power"
    )
    db.session.commit()
    page = reports.staff_page(world["coordinator"], world["m"].id, reports.Filters(), 1)
    rows = {r.name_latin: r for r in page.items}
    assert rows["Amal Attar"].score == Decimal("83.33")
    assert rows["Carla Costa"].score == Decimal("83.33")  # quizzes only, as before
    summary = report_summary.cohort_summary(world["coordinator"], world["m"].id, world["cohort"])
    assert summary.average_score == Decimal("83.33")
    client = signed_in(app, "coord.m@example.org")
    m = world["m"].id
    paths = (
        f"/ministry/{m}/reports",
        f"/ministry/{m}/reports/cohorts/{world['cohort'].id}",
        f"/ministry/{m}/reports/staff.csv",
    )
    for path in paths:
        body = client.get(path).get_data().decode("utf-8")
        assert "ESSAY-BODY-9921" not in body and "GRADER-COMMENT-5512" not in body, path
    # Still a constant number of queries with assignments graded for more learners.
    counts = []
    for extra in (0, 4):
        for _ in range(extra):
            _, enrolment = make_learner(world["cohort"], ministry=world["m"])
            _graded_essay(db, world, enrolment, {"accuracy": 4, "clarity": 1}, "Text")
        db.session.commit()
        client.get(paths[0])
        with count_queries() as counter:
            assert client.get(paths[0]).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_staff_table_pages_through_fifty_at_a_time(db, world):
    add_learners(world["cohort"], world["m"], 48)
    first = reports.staff_page(world["coordinator"], world["m"].id, reports.Filters(), 1)
    second = reports.staff_page(world["coordinator"], world["m"].id, reports.Filters(), 2)
    assert (first.total, len(first.items), len(second.items), first.pages) == (53, 50, 3, 2)
    assert not {r.enrolment_id for r in first.items} & {r.enrolment_id for r in second.items}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 54


def test_the_export_streams_after_the_request_has_ended(committed):
    """A streamed body is read after the view returned and its session was removed: nothing
    the generator needs may hang on that session (the coordinator's scope is built first)."""
    from diplolearn.extensions import db as database

    with committed.app_context():
        ministry = make_ministry("MFA-S")
        course = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
        make_learner(course.cohort, ministry=ministry, name_latin="Streamed Person")
        make_with_role(Role.COORDINATOR, ministry.id, email="stream@example.org")
        database.session.commit()
        ministry_id = ministry.id
        database.session.remove()
    from flask.testing import FlaskClient

    client = FlaskClient(committed, committed.response_class)  # as a server runs it
    login(client, "stream@example.org")
    response = client.get(f"/ministry/{ministry_id}/reports/staff.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    body = b"".join(response.response)  # read only now, after the request has ended
    response.close()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["Streamed Person"]
