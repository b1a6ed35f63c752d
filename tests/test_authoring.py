"""Authoring (issue 7, parts 1, 3, 4): drafts and versions, lesson editing with concurrency,
reorder and retire, corrections, history, translation flags, copies, permissions, XSS, and
browser edits exporting canonically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.courses.check import load_course
from diplolearn.extensions import db as _db
from diplolearn.models import (
    AuditEvent,
    ContentChange,
    Course,
    Lesson,
    LessonProgress,
    LessonRevision,
    Module,
    Role,
    TranslationFlag,
)
from diplolearn.services import progress as progress_service
from diplolearn.services.authoring import (
    AuthoringError,
    ContentInvalid,
    StaleEdit,
    corrections,
    drafting,
    lessons,
    outline,
    owners,
    publishing,
)
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from tests.conftest import login, post_form
from tests.factories import make_course, make_learner, make_with_role

COURSES = Path(__file__).parent.parent / "courses"
BASICS = COURSES / "digital-diplomacy-basics"


def _import(folder: Path = BASICS):
    spec, files = load_course(folder)
    return import_course(spec, files).course


def _lesson(course, key) -> Lesson:
    return _db.session.scalar(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.key == key)
    )


def _texts(spec_lesson):
    return lessons.lesson_texts(spec_lesson)


def _first_lesson(version):
    spec = drafting.spec_of(version)
    return spec.modules[0].lessons[0]


def _edit(draft, key, language, replace, by=None, token=None):
    """Edit one language of a lesson through the service, as the form posts it."""
    _, lesson = drafting.find_lesson(drafting.spec_of(draft), key)
    texts = _texts(lesson)
    title, body = texts[language]
    texts[language] = (title, replace(body))
    lessons.edit_lesson(draft, key, texts, token or drafting.token_of(_texts(lesson)), by)


def _author(course, client=None):
    user = make_with_role(Role.INSTRUCTOR, course.id)
    owners.add_owner(course, user, None)
    if client is not None:
        login(client, user.email)
    return user


def _form_data(lesson, **changes) -> dict:
    """The lesson editor's fields as the page fills them, with ``changes`` applied."""
    data = {"token": drafting.token_of(_texts(lesson)), "save": "1"}
    for lang, (title, body) in _texts(lesson).items():
        data[f"title_{lang}"], data[f"body_{lang}"] = title, body
    data.update(changes)
    return data


def _draft_lesson(course, key):
    return drafting.find_lesson(drafting.spec_of(drafting.draft_of(course)), key)[1]


def _published_lesson(course, key):
    return drafting.find_lesson(drafting.spec_of(drafting.latest_published(course)), key)[1]


def _as(client, user):
    """A fresh browser signed in as ``user``."""
    other = client.application.test_client()
    login(other, user.email)
    return other


def _section(html: str, start: str) -> str:
    begin = html.index(start)
    return html[begin : html.index("</section>", begin)]


# --- drafts -------------------------------------------------------------------------------


def test_a_draft_is_a_deep_copy_of_the_latest_published_version(app, db):
    from diplolearn.courses.writer import course_files

    course = _import()
    published = drafting.latest_published(course)
    draft = drafting.open_draft(course, None)
    assert draft.state == "draft" and draft.number == published.number + 1
    assert drafting.open_draft(course, None) is draft  # one open draft per course
    assert course_files(drafting.spec_of(draft)) == course_files(drafting.spec_of(published))
    draft_rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LessonRevision)
        .where(LessonRevision.course_version_id == draft.id)
    )
    published_rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LessonRevision)
        .where(LessonRevision.course_version_id == published.id)
    )
    assert draft_rows == published_rows > 0
    # The exporter and the importer ignore the open draft.
    _edit(draft, "what-is-digital-diplomacy", "en", lambda b: b + " Draft only.")
    from diplolearn.services.catalogue.course_export import version_spec

    exported = course_files(version_spec(course.key))
    assert exported == course_files(drafting.spec_of(published))
    assert "Draft only." in "".join(course_files(drafting.spec_of(draft)).values())
    spec, files = load_course(BASICS)
    assert import_course(spec, files).created is False


# --- editing a lesson in the browser ---------------------------------------------------------


def test_an_owner_edits_a_lesson_side_by_side_and_the_other_languages_are_flagged(client, db):
    course = _import()
    owner = _author(course, client)
    response = post_form(
        client, f"/author/courses/{course.id}/draft", {}, form_page=f"/author/courses/{course.id}"
    )
    assert response.status_code == 302
    key = "what-is-digital-diplomacy"
    page = client.get(f"/author/courses/{course.id}/lessons/{key}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="body_ar"' in html and 'dir="rtl"' in html and 'lang="ar"' in html
    lesson = _draft_lesson(course, key)
    body = _texts(lesson)["en"][1]
    new_body = body.replace("\n", "\r\n") + "\r\n\r\n{#new-point}\r\nA new point, in English."
    ar_body = _texts(lesson)["ar"][1] + "\n\n{#new-point}\nنقطة جديدة."
    response = post_form(
        client,
        f"/author/courses/{course.id}/lessons/{key}/edit",
        _form_data(lesson, body_en=new_body, body_ar=ar_body),
        form_page=f"/author/courses/{course.id}/lessons/{key}/edit",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = _draft_lesson(course, key)
    assert saved.texts["en"].paragraphs[-1].text == "A new point, in English."
    assert "\r" not in saved.texts["en"].paragraphs[0].text
    assert saved.anchors[-1] == "new-point"
    # The published version is untouched.
    assert "new-point" not in _published_lesson(course, key).anchors
    # Both en and ar changed: the French text (optional language) needs an update.
    flags = {f.language for f in db.session.scalars(sa.select(TranslationFlag))}
    assert flags == ({"fr"} if "fr" in saved.texts else set())
    changes = corrections.history(course, "lesson", key)
    assert {c.language for c in changes} == {"ar", "en"}
    assert all(c.by_id == owner.id and c.action == "edit" for c in changes)
    english = next(c for c in changes if c.language == "en")
    assert "new-point" in english.after and "new-point" not in english.before
    history = client.get(f"/author/courses/{course.id}/history/lesson/{key}")
    assert history.status_code == 200 and owner.display_name in history.get_data(as_text=True)
    shown = client.get(f"/author/courses/{course.id}/changes/{english.id}")
    assert shown.status_code == 200
    assert "A new point, in English." in shown.get_data(as_text=True)


def test_one_language_changing_flags_the_others_until_a_translator_clears_it(client, db):
    course = _import()
    user = _author(course, client)
    draft = drafting.open_draft(course, user)
    key = "what-is-digital-diplomacy"
    _edit(draft, key, "en", lambda b: b.replace("diplomacy", "Diplomacy", 1), user)
    flag = db.session.scalar(sa.select(TranslationFlag))
    assert (flag.language, flag.changed_language) == ("ar", "en")
    page = client.get(f"/author/courses/{course.id}/lessons/{key}/edit")
    assert "needing an update" in page.get_data(as_text=True)
    response = post_form(
        client,
        f"/author/courses/{course.id}/lessons/{key}/translations/ar/clear",
        {},
        form_page=f"/author/courses/{course.id}/lessons/{key}/edit",
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(TranslationFlag)) is None
    cleared = corrections.history(course, "lesson", key)[0]
    assert (cleared.action, cleared.language, cleared.by_id) == (
        "translation_cleared",
        "ar",
        user.id,
    )


def test_two_instructors_saving_the_same_draft_is_detected_not_overwritten(client, db):
    course = _import()
    first = _author(course)
    draft = drafting.open_draft(course, first)
    key = "what-is-digital-diplomacy"
    opened = _draft_lesson(course, key)  # both instructors opened the editor on this text
    _edit(
        draft,
        key,
        "en",
        lambda b: b + " First instructor's sentence.",
        first,
        token=drafting.token_of(_texts(opened)),
    )
    second = make_with_role(Role.INSTRUCTOR, course.id)
    login(client, second.email)
    mine = _texts(opened)["en"][1] + " Second instructor's sentence."
    response = post_form(
        client,
        f"/author/courses/{course.id}/lessons/{key}/edit",
        _form_data(opened, body_en=mine),
        form_page=f"/author/courses/{course.id}/lessons/{key}/edit",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "First instructor&#39;s sentence." in html  # theirs, shown
    assert "Second instructor&#39;s sentence." in html  # mine, kept in the form
    saved = _texts(_draft_lesson(course, key))["en"][1]
    assert "First instructor's sentence." in saved and "Second" not in saved
    with pytest.raises(StaleEdit):
        _edit(
            draft,
            key,
            "en",
            lambda b: b + " again",
            second,
            token=drafting.token_of(_texts(opened)),
        )


def test_bad_lesson_text_is_refused_whole(client, db):
    course = _import()
    _author(course, client)
    draft = drafting.open_draft(course, None)
    key = "what-is-digital-diplomacy"
    lesson = _draft_lesson(course, key)
    before = _texts(lesson)
    for body_en, message in [
        ("No anchor before this text.", "before the first"),
        (_texts(lesson)["en"][1].replace("{#", "{#X", 1), "lower-case"),
        ("{#only-one}\nText", "same paragraph anchors"),
        (_texts(lesson)["en"][1] + "\n\n{#pd-link}\nTaken.", "already used in another"),
    ]:
        response = post_form(
            client,
            f"/author/courses/{course.id}/lessons/{key}/edit",
            _form_data(lesson, body_en=body_en),
            form_page=f"/author/courses/{course.id}/lessons/{key}/edit",
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert _texts(_draft_lesson(course, key)) == before
    assert corrections.history(course, "lesson", key) == []
    assert draft.state == "draft"


# --- modules and lessons: create, reorder, retire -------------------------------------------


def test_create_and_reorder_modules_and_lessons(client, db):
    course = _import()
    _author(course, client)
    drafting.open_draft(course, None)
    base = f"/author/courses/{course.id}"
    response = post_form(
        client,
        f"{base}/modules/new",
        {"key": "closing", "title_en": "Closing", "title_ar": "الختام", "save": "1"},
    )
    assert response.status_code == 302
    texts = {
        "key": "last-words",
        "title_en": "Last words",
        "title_ar": "كلمة أخيرة",
        "body_en": "{#lw-1}\nThank you.",
        "body_ar": "{#lw-1}\nشكرا.",
        "save": "1",
    }
    response = post_form(client, f"{base}/modules/closing/lessons/new/text", texts)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    spec = drafting.spec_of(drafting.draft_of(course))
    assert spec.modules[-1].id == "closing"
    assert [lesson.id for lesson in spec.modules[-1].lessons] == ["last-words"]
    keys = [m.id for m in spec.modules]
    # Without JavaScript: move up and down.
    post_form(client, f"{base}/modules/closing/move", {"up": "1"}, form_page=base)
    assert [m.id for m in drafting.spec_of(drafting.draft_of(course)).modules] == [
        *keys[:-2],
        "closing",
        keys[-2],
    ]
    post_form(client, f"{base}/modules/closing/move", {"down": "1"}, form_page=base)
    assert [m.id for m in drafting.spec_of(drafting.draft_of(course)).modules] == keys
    # Drag and drop posts the target position.
    post_form(client, f"{base}/modules/closing/move", {"to": "1"}, form_page=base)
    assert next(m.id for m in drafting.spec_of(drafting.draft_of(course)).modules) == "closing"
    first = spec.modules[0]
    lesson_keys = [lesson.id for lesson in first.lessons]
    post_form(client, f"{base}/lessons/{lesson_keys[0]}/move", {"down": "1"}, form_page=base)
    moved = drafting.find_module(drafting.spec_of(drafting.draft_of(course)), first.id)
    assert [lesson.id for lesson in moved.lessons][:2] == [lesson_keys[1], lesson_keys[0]]
    # A duplicate id is refused with a message.
    response = post_form(
        client,
        f"{base}/modules/new",
        {"key": "closing", "title_en": "Again", "title_ar": "مرة", "save": "1"},
    )
    assert response.status_code == 422 and "already used" in response.get_data(as_text=True)
    assert all(c.by_id for c in db.session.scalars(sa.select(ContentChange)))


def test_retiring_keeps_learner_records_and_never_deletes(client, db):
    course = _import()
    user = _author(course, client)
    cohort = authoring_default_cohort(course)
    _learner, enrolment = make_learner(cohort)
    base = f"/author/courses/{course.id}"
    # A lesson questions point at cannot be retired: a clear message, nothing changed.
    draft = drafting.open_draft(course, user)
    response = post_form(
        client, f"{base}/lessons/what-is-digital-diplomacy/retire", {}, follow_redirects=True
    )
    assert "Questions or discussions point at this lesson" in response.get_data(as_text=True)
    # A new lesson, published and studied, then retired.
    module = drafting.spec_of(draft).modules[0].id
    lessons.create_lesson(
        draft,
        module,
        "extra",
        {"en": ("Extra", "{#extra-1}\nMore reading."), "ar": ("إضافي", "{#extra-1}\nقراءة.")},
        user,
    )
    v2 = publishing.publish(draft, user)
    publishing.move_cohort(cohort, v2, user)
    _mark_done(enrolment, "extra")
    drafting.open_draft(course, user)
    confirm = client.get(f"{base}/lessons/extra/retire")
    assert confirm.status_code == 200 and "1 record on it" in confirm.get_data(as_text=True)
    response = post_form(client, f"{base}/lessons/extra/retire", {})
    assert response.status_code == 302
    assert _lesson(course, "extra").retired_at is None  # not before publication
    assert "extra" not in [
        lesson.id for lesson in drafting.spec_of(drafting.draft_of(course)).lessons()
    ]
    assert post_form(client, f"{base}/publish", {}).status_code == 302
    db.session.expire_all()
    lesson = _lesson(course, "extra")
    assert lesson is not None and lesson.retired_at is not None  # retired, not deleted
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LessonProgress)
            .where(LessonProgress.lesson_id == lesson.id)
        )
        == 1
    )
    # The cohort still follows the version that has the lesson.
    assert cohort.course_version_id == v2.id
    assert "extra" in [item.id for item in drafting.spec_of(v2).lessons()]
    assert corrections.history(course, "lesson", "extra")[0].action == "retire"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lesson.retire"))


def authoring_default_cohort(course):
    from diplolearn.services.cohorts import organisations

    return organisations.default_cohort(course)


def _mark_done(enrolment, key):
    progress = progress_service.course_progress(enrolment)
    progress_service.mark_lesson_done(enrolment, progress, progress.lesson(key))
    db_flush()


def db_flush():
    _db.session.flush()


# --- publishing and moving cohorts ----------------------------------------------------------


def test_publish_makes_a_version_cohorts_keep_theirs_until_moved_with_progress(client, db):
    course = _import()
    user = _author(course, client)
    v1 = drafting.latest_published(course)
    cohort = authoring_default_cohort(course)
    _learner, enrolment = make_learner(cohort)
    key = drafting.spec_of(v1).modules[0].lessons[0].id
    _mark_done(enrolment, key)
    draft = drafting.open_draft(course, user)
    _edit(draft, key, "en", lambda b: b + " Published in version two.", user)
    base = f"/author/courses/{course.id}"
    assert client.get(f"{base}/publish").status_code == 200
    assert post_form(client, f"{base}/publish", {}).status_code == 302
    db.session.expire_all()
    v2 = drafting.latest_published(course)
    assert v2.number == v1.number + 1 and v2.state == "published" and v2.source_digest
    assert drafting.draft_of(course) is None
    assert cohort.course_version_id == v1.id  # kept
    page = client.get(base)
    assert page.status_code == 200
    response = post_form(
        client,
        f"{base}/cohorts/{cohort.id}/version",
        {f"cohort{cohort.id}-version": str(v2.id)},
        form_page=base,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert cohort.course_version_id == v2.id
    progress = progress_service.course_progress(enrolment)
    assert progress.outline.version_id == v2.id
    assert progress.lesson(key).done  # carried across by the stable id
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "cohort.move_version")
    )


def test_a_draft_with_problems_is_not_published(client, db):
    course = _import()
    _author(course, client)
    draft = drafting.open_draft(course, None)
    outline.create_module(draft, "empty-module", {"en": "Empty", "ar": "فارغ"}, None)
    response = post_form(client, f"/author/courses/{course.id}/publish", {})
    assert response.status_code == 409
    assert "neither lessons nor a quiz" in response.get_data(as_text=True)
    db.session.expire_all()
    assert drafting.draft_of(course) is not None


# --- corrections ---------------------------------------------------------------------------


def test_a_correction_reaches_running_cohorts_audited_and_in_history(client, db, tmp_path):
    course = _import()
    user = _author(course)
    version = drafting.latest_published(course)
    cohort = authoring_default_cohort(course)
    learner, enrolment = make_learner(cohort)
    key = "what-is-digital-diplomacy"
    draft = drafting.open_draft(course, user)
    reader = _as(client, learner)
    page = reader.get(f"/learn/{enrolment.id}/lessons/{key}")
    assert page.status_code == 200 and "Typo-fixed" not in page.get_data(as_text=True)
    body = _texts(_published_lesson(course, key))["en"][1]
    first_paragraph = _published_lesson(course, key).texts["en"].paragraphs[0].text
    corrected = body.replace(first_paragraph, first_paragraph + " Typo-fixed.", 1)
    login(client, user.email)
    path = f"/author/courses/{course.id}/versions/{version.number}/lessons/{key}/correct/en"
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"body": corrected, "save": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert drafting.latest_published(course).id == version.id  # no new version
    assert version.corrected_at is not None
    change = corrections.history(course, "lesson", key)[0]
    assert change.action == "correction" and change.by_id == user.id
    assert "Typo-fixed." in change.after and "Typo-fixed." not in change.before
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lesson.correct"))
    # The draft got it too, since it still had the corrected text.
    assert "Typo-fixed." in _texts(_draft_lesson(course, key))["en"][1]
    # Running cohorts see it (the outline cache notices the correction).
    page = reader.get(f"/learn/{enrolment.id}/lessons/{key}")
    assert "Typo-fixed." in page.get_data(as_text=True)
    # The corrected version's export re-imports as the same version (its digest follows).
    folder = tmp_path / "corrected-export"
    export_course(course.key, folder)
    spec, files = load_course(folder / course.key)
    again = import_course(spec, files)
    assert again.created is False and again.version.id == version.id
    assert draft.state == "draft"


def test_a_correction_cannot_change_the_structure(app, db):
    course = _import()
    version = drafting.latest_published(course)
    key = "what-is-digital-diplomacy"
    revision = db.session.scalar(
        sa.select(LessonRevision)
        .join(Lesson)
        .where(LessonRevision.course_version_id == version.id, Lesson.key == key)
    )
    body = _texts(_published_lesson(course, key))["en"][1]
    with pytest.raises(ContentInvalid):
        corrections.correct(revision, "en", body + "\n\n{#extra}\nMore.", None)
    assert version.corrected_at is None
    assert corrections.history(course, "lesson", key) == []


# --- copies ----------------------------------------------------------------------------------


def test_copying_a_course_is_a_deep_copy_with_new_ids_and_attribution(client, db):
    from diplolearn.courses.writer import course_files

    course = _import()
    owner = _author(course)
    other = make_with_role(Role.INSTRUCTOR, _import(COURSES / "digital-diplomacy").id)
    login(client, other.email)
    response = post_form(
        client,
        f"/author/courses/{course.id}/copy",
        {"new_key": "basics-2027"},
        form_page=f"/author/courses/{course.id}",
    )
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Course).where(Course.key == "basics-2027"))
    assert copy.copied_from_id == course.id
    assert copy.attribution[-1]["course"] == course.key
    assert owner.display_name in copy.attribution[-1]["owners"]
    assert owners.is_owner(other, copy)
    original, copied = (drafting.spec_of(drafting.latest_published(c)) for c in (course, copy))
    copied.id = original.id
    assert course_files(copied) == course_files(original)

    def ids(model, c):
        return set(db.session.scalars(sa.select(model.id).where(model.course_id == c.id)))

    assert ids(Module, course).isdisjoint(ids(Module, copy))
    assert ids(Lesson, course).isdisjoint(ids(Lesson, copy))
    # The copier now edits the copy.
    assert client.get(f"/author/courses/{copy.id}").status_code == 200
    response = post_form(
        client, f"/author/courses/{copy.id}/draft", {}, form_page=f"/author/courses/{copy.id}"
    )
    assert response.status_code == 302


# --- permissions -------------------------------------------------------------------------------


def test_owners_and_coauthors_edit_other_instructors_read_and_copy_others_never(client, db):
    from tests.factories import make_cohort, make_ministry

    course = _import()
    owner = _author(course)
    drafting.open_draft(course, owner)
    base = f"/author/courses/{course.id}"
    key = "what-is-digital-diplomacy"
    coauthor = make_with_role(Role.INSTRUCTOR, course.id)
    other_course = _import(COURSES / "digital-diplomacy")
    reader = make_with_role(Role.INSTRUCTOR, other_course.id)
    cohort = make_cohort(course)
    learner, _ = make_learner(cohort)
    coordinator = make_with_role(Role.COORDINATOR, make_ministry().id)
    lead = make_with_role(Role.LEAD_INSTRUCTOR, cohort.id)
    from diplolearn.services.cohorts import cohorts as cohort_service

    tutor = make_with_role(Role.TUTOR, cohort_service.create_group(cohort, name="G", by=None).id)
    edit_pages = [
        f"{base}/lessons/{key}/edit",
        f"{base}/publish",
        f"{base}/modules/new",
        f"{base}/history/lesson/{key}",
    ]
    for user in (owner, coauthor):
        browser = _as(client, user)
        for path in edit_pages:
            assert browser.get(path).status_code == 200, (user, path)
    browser = _as(client, reader)
    assert browser.get(base).status_code == 200
    assert browser.get(f"{base}/lessons/{key}").status_code == 200
    for path in edit_pages:
        assert browser.get(path).status_code == 403, path
    page = browser.get(base).get_data(as_text=True)
    assert "Copy this course" in page and "Open a draft" not in page
    response = post_form(browser, f"{base}/lessons/{key}/edit", {"save": "1"}, form_page=base)
    assert response.status_code == 403
    # Only owners add co-authors.
    browser = _as(client, coauthor)
    response = post_form(browser, f"{base}/coauthors", {"email": reader.email}, form_page=base)
    assert response.status_code == 403
    browser = _as(client, owner)
    response = post_form(browser, f"{base}/coauthors", {"email": reader.email}, form_page=base)
    assert response.status_code == 302
    db.session.expire_all()
    assert course.id in {g.course_id for g in reader.grants}
    for user in (learner, coordinator, lead, tutor):
        browser = _as(client, user)
        for path in ["/author/", base, f"{base}/lessons/{key}", *edit_pages]:
            assert browser.get(path).status_code == 403, (user, path)
    assert client.get(base).status_code == 302  # anonymous: to the login page


# --- XSS: nothing executable reaches the preview or a learner's page ----------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<span onmouseover="alert(1)">hover</span>',
    "[click me](javascript:alert(1))",
    '<a href="jAvAsCrIpT:alert(1)">click</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"></svg>',
    '<span style="background:url(javascript:alert(1))">styled</span>',
    "<style>body { display: none }</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
]
DANGEROUS = re.compile(
    r"<script|<svg|<style|<iframe|<img|\son\w+=|javascript:|style=", re.IGNORECASE
)


def _lesson_html(html: str) -> str:
    begin = html.index('<article class="lesson')
    return html[begin : html.index("</article>", begin)]


def test_xss_payloads_never_survive_into_the_preview_or_the_learners_page(client, db):
    from diplolearn.security.headers import CONTENT_SECURITY_POLICY

    course = _import()
    user = _author(course, client)
    cohort = authoring_default_cohort(course)
    learner, enrolment = make_learner(cohort)
    draft = drafting.open_draft(course, user)
    key = "what-is-digital-diplomacy"
    path = f"/author/courses/{course.id}/lessons/{key}/edit"
    accepted = []
    for number, payload in enumerate(PAYLOADS):
        lesson = _draft_lesson(course, key)
        en, ar = _texts(lesson)["en"][1], _texts(lesson)["ar"][1]
        anchor = f"payload-{number}"
        data = _form_data(
            lesson,
            body_en=f"{en}\n\n{{#{anchor}}}\nBefore {payload} after.",
            body_ar=f"{ar}\n\n{{#{anchor}}}\nنص.",
        )
        preview = post_form(client, path, {**data, "save": "", "preview": "1"})
        assert preview.status_code == 200
        assert preview.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        shown = _section(preview.get_data(as_text=True), '<section class="preview"')
        assert f'id="preview-en-{anchor}"' in shown
        assert not DANGEROUS.search(shown), (payload, shown[-600:])
        saved = post_form(client, path, data)
        assert saved.status_code in (302, 422), payload
        if saved.status_code == 302:
            accepted.append(anchor)
        else:
            assert "sanitiser" in saved.get_data(as_text=True)
    assert accepted  # the Markdown javascript: link passes the file rules: the cleaner stops it
    version = publishing.publish(draft, user)
    publishing.move_cohort(cohort, version, user)
    page = _as(client, learner).get(f"/learn/{enrolment.id}/lessons/{key}")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    article = _lesson_html(page.get_data(as_text=True))
    for anchor in accepted:
        assert f'id="{anchor}"' in article
    assert not DANGEROUS.search(article), article[-1500:]


def test_the_learners_page_cleans_even_text_stored_behind_the_editors_back(client, db):
    course = _import()
    cohort = authoring_default_cohort(course)
    learner, enrolment = make_learner(cohort)
    key = "what-is-digital-diplomacy"
    version = drafting.latest_published(course)
    revision = db.session.scalar(
        sa.select(LessonRevision)
        .join(Lesson)
        .where(LessonRevision.course_version_id == version.id, Lesson.key == key)
    )
    paragraph = revision.paragraphs[0]
    paragraph.body = {**paragraph.body, "en": " ".join(PAYLOADS)}
    db.session.flush()
    page = _as(client, learner).get(f"/learn/{enrolment.id}/lessons/{key}")
    article = _lesson_html(page.get_data(as_text=True))
    assert "hover" in article and not DANGEROUS.search(article)


# --- browser edits export canonically ---------------------------------------------------------


def test_a_browser_edit_exports_canonically_and_round_trips_byte_for_byte(
    client, db, committed, tmp_path
):
    course = _import(COURSES / "digital-diplomacy")
    _author(course, client)
    base = f"/author/courses/{course.id}"
    assert post_form(client, f"{base}/draft", {}, form_page=base).status_code == 302
    key = "intro-digital-diplomacy"
    lesson = _draft_lesson(course, key)
    en = _texts(lesson)["en"][1].replace("\n", "\r\n")  # as a browser posts a text area
    ar = _texts(lesson)["ar"][1]
    response = post_form(
        client,
        f"{base}/lessons/{key}/edit",
        _form_data(
            lesson,
            body_en=en.replace("digital media revolution", "digital-media revolution")
            + "\r\n\r\n{#intro-browser}\r\nWritten in the browser: *emphasis*, “quotes” and é.  ",
            body_ar=ar + "\n\n{#intro-browser}\nكُتب في المتصفح.",
            body_fr=_texts(lesson)["fr"][1] + "\n\n{#intro-browser}\nÉcrit dans le navigateur.",
            title_en="Digital diplomacy: origins and meaning (edited)",
        ),
        form_page=f"{base}/lessons/{key}/edit",
    )
    assert response.status_code == 302, re.findall(
        r'class="flash[^>]*>([^<]*)<', response.get_data(as_text=True), re.S
    )
    assert post_form(client, f"{base}/publish", {}).status_code == 302
    first = tmp_path / "first"
    export_course(course.key, first)
    files = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    text = files[Path(course.key) / "introduction" / f"{key}.en.md"].decode()
    assert "{#intro-browser}\nWritten in the browser" in text and "\r" not in text
    assert "digital-media revolution" in text and "(edited)" in text
    # The export is canonical: the checker finds nothing, and importing it into an empty
    # database then exporting again gives the same bytes.
    spec, raw = load_course(first / course.key)
    with committed.app_context():
        import_course(spec, raw)
        _db.session.commit()
        second = tmp_path / "second"
        export_course(course.key, second)
    again = {p.relative_to(second): p.read_bytes() for p in second.rglob("*") if p.is_file()}
    assert again == files


def test_module_titles_are_saved_with_the_same_conflict_detection(app, db):
    course = _import()
    draft = drafting.open_draft(course, None)
    module = drafting.spec_of(draft).modules[0]
    token = drafting.token_of(module.title)
    outline.edit_module(draft, module.id, {**module.title, "en": "First title"}, token, None)
    with pytest.raises(StaleEdit) as stale:
        outline.edit_module(draft, module.id, {**module.title, "en": "Second title"}, token, None)
    assert stale.value.current["en"] == "First title"
    assert drafting.spec_of(draft).modules[0].title["en"] == "First title"
    with pytest.raises(ContentInvalid):
        outline.edit_module(
            draft,
            module.id,
            {"en": "No Arabic"},
            drafting.token_of(drafting.spec_of(draft).modules[0].title),
            None,
        )
    change = corrections.history(course, "module", module.id)[0]
    assert "en: First title" in change.after and change.before


def test_discarding_a_draft_leaves_published_versions_and_history(client, db):
    course = _import()
    user = _author(course, client)
    published = drafting.latest_published(course)
    draft = drafting.open_draft(course, user)
    _edit(draft, "what-is-digital-diplomacy", "en", lambda b: b + " Discarded.", user)
    base = f"/author/courses/{course.id}"
    assert client.get(f"{base}/draft/discard").status_code == 200
    assert post_form(client, f"{base}/draft/discard", {}).status_code == 302
    db.session.expire_all()
    assert drafting.draft_of(course) is None
    assert drafting.latest_published(course).id == published.id
    assert (
        "Discarded." not in _texts(_published_lesson(course, "what-is-digital-diplomacy"))["en"][1]
    )
    change = corrections.history(course, "lesson", "what-is-digital-diplomacy")[0]
    assert change.course_version_id is None and "Discarded." in change.after
    # A new draft starts again from the published version.
    assert drafting.open_draft(course, user).number == published.number + 1


# --- module settings, authors leaving, retiring a course (issue 7 parts 1 and 4) -------------


def _settings_form(client, base, key):
    """The module settings page's fields as it fills them (checkboxes as a browser posts)."""
    html = client.get(f"{base}/modules/{key}/settings").get_data(as_text=True)
    data: dict = {}
    for tag in re.findall(r"<(?:input|textarea)[^>]*>(?:[^<]*</textarea>)?", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        name = name.group(1)
        if tag.startswith("<textarea"):
            data[name] = re.sub(r"^<textarea[^>]*>\n?|</textarea>$", "", tag)
        elif 'type="checkbox"' in tag:
            if "checked" in tag:
                value = re.search(r'value="([^"]*)"', tag).group(1)
                data.setdefault(name, []).append(value)
        else:
            value = re.search(r'value="([^"]*)"', tag)
            data[name] = value.group(1) if value else ""
    return {
        k: v[0] if isinstance(v, list) and len(v) == 1 and k != "prerequisites" else v
        for k, v in data.items()
    }


def test_module_settings_and_lesson_minutes_are_edited_on_the_draft_with_history(client, db):
    from diplolearn.services.authoring import module_settings

    course = _import()
    _author(course, client)
    draft = drafting.open_draft(course, None)
    _db.session.commit()
    base = f"/author/courses/{course.id}"
    assert f"{base}/modules/social-media/settings" in client.get(base).get_data(as_text=True)
    data = _settings_form(client, base, "social-media")
    assert data["week"] == "2" and data["prerequisites"] == ["foundations"]
    data.update(
        {
            "objectives_en": "Use social media well\nMeasure reach",
            "objectives_ar": "استعمال وسائل التواصل\nقياس الانتشار",
            "estimated_minutes": "40",
            "week": "5",
            "discussion_en": "Which platform?",
            "discussion_ar": "أي منصة؟",
            "lesson_minutes_0": "17",
            "save": "1",
        }
    )
    data.pop("lesson_required_0", None)  # unticked
    data.pop("required", None)  # the module too
    response = post_form(client, f"{base}/modules/social-media/settings", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    _db.session.expire_all()
    module = drafting.find_module(drafting.spec_of(draft), "social-media")
    assert module.objectives["en"] == ["Use social media well", "Measure reach"]
    assert (module.estimated_minutes, module.week, module.required) == (40, 5, False)
    assert module.discussion.prompt == {"en": "Which platform?", "ar": "أي منصة؟"}
    assert module.discussion.id == "social-media-discussion"
    first = module.lessons[0]
    assert (first.required, first.estimated_minutes) == (False, 17)
    # The published version is untouched; the history shows both changes.
    published = drafting.find_module(
        drafting.spec_of(drafting.latest_published(course)), "social-media"
    )
    assert published.week == 2 and published.discussion is None
    change = corrections.history(course, "module", "social-media")[0]
    assert "week: 2" in change.before and "week: 5" in change.after
    assert "discussion en: Which platform?" in change.after
    lesson_change = corrections.history(course, "lesson", first.id)[0]
    assert "required: no" in lesson_change.after and "17" in lesson_change.after
    # A stale token is refused with the current settings; nothing is written.
    response = post_form(client, f"{base}/modules/social-media/settings", {**data, "week": "9"})
    assert response.status_code == 409
    assert "week: 5" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert drafting.find_module(drafting.spec_of(draft), "social-media").week == 5
    # The draft still passes the full course check and publishes.
    assert publishing.check_spec(drafting.spec_of(draft))[0] == []
    token = module_settings.settings_token(module)
    assert (
        module_settings.settings_token(
            drafting.find_module(drafting.spec_of(draft), "social-media")
        )
        == token
    )


def test_prerequisites_follow_the_course_checks_rule_and_bad_settings_save_nothing(app, db):
    from diplolearn.services.authoring import module_settings

    course = _import()
    draft = drafting.open_draft(course, None)

    def save(key, **changes):
        module = drafting.find_module(drafting.spec_of(draft), key)
        current = module_settings.module_settings(module)
        settings = {
            **current,
            "objectives": {k: "\n".join(v) for k, v in current["objectives"].items()},
            "lessons": {lesson["id"]: lesson for lesson in current["lessons"]},
            **changes,
        }
        module_settings.edit_module_settings(
            draft, key, settings, module_settings.settings_token(module), None
        )

    before = drafting.spec_of(draft)
    for prerequisites, message in (
        (["virtual-embassies"], "comes after"),
        (["foundations", "no-such-module"], "not a module"),
        (["social-media"], "cannot require itself"),
    ):
        with pytest.raises(ContentInvalid) as refused:
            save("social-media", prerequisites=prerequisites)
        assert any(message in p for p in refused.value.problems), refused.value.problems
    # A cycle is impossible: foundations cannot require a module listed after it.
    with pytest.raises(ContentInvalid):
        save("foundations", prerequisites=["virtual-embassies"])
    # Every problem at once, nothing half-saved.
    with pytest.raises(ContentInvalid) as refused:
        save(
            "social-media",
            week=60,
            estimated_minutes=0,
            objectives={"en": "Only English"},
            discussion={"en": "<script>x</script>"},
            prerequisites=[],
        )
    assert len(refused.value.problems) >= 4
    assert drafting.spec_of(draft) == before
    assert corrections.history(course, "module", "social-media") == []
    # Dropping a prerequisite is fine and recorded.
    save("virtual-embassies", prerequisites=[])
    assert drafting.find_module(drafting.spec_of(draft), "virtual-embassies").prerequisites == []
    assert "prerequisites: —" in corrections.history(course, "module", "virtual-embassies")[0].after
    # An existing discussion keeps its id and the paragraph it refers to.
    discussion = drafting.find_module(drafting.spec_of(draft), "foundations").discussion
    save("foundations", discussion={**discussion.prompt, "en": "A new prompt?"})
    changed = drafting.find_module(drafting.spec_of(draft), "foundations").discussion
    assert (changed.id, changed.refers_to) == (discussion.id, discussion.refers_to)
    assert changed.prompt["en"] == "A new prompt?"
    with pytest.raises(ContentInvalid):  # not removed by emptying it
        save("foundations", discussion={})
    # Reordering keeps the same rule: social-media needs foundations, so it cannot go first.
    with pytest.raises(ContentInvalid) as refused:
        outline.move(draft, "module", "social-media", "up", None)
    assert any("needs foundations first" in p for p in refused.value.problems)
    assert [m.id for m in drafting.spec_of(draft).modules][:2] == ["foundations", "social-media"]


def test_owners_remove_coauthors_never_the_last_owner_audited_and_listed(client, db):
    course = _import()
    owner = _author(course)
    coauthor = owners.add_coauthor(course, make_with_role(Role.INSTRUCTOR, course.id).email, owner)
    _db.session.commit()
    base = f"/author/courses/{course.id}"
    browser = _as(client, owner)
    authors = _section(browser.get(base).get_data(as_text=True), 'id="authors"')
    assert owner.display_name in authors and coauthor.display_name in authors
    assert f"{base}/authors/{coauthor.id}/remove" in authors
    assert f"{base}/authors/{owner.id}/remove" not in authors  # the only owner
    # A co-author may not remove anyone.
    response = post_form(
        _as(client, coauthor), f"{base}/authors/{owner.id}/remove", {}, form_page=base
    )
    assert response.status_code == 403
    # Someone who is not an author of this course: 404.
    stranger = make_with_role(Role.INSTRUCTOR, _import(COURSES / "digital-diplomacy").id)
    response = post_form(browser, f"{base}/authors/{stranger.id}/remove", {}, form_page=base)
    assert response.status_code == 404
    # The last owner stays, even for an administrator.
    admin = make_with_role(Role.ADMINISTRATOR)
    response = post_form(
        _as(client, admin), f"{base}/authors/{owner.id}/remove", {}, form_page=base
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert owners.is_owner(owner, course)
    # Only the refused change is undone (a rollback of the whole session would also undo the
    # sign-ins above, which this connection's test transaction holds).
    refused = _db.session.begin_nested()
    with pytest.raises(AuthoringError):
        owners.remove_author(course, owner, admin)
    refused.rollback()
    response = post_form(browser, f"{base}/authors/{coauthor.id}/remove", {}, form_page=base)
    assert response.status_code == 302
    _db.session.expire_all()
    assert course.id not in {g.course_id for g in coauthor.grants}
    assert _as(client, coauthor).get(f"{base}/publish").status_code == 403
    event = _db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "course.coauthor_remove")
    )
    assert event is not None and event.subject_user_id == coauthor.id
    # With a second owner, an owner can go (and loses editing).
    second = _author(course)
    _db.session.commit()
    response = post_form(
        _as(client, second), f"{base}/authors/{owner.id}/remove", {}, form_page=base
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base}#authors")
    # The removed owner may no longer remove anyone.
    response = post_form(browser, f"{base}/authors/{second.id}/remove", {}, form_page=base)
    assert response.status_code == 403
    # An owner who leaves is sent home (they may not reach the course any more).
    third = _author(course)
    _db.session.commit()
    response = post_form(
        _as(client, second), f"{base}/authors/{second.id}/remove", {}, form_page=base
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    _db.session.expire_all()
    assert owners.owners(course) == [third]
    assert not owners.is_owner(owner, course)


def test_retiring_a_course_is_refused_while_a_cohort_runs_and_keeps_records(client, db):
    from diplolearn.models import AuditEvent as Event
    from diplolearn.models import EnrolmentState
    from diplolearn.services.certificates import certificates
    from tests.factories import make_cohort

    course = _import()
    owner = _author(course)
    coauthor = make_with_role(Role.INSTRUCTOR, course.id)
    cohort = make_cohort(course)
    cohort.name = {"en": "Spring cohort", "ar": "دفعة الربيع"}
    _learner, enrolment = make_learner(cohort)
    _db.session.commit()
    base = f"/author/courses/{course.id}"
    assert _as(client, coauthor).get(f"{base}/retire").status_code == 403
    browser = _as(client, owner)
    page = browser.get(f"{base}/retire")
    assert page.status_code == 409 and "Spring cohort" in page.get_data(as_text=True)
    response = post_form(browser, f"{base}/retire", {}, follow_redirects=True)
    assert "Spring cohort" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert course.retired_at is None
    # The cohort finishes: the course can be retired; the certificate stays verifiable.
    enrolment.move_to(EnrolmentState.COMPLETED)
    certificate = certificates.issue_certificate(enrolment)
    _db.session.commit()
    assert browser.get(f"{base}/retire").status_code == 200
    assert f'href="{base}"' in browser.get("/teach/").get_data(as_text=True)
    assert post_form(browser, f"{base}/retire", {}).status_code == 302
    _db.session.expire_all()
    assert course.retired_at is not None
    assert _db.session.scalar(sa.select(Event).where(Event.action == "course.retire"))
    assert f'href="{base}"' not in browser.get("/author/").get_data(as_text=True)
    teach = browser.get("/teach/")
    assert teach.status_code == 200 and f'href="{base}"' not in teach.get_data(as_text=True)
    assert browser.get(base).status_code == 404
    assert _db.session.get(type(enrolment), enrolment.id).state == "completed"
    assert client.get(f"/verify/{certificate.code}").status_code == 200


def test_an_administrator_names_the_owner_of_a_course_imported_from_files(client, db):
    """A course from `flask courses import` has no owner: an administrator names one through
    the co-author form, and that owner may then add co-authors (a co-author may not)."""
    course = _import()
    admin = make_with_role(Role.ADMINISTRATOR)
    future_owner = make_with_role(Role.INSTRUCTOR, course.id)
    helper = make_with_role(Role.INSTRUCTOR, course.id)
    base = f"/author/courses/{course.id}"
    assert owners.owners(course) == []
    response = post_form(
        _as(client, admin),
        f"{base}/coauthors",
        {"email": future_owner.email, "as_owner": "y"},
        form_page=base,
    )
    assert response.status_code == 302
    assert owners.is_owner(future_owner, course)
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "course.owner_add"))
        is not None
    )
    # The new owner adds a plain co-author; that co-author cannot name owners.
    newcomer = make_with_role(Role.INSTRUCTOR, make_course().id)
    response = post_form(
        _as(client, future_owner), f"{base}/coauthors", {"email": newcomer.email}, form_page=base
    )
    assert response.status_code == 302 and not owners.is_owner(newcomer, course)
    response = post_form(
        _as(client, helper),
        f"{base}/coauthors",
        {"email": newcomer.email, "as_owner": "y"},
        form_page=base,
    )
    assert response.status_code == 403 and not owners.is_owner(newcomer, course)
