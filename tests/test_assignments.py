"""Written assignments: drafts, submission, lateness, word counts, file sniffing, grading
against the rubric, resubmission, completion rules, who may see what, and the course files."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.courses.check import check_course, load_course
from diplolearn.models import (
    Assignment,
    AssignmentRevision,
    AuditEvent,
    EnrolmentState,
    ModuleSchedule,
    OutboxMessage,
    Role,
    Submission,
    SubmissionState,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import assignments as service
from diplolearn.services.assessment import submission_files as files
from diplolearn.services.catalogue import outline
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.cohorts import organisations
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    MINIMAL_PDF,
    make_assignment,
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
)

COURSES = Path(__file__).parent.parent / "courses"

# --- real, minimal files ---------------------------------------------------------------------

PDF = MINIMAL_PDF
DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx(main=DOCX_MAIN, extra=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES.format(main=main))
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://'
            'schemas.openxmlformats.org/package/2006/relationships"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="'
            'http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>My essay</w:t></w:r></w:p></w:body>"
            "</w:document>",
        )
        for name in extra:
            archive.writestr(name, b"\x00macro")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"PE\x00\x00"


# --- a course with a written assignment --------------------------------------------------------
@pytest.fixture()
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    return tmp_path / "storage"


@pytest.fixture()
def world(app, db, storage):
    """A course whose module m1 has an assignment; two groups of one cohort, each with a
    learner and a tutor; an instructor of the course; a coordinator of the learner's
    ministry."""
    published = make_published_course(modules=2, lessons_per_module=1, with_quiz=False)
    revision = make_assignment(published, max_words=50, min_words=3)
    cohort = published.cohort
    group, other_group = (organisations.add_tutor_group(cohort, k, k) for k in ("g1", "g2"))
    ministry = make_ministry()
    learner, enrolment = make_learner(cohort, ministry=ministry, group=group)
    other, other_enrolment = make_learner(cohort, ministry=make_ministry(), group=other_group)
    w = SimpleNamespace(
        published=published,
        revision=revision,
        cohort=cohort,
        group=group,
        ministry=ministry,
        learner=learner,
        enrolment=enrolment,
        other=other,
        other_enrolment=other_enrolment,
        tutor=make_with_role(Role.TUTOR, group.id),
        other_tutor=make_with_role(Role.TUTOR, other_group.id),
        instructor=make_with_role(Role.INSTRUCTOR, published.course.id),
        coordinator=make_with_role(Role.COORDINATOR, ministry.id),
        page=f"/learn/{enrolment.id}/assignments/m1-essay",
        queue=f"/teach/courses/{published.course.id}/assignments",
    )
    db.session.commit()
    return w


def client_for(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def post_answer(client, w, action="save", body="", upload=None, page=None, **extra):
    page = page or w.page
    data = {"csrf_token": csrf_from(client, page), "body": body, action: "1", **extra}
    if upload is not None:
        data["upload"] = (io.BytesIO(upload[1]), upload[0])
    return client.post(page, data=data, content_type="multipart/form-data")


def submissions(db, enrolment_id):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Submission)
        .where(Submission.enrolment_id == enrolment_id)
        .order_by(Submission.number)
    ).all()


def stored_files(storage):
    return sorted(p.name for p in storage.rglob("*") if p.is_file()) if storage.exists() else []


def grade_form(w, submission, levels, **extra):
    criteria = {c.key: c for c in w.revision.criteria}
    data = {
        f"criterion-{criteria[k].id}": str(
            next(lv.id for lv in criteria[k].levels if lv.points == p)
        )
        for k, p in levels.items()
    }
    return {**data, **extra}


# --- words and files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("", 0),
        ("Digital diplomacy is public diplomacy's new arm.", 7),
        ("A well-known *tweet*, see [the paper](https://example.org/a-long-path).", 6),
        # Arabic with short vowels and shadda: the marks are not word breaks.
        ("الدِّبْلُومَاسِيَّةُ الرَّقْمِيَّةُ أداةٌ جديدة", 4),
        ("- one\n- two\n\n## three 4", 4),
    ],
)
def test_words_are_counted_like_a_reader_counts_them(text, words):
    assert service.count_words(text) == words


def test_files_are_recognised_by_their_content(app):
    assert files.sniff(PDF) == "pdf"
    assert files.sniff(docx()) == "docx"
    with pytest.raises(files.MacroFile):
        files.sniff(docx(main=DOCM_MAIN))
    with pytest.raises(files.MacroFile):
        files.sniff(docx(extra=["word/vbaProject.bin"]))
    for data in (EXE, b"", b"PK\x03\x04 truncated zip", b"<html>%PDF-1.4</html>"):
        with pytest.raises(files.WrongFileType):
            files.sniff(data)
    # A zip that is not a Word document (an .xlsx, say) is refused too.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(files.WrongFileType):
        files.sniff(buffer.getvalue())
    with app.app_context():
        upload = files.check_upload("../../etc/My essay.exe.docx", docx())
        assert upload.name == "My essay.exe.docx" and upload.kind == "docx"
        assert files.check_upload("report.bin", PDF).name == "report.pdf"


def docx_with(parts: dict[str, bytes]) -> bytes:
    """A valid .docx skeleton plus more parts, deflated."""
    buffer = io.BytesIO(docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content, compresslevel=9)
    return buffer.getvalue()


def test_a_zip_bomb_docx_is_refused(app, monkeypatch):
    bomb = docx_with({"word/media/zeros.bin": bytes(64 * 1024 * 1024)})  # ~64 KB on disk
    assert len(bomb) < 200 * 1024
    dense = docx_with({"word/media/photo.bin": os.urandom(2 * 1024 * 1024)})
    squeezed = docx_with({"word/media/zeros.bin": bytes(2 * 1024 * 1024)})  # ~1000 times
    crowded = docx_with({f"word/part{n}.xml": b"<p/>" for n in range(1001)})
    with app.app_context():
        for data in (bomb, squeezed, crowded):
            with pytest.raises(files.UnpacksTooLarge):
                files.check_upload("essay.docx", data)
        assert "Nothing was saved" in str(files.UnpacksTooLarge(50 * 1024 * 1024).message)
        assert files.check_upload("essay.docx", dense).kind == "docx"  # a photo is fine
        monkeypatch.setitem(app.config, "ASSIGNMENT_MAX_UNCOMPRESSED", 1024 * 1024)
        with pytest.raises(files.UnpacksTooLarge):
            files.check_upload("essay.docx", dense)
        assert files.check_upload("essay.docx", docx()).kind == "docx"


# --- the learner's draft and submission -------------------------------------------------------


def test_a_draft_is_saved_with_its_word_count_and_seen_only_by_the_learner(app, db, world):
    w = world
    client = client_for(app, w.learner)
    response = client.get(w.page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>digital diplomacy</strong>" in html  # the prompt, rendered
    assert "accuracy level 2" in html  # the rubric's levels
    assert "data-word-count" in html and "assignment.js" in html
    response = post_answer(client, w, "save", body="My first three words <script>x</script>")
    assert response.status_code == 302
    [draft] = submissions(db, w.enrolment.id)
    assert draft.state == SubmissionState.DRAFT and draft.word_count == 5
    assert draft.assignment_revision_id == w.revision.id
    html = client.get(w.page).get_data(as_text=True)
    assert "My first three words" in html and "<script>x" not in html
    # A draft is not in any grader's queue.
    assert "Person" not in client_for(app, w.tutor).get(w.queue).get_data(as_text=True)
    # Saving again updates the same draft.
    post_answer(client, w, "save", body="Now four words here")
    [draft] = submissions(db, w.enrolment.id)
    assert draft.body == "Now four words here" and draft.word_count == 4


def test_submitting_on_time_and_too_many_or_too_few_words(app, db, world):
    w = world
    client = client_for(app, w.learner)
    too_long = " ".join(["word"] * 51)
    response = post_answer(client, w, "submit", body=too_long)
    assert response.status_code == 400
    assert "51 words" in response.get_data(as_text=True)
    assert submissions(db, w.enrolment.id) == []  # nothing half-saved, not even a draft
    response = post_answer(client, w, "submit", body="Two words")
    assert response.status_code == 400 and "at least 3" in response.get_data(as_text=True)
    response = post_answer(client, w, "submit", body="")
    assert response.status_code == 400 and submissions(db, w.enrolment.id) == []
    response = post_answer(client, w, "submit", body="An answer of enough words")
    assert response.status_code == 302
    [submission] = submissions(db, w.enrolment.id)
    assert submission.state == SubmissionState.SUBMITTED and not submission.is_late
    assert submission.due_at is None and submission.submitted_at is not None
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "assignment.submit", AuditEvent.target_id == submission.id
        )
    )
    # Submitted work cannot be changed or submitted again.
    response = post_answer(client, w, "submit", body="Something else entirely now")
    assert response.status_code == 409
    assert "already submitted" in response.get_data(as_text=True)
    [submission] = submissions(db, w.enrolment.id)
    assert submission.body == "An answer of enough words"


def _schedule(db, w, opens_days_ago: int):
    db.session.add(
        ModuleSchedule(
            cohort_id=w.cohort.id,
            module_id=w.published.module_revision("m1").module_id,
            opens_at=utcnow() - dt.timedelta(days=opens_days_ago),
        )
    )
    w.revision.due_days, w.revision.late_days = 7, 3
    db.session.commit()
    outline.cache.clear()


def test_work_after_the_due_date_is_marked_late_and_after_the_close_refused(app, db, world):
    w = world
    _schedule(db, w, opens_days_ago=8)  # due a day ago, closes in two days
    client = client_for(app, w.learner)
    html = client.get(w.page).get_data(as_text=True)
    assert "Closes" in html
    response = post_answer(
        client, w, "submit", body="Late but complete answer", follow_redirects=False
    )
    assert response.status_code == 302
    [submission] = submissions(db, w.enrolment.id)
    assert submission.is_late and submission.due_at < submission.submitted_at
    assert "late" in client.get(w.page).get_data(as_text=True)
    # The grader's queue says so too.
    assert "late" in client_for(app, w.tutor).get(w.queue).get_data(as_text=True)


def test_after_the_close_nothing_is_accepted_or_stored(app, db, world, storage):
    w = world
    _schedule(db, w, opens_days_ago=11)  # due four days ago, closed a day ago
    client = client_for(app, w.learner)
    response = post_answer(
        client, w, "submit", body="Too late an answer", upload=("essay.pdf", PDF)
    )
    assert response.status_code == 409
    assert "closed" in response.get_data(as_text=True)
    assert submissions(db, w.enrolment.id) == [] and stored_files(storage) == []
    assert post_answer(client, w, "save", body="A draft").status_code == 409


def test_a_cohort_deadline_wins_over_the_module_rules(app, db, world):
    w = world
    _schedule(db, w, opens_days_ago=8)  # the offset says: due yesterday
    service.set_cohort_deadline(
        w.cohort.id, w.revision.assignment_id, utcnow() + dt.timedelta(days=2), by=w.instructor
    )
    db.session.commit()
    post_answer(client_for(app, w.learner), w, "submit", body="In time after all")
    [submission] = submissions(db, w.enrolment.id)
    assert not submission.is_late and submission.due_at > submission.submitted_at


# --- files --------------------------------------------------------------------------------------


def test_an_uploaded_file_is_stored_by_content_and_served_only_as_a_download(
    app, db, world, storage
):
    w = world
    client = client_for(app, w.learner)
    essay = docx()  # zip entries carry the time they were written: build it once
    response = post_answer(client, w, "submit", upload=("My essay.docx", essay))
    assert response.status_code == 302
    [submission] = submissions(db, w.enrolment.id)
    assert submission.file_kind == "docx" and submission.file_name == "My essay.docx"
    assert stored_files(storage) == [submission.file_sha256]
    url = f"/learn/{w.enrolment.id}/submissions/{submission.id}/file"
    response = client.get(url)
    assert response.status_code == 200 and response.data == essay
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    grader_url = f"{w.queue}/submissions/{submission.id}/file"
    assert client_for(app, w.tutor).get(grader_url).status_code == 200
    assert client_for(app, w.instructor).get(grader_url).status_code == 200
    # Nobody else: another learner (through their own enrolment, or forging this one),
    # another group's tutor, the coordinator.
    other = client_for(app, w.other)
    assert other.get(url).status_code == 404
    assert (
        other.get(f"/learn/{w.other_enrolment.id}/submissions/{submission.id}/file").status_code
        == 404
    )
    assert client_for(app, w.other_tutor).get(grader_url).status_code == 404
    assert client_for(app, w.coordinator).get(grader_url).status_code == 403


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("essay.docx", EXE, "not a Word document"),
        ("essay.docx", docx(main=DOCM_MAIN), "macros"),
        ("essay.pdf", b"%PDF-1.4" + b"x" * 8192, "larger than"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_and_nothing_stored(
    app, db, world, storage, monkeypatch, name, data, message
):
    w = world
    monkeypatch.setitem(app.config, "ASSIGNMENT_MAX_FILE_BYTES", 4096)
    client = client_for(app, w.learner)
    response = post_answer(client, w, "save", body="My text stays here", upload=(name, data))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was saved" in html
    assert "My text stays here" in html  # the learner's writing is shown back, not lost
    assert submissions(db, w.enrolment.id) == [] and stored_files(storage) == []


def test_a_format_the_assignment_does_not_take_is_refused(app, db, world, storage):
    w = world
    w.revision.formats = ["text"]
    db.session.commit()
    outline.cache.clear()
    client = client_for(app, w.learner)
    html = client.get(w.page).get_data(as_text=True)
    assert 'type="file"' not in html
    response = post_answer(client, w, "save", upload=("essay.pdf", PDF))
    assert response.status_code == 400 and stored_files(storage) == []


# --- grading ------------------------------------------------------------------------------------


def _submitted(app, db, w, body="A perfectly good answer to grade"):
    post_answer(client_for(app, w.learner), w, "submit", body=body)
    return submissions(db, w.enrolment.id)[-1]


def test_the_queue_lists_handed_in_work_oldest_first_for_those_who_grade_it(app, db, world):
    w = world
    mine = _submitted(app, db, w)
    other_page = f"/learn/{w.other_enrolment.id}/assignments/m1-essay"
    post_answer(
        client_for(app, w.other), w, "submit", body="The other group's answer", page=other_page
    )
    db.session.execute(
        sa.update(Submission)
        .where(Submission.id == mine.id)
        .values(submitted_at=utcnow() - dt.timedelta(days=1))
    )
    db.session.commit()
    names = (w.learner.display_name, w.other.display_name)
    html = client_for(app, w.instructor).get(w.queue).get_data(as_text=True)
    assert all(n in html for n in names) and html.index(names[0]) < html.index(names[1])
    html = client_for(app, w.tutor).get(w.queue).get_data(as_text=True)
    assert names[0] in html and names[1] not in html
    assert w.queue in client_for(app, w.instructor).get("/teach/").get_data(as_text=True)
    html = client_for(app, w.other_tutor).get(w.queue).get_data(as_text=True)
    assert names[1] in html and names[0] not in html
    # Roles without grading: the coordinator and learners are refused at the door; a grader
    # of another course gets a 404 for this one.
    assert client_for(app, w.coordinator).get(w.queue).status_code == 403
    assert client_for(app, w.learner).get(w.queue).status_code == 403
    elsewhere = make_with_role(Role.INSTRUCTOR, make_published_course(modules=1).course.id)
    db.session.commit()
    assert client_for(app, elsewhere).get(w.queue).status_code == 404


def test_grading_against_the_rubric_returns_the_work_with_comments(app, db, world):
    w = world
    submission = _submitted(app, db, w)
    url = f"{w.queue}/submissions/{submission.id}"
    tutor = client_for(app, w.tutor)
    html = tutor.get(url).get_data(as_text=True)
    assert "A perfectly good answer to grade" in html and "accuracy level 4" in html
    response = post_form(
        tutor,
        url,
        grade_form(
            w, submission, {"accuracy": 2, "clarity": 2}, comments="Good *start*; cite the paper."
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.RETURNED and submission.score == 4
    assert submission.max_score == 6 and submission.passed  # 67% >= 50%
    assert submission.graded_by_id == w.tutor.id and not submission.resubmission_allowed
    assert sorted(s.points for s in submission.scores) == [2, 2]
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "assignment.grade", AuditEvent.target_id == submission.id
        )
    )
    assert event.actor_id == w.tutor.id and event.details["score"] == "4"
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.to_user_id == w.learner.id, OutboxMessage.kind == "assignment_returned"
        )
    )
    assert mail is not None and "Essay" in mail.subject
    html = client_for(app, w.learner).get(w.page).get_data(as_text=True)
    assert "Grade: 4 out of 6" in html and "<em>start</em>" in html
    assert "accuracy level 2" in html
    # Regrading changes the grade, audited, and keeps the state.
    post_form(
        client_for(app, w.instructor), url, grade_form(w, submission, {"accuracy": 4, "clarity": 2})
    )
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).score == 6
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "assignment.regrade", AuditEvent.actor_id == w.instructor.id
        )
    )


def test_an_incomplete_or_forged_rubric_is_refused_and_nothing_saved(app, db, world):
    w = world
    submission = _submitted(app, db, w)
    url = f"{w.queue}/submissions/{submission.id}"
    tutor = client_for(app, w.tutor)
    response = post_form(tutor, url, grade_form(w, submission, {"accuracy": 4}))
    assert response.status_code == 400
    assert "every criterion" in response.get_data(as_text=True)
    # A level of another criterion given for this one.
    criteria = {c.key: c for c in w.revision.criteria}
    forged = {
        f"criterion-{criteria['accuracy'].id}": str(criteria["clarity"].levels[0].id),
        f"criterion-{criteria['clarity'].id}": str(criteria["clarity"].levels[0].id),
    }
    assert post_form(tutor, url, forged).status_code == 400
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.SUBMITTED and submission.score is None
    assert not submission.scores


def test_graders_outside_the_scope_and_learners_cannot_grade(app, db, world):
    w = world
    submission = _submitted(app, db, w)
    url = f"{w.queue}/submissions/{submission.id}"
    levels = grade_form(w, submission, {"accuracy": 4, "clarity": 2})
    other_tutor = client_for(app, w.other_tutor)
    assert other_tutor.get(url).status_code == 404
    token = csrf_from(other_tutor, w.queue)
    assert other_tutor.post(url, data={"csrf_token": token, **levels}).status_code == 404
    learner = client_for(app, w.learner)  # a forged grade post by the learner
    token = csrf_from(learner, w.page)
    assert learner.post(url, data={"csrf_token": token, **levels}).status_code == 403
    coordinator = client_for(app, w.coordinator)
    assert coordinator.get(url).status_code == 403
    # A forged id: an existing submission of another course.
    assert client_for(app, w.tutor).get(f"{w.queue}/submissions/999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == SubmissionState.SUBMITTED
    # Drafts are not gradable, not even by an instructor of the course.
    post_answer(
        client_for(app, w.other),
        w,
        "save",
        body="draft",
        page=f"/learn/{w.other_enrolment.id}/assignments/m1-essay",
    )
    [draft] = submissions(db, w.other_enrolment.id)
    assert client_for(app, w.instructor).get(f"{w.queue}/submissions/{draft.id}").status_code == 404


def test_another_learners_assignment_page_is_a_404(app, db, world):
    w = world
    other = client_for(app, w.other)
    assert other.get(w.page).status_code == 404
    token = csrf_from(other, f"/learn/{w.other_enrolment.id}/assignments/m1-essay")
    response = other.post(w.page, data={"csrf_token": token, "body": "x", "save": "1"})
    assert response.status_code == 404 and submissions(db, w.enrolment.id) == []
    assert (
        client_for(app, w.learner)
        .get(f"/learn/{w.enrolment.id}/assignments/no-such-assignment")
        .status_code
        == 404
    )


def test_resubmission_only_when_the_grader_allows_it(app, db, world):
    w = world
    first = _submitted(app, db, w)
    url = f"{w.queue}/submissions/{first.id}"
    tutor = client_for(app, w.tutor)
    post_form(tutor, url, grade_form(w, first, {"accuracy": 0, "clarity": 1}))
    learner = client_for(app, w.learner)
    response = post_answer(learner, w, "submit", body="A better second version now")
    assert response.status_code == 409 and len(submissions(db, w.enrolment.id)) == 1
    post_form(
        tutor, url, grade_form(w, first, {"accuracy": 0, "clarity": 1}, allow_resubmission="y")
    )
    html = learner.get(w.page).get_data(as_text=True)
    assert "allows a new version" in html and "A perfectly good answer" in html
    assert post_answer(learner, w, "submit", body="A better second version now").status_code == 302
    first, second = submissions(db, w.enrolment.id)
    assert first.state == SubmissionState.RETURNED and first.score == 1  # kept as it was
    assert second.number == 2 and second.state == SubmissionState.SUBMITTED
    assert second.assignment_revision_id == w.revision.id
    assert w.learner.display_name in tutor.get(w.queue).get_data(as_text=True)


# --- completion rules ---------------------------------------------------------------------------


def _finish_lessons(db, w):
    standing = progress.course_progress(w.enrolment)
    for lesson in [s for m in standing.modules for s in m.lessons]:
        standing = progress.mark_lesson_done(w.enrolment, standing, lesson)
    db.session.commit()
    return standing


def test_a_required_assignment_counts_once_submitted(app, db, world):
    w = world
    standing = _finish_lessons(db, w)
    module = standing.modules[0]
    assert not module.complete and not standing.complete
    assert standing.next_step.node.kind == "assignment"
    assert standing.assignment("m1-essay") in module.required_items
    html = client_for(app, w.learner).get(f"/learn/{w.enrolment.id}").get_data(as_text=True)
    assert "/assignments/m1-essay" in html  # the outline links the next step
    _submitted(app, db, w)
    db.session.expire_all()
    standing = progress.course_progress(w.enrolment)
    assert standing.modules[0].complete and standing.complete
    assert db.session.get(type(w.enrolment), w.enrolment.id).state == EnrolmentState.COMPLETED


def test_a_passed_rule_needs_a_passing_grade(app, db, world):
    w = world
    w.revision.completion, w.revision.pass_mark = "passed", Decimal(60)
    db.session.commit()
    outline.cache.clear()
    _finish_lessons(db, w)
    submission = _submitted(app, db, w)
    assert not progress.course_progress(w.enrolment).assignment("m1-essay").done
    url = f"{w.queue}/submissions/{submission.id}"
    tutor = client_for(app, w.tutor)
    post_form(tutor, url, grade_form(w, submission, {"accuracy": 2, "clarity": 1}))  # 50%
    db.session.expire_all()
    assert not progress.course_progress(w.enrolment).assignment("m1-essay").done
    post_form(tutor, url, grade_form(w, submission, {"accuracy": 4, "clarity": 0}))  # 67%
    db.session.expire_all()
    assert progress.course_progress(w.enrolment).assignment("m1-essay").done
    assert db.session.get(type(w.enrolment), w.enrolment.id).state == EnrolmentState.COMPLETED


def test_an_optional_assignment_does_not_hold_the_module(db, world):
    w = world
    w.revision.required = False
    db.session.commit()
    outline.cache.clear()
    assert _finish_lessons(db, w).complete


# --- course files ---------------------------------------------------------------------------------


def test_assignments_round_trip_through_the_database_byte_for_byte(db, tmp_path):
    spec, sources = load_course(COURSES / "digital-diplomacy")
    version = import_course(spec, sources).version
    revisions = db.session.scalars(
        sa.select(AssignmentRevision).where(AssignmentRevision.course_version_id == version.id)
    ).all()
    assert len(revisions) == 10
    assert all(len(c.levels) >= 2 for r in revisions for c in r.criteria)
    export_course("digital-diplomacy", tmp_path)
    for rel, data in sources.items():
        assert (tmp_path / "digital-diplomacy" / rel).read_bytes() == data, rel
    # Re-importing the export changes nothing; the assignments keep their logical rows.
    again, again_files = load_course(tmp_path / "digital-diplomacy")
    assert not import_course(again, again_files).created


def test_a_removed_assignment_is_retired_and_submissions_stay(db, storage):
    from diplolearn.courses.writer import course_files

    spec, sources = load_course(COURSES / "digital-diplomacy-basics")
    course = import_course(spec, sources).course
    _, enrolment = make_learner(organisations.default_cohort(course))
    standing = progress.course_progress(enrolment)
    lesson_states = [s for m in standing.modules[:1] for s in m.lessons]
    for lesson in lesson_states:
        standing = progress.mark_lesson_done(enrolment, standing, lesson)
    essay = standing.assignment("foundations-essay")
    submission = service.save(
        enrolment,
        standing,
        essay,
        body="Audiences changed.",
        upload=files.check_upload("essay.pdf", MINIMAL_PDF),
        submit=True,
    )
    spec.modules[0].assignment = None
    import_course(spec, {k: v.encode() for k, v in course_files(spec).items()})
    assignment = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.course_id == course.id, Assignment.key == "foundations-essay"
        )
    )
    assert assignment.retired_at is not None
    db.session.expire_all()
    kept = db.session.get(Submission, submission.id)
    assert kept.state == SubmissionState.SUBMITTED and kept.file_kind == "pdf"
    assert service.rubric(kept.assignment_revision_id).max_points == 10


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("  completion: submitted\n", "  completion: passed\n", "needs a pass_mark"),
        ("    - file\n", "    - video\n", "the format 'video' is not one of text, file"),
        ("        - points: 4\n", "        - points: 5\n", "awards from 0 to 4 points"),
        ("        - points: 2\n", "        - points: 0\n", "award 0 points"),
        ("      levels:\n", "      levelz:\n", "unknown field 'levelz'"),
    ],
)
def test_check_reports_rubric_problems_with_file_and_line(tmp_path, old, new, expected):
    import shutil

    folder = tmp_path / "digital-diplomacy-basics"
    shutil.copytree(COURSES / "digital-diplomacy-basics", folder)
    path = folder / "foundations" / "module.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    problems = [str(p) for p in check_course(folder)[1]]
    found = [p for p in problems if expected in p]
    assert found and found[0].startswith("digital-diplomacy-basics/foundations/module.yaml:"), (
        problems
    )
    assert int(found[0].split(":")[1]) > 26  # the line of the assignment, not of the file


def test_the_queue_and_the_pages_run_a_fixed_number_of_queries(app, db, world, count_queries):
    w = world
    tutor = client_for(app, w.tutor)
    learner = client_for(app, w.learner)

    def counted(client, url):
        assert client.get(url).status_code == 200  # warm up (outline cache, session)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    _submitted(app, db, w)
    one = (counted(tutor, w.queue), counted(learner, w.page))
    for _ in range(4):  # more learners of the group, each with a submission
        user, enrolment = make_learner(w.cohort, group=w.group)
        db.session.commit()
        post_answer(
            client_for(app, user),
            w,
            "submit",
            body="Another good answer here",
            page=f"/learn/{enrolment.id}/assignments/m1-essay",
        )
    assert counted(tutor, w.queue) == one[0]
    assert counted(learner, w.page) == one[1]


def test_erasing_a_person_blanks_their_texts_and_files_but_keeps_the_grades(
    app, db, world, storage
):
    w = world
    post_answer(
        client_for(app, w.learner),
        w,
        "submit",
        body="My personal reflections",
        upload=("essay.pdf", PDF),
    )
    [submission] = submissions(db, w.enrolment.id)
    post_form(
        client_for(app, w.tutor),
        f"{w.queue}/submissions/{submission.id}",
        grade_form(w, submission, {"accuracy": 4, "clarity": 2}, comments="Well argued"),
    )
    assert stored_files(storage)
    assert service.erase_texts_of(w.learner.id) == 1
    [submission] = submissions(db, w.enrolment.id)
    assert submission.body == "" and submission.comments == "" and submission.file_name is None
    assert submission.score == 6 and submission.state == SubmissionState.RETURNED
    assert stored_files(storage) == []
