"""Authoring quizzes, banks and assignments (issue 7 part 2): every question kind created and
edited in the browser with the course check's validation (422, nothing saved), reorder and
retire, stale tokens (409), a preview that records nothing and shows no answer key,
permissions, and a published draft that exports canonically and re-imports equal."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn import questions as question_types
from diplolearn.courses.check import load_course
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db as _db
from diplolearn.models import (
    AttemptQuestion,
    AuditEvent,
    ContentChange,
    LessonProgress,
    Question,
    QuizAttempt,
    Response,
    Role,
)
from diplolearn.services.authoring import (
    ContentInvalid,
    assessment_items,
    assignment_authoring,
    corrections,
    drafting,
    outline,
    owners,
    question_authoring,
    quiz_preview,
)
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from tests.conftest import login, post_form
from tests.factories import make_with_role

COURSES = Path(__file__).parent.parent / "courses"
BASICS = COURSES / "digital-diplomacy-basics"
QUIZ = "foundations-quiz"


def _setup(client):
    spec, files = load_course(BASICS)
    course = import_course(spec, files).course
    user = make_with_role(Role.INSTRUCTOR, course.id)
    owners.add_owner(course, user, None)
    _db.session.commit()
    login(client, user.email)
    base = f"/author/courses/{course.id}"
    assert post_form(client, f"{base}/draft", {}, form_page=base).status_code == 302
    return course, user, base


def _spec(course):
    return drafting.spec_of(drafting.draft_of(course))


def _flashes(response) -> list[str]:
    return [
        html.unescape(text)
        for text in re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', response.get_data(as_text=True))
    ]


def _rows(*rows) -> dict:
    data = {"rows_shown": str(max(len(rows), 4))}
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"r{i}_{name}"] = value
    return data


def _choice(key, correct=False, **extra):
    row = {"id": key, "text_ar": f"نص {key}", "text_en": f"Text {key}"}
    if correct:
        row["correct"] = "y"
    row.update(extra)
    return row


# kind -> (valid form data, invalid changes, expected problem text)
KINDS = {
    "single_choice": (
        {**_rows(_choice("a", True), _choice("b"))},
        {"r0_correct": ""},
        "has no correct answer",
    ),
    "multiple_select": (
        {**_rows(_choice("a", True), _choice("b", True), _choice("c"))},
        {"r0_correct": "", "r1_correct": ""},
        "has no correct answer",
    ),
    "true_false": ({"answer": "false"}, {"prompt_ar": ""}, "has no 'ar' text"),
    "numeric": (
        {"answer": "42.5", "tolerance": "0.5", "tolerance_type": "absolute"},
        {"tolerance": ""},
        "has no tolerance",
    ),
    "short_text": (
        {"accepted_ar": "جنيف", "accepted_en": "Geneva\ngeneve", "accents": "ignored"},
        {"accepted_en": ""},
        "no accepted answer in 'en'",
    ),
    "matching": (
        {
            **_rows(
                _choice("i1", match="m1"), _choice("i2", match="m2"), _choice("m1"), _choice("m2")
            )
        },
        {"r1_match": "nowhere"},
        "which is not one of the question's matches",
    ),
    "ordering": (
        {**_rows(_choice("first"), _choice("second"), _choice("third"))},
        {
            "r1_id": "",
            "r1_text_ar": "",
            "r1_text_en": "",
            "r2_id": "",
            "r2_text_ar": "",
            "r2_text_en": "",
        },
        "needs at least two items",
    ),
    "essay": ({}, {"points": "0"}, "points must be at least 1"),
}


def _question_data(key: str, kind: str, **changes) -> dict:
    data = {
        "key": key,
        "points": "2",
        "prompt_ar": f"سؤال {kind}",
        "prompt_en": f"A {kind} question",
        "feedback_en": "",
        "save": "1",
        **KINDS[kind][0],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_created_validated_and_edited(client, db, kind):
    course, _user, base = _setup(client)
    new = f"{base}/quizzes/{QUIZ}/questions/new/{kind}"
    assert client.get(new).status_code == 200
    key = f"new-{kind.replace('_', '-')}"
    # Invalid first: refused whole with the course check's own words, nothing saved.
    changes_before = db.session.scalar(sa.select(sa.func.count()).select_from(ContentChange))
    response = post_form(client, new, _question_data(key, kind, **KINDS[kind][1]))
    assert response.status_code == 422
    assert any(KINDS[kind][2] in text for text in _flashes(response)), _flashes(response)
    assert assessment_items.find_question(_spec(course), key)[1] is None
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(ContentChange)) == changes_before
    )
    # Valid: added at the end of the quiz, with a logical question and a history line.
    response = post_form(client, new, _question_data(key, kind), form_page=new)
    assert response.status_code == 302, _flashes(response)
    quiz, question = assessment_items.find_question(_spec(course), key)
    assert quiz.id == QUIZ and quiz.questions[-1] is question
    assert question.kind == kind and question.points == 2
    assert question.prompt == {"ar": f"سؤال {kind}", "en": f"A {kind} question"}
    if kind == "numeric":
        assert (question.answer, question.tolerance) == (42.5, 0.5)
    if kind == "short_text":
        assert question.accepted == {"ar": ["جنيف"], "en": ["Geneva", "geneve"]}
    if kind == "matching":
        assert {c.id: c.match for c in question.choices} == {
            "i1": "m1",
            "i2": "m2",
            "m1": None,
            "m2": None,
        }
    if kind == "single_choice":
        assert [(c.id, c.correct) for c in question.choices] == [("a", True), ("b", False)]
    assert [c.action for c in corrections.history(course, "question", key)] == ["create"]
    # Edit: the page shows the saved values; a bad edit changes nothing; a good one saves.
    edit = f"{base}/questions/{key}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert f"A {kind} question" in page
    token = assessment_items.question_token(question)
    bad = {**_question_data(key, kind, **KINDS[kind][1]), "token": token}
    bad.pop("key")
    assert post_form(client, edit, bad).status_code == 422
    assert (
        assessment_items.question_token(assessment_items.find_question(_spec(course), key)[1])
        == token
    )
    good = {**_question_data(key, kind, prompt_en="Edited prompt"), "token": token}
    good.pop("key")
    response = post_form(client, edit, good, form_page=edit)
    assert response.status_code == 302, _flashes(response)
    assert assessment_items.find_question(_spec(course), key)[1].prompt["en"] == "Edited prompt"
    assert [c.action for c in corrections.history(course, "question", key)] == ["edit", "create"]


def test_add_more_rows_reposts_the_form_without_saving(client, db):
    course, _user, base = _setup(client)
    new = f"{base}/quizzes/{QUIZ}/questions/new/single_choice"
    data = _question_data("more-rows", "single_choice")
    data.pop("save")
    response = post_form(client, new, {**data, "more": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="r6_id"' in page and 'name="r7_id"' not in page  # 4 rows + 3
    assert 'value="Text a"' in page  # what was typed stays
    assert assessment_items.find_question(_spec(course), "more-rows")[1] is None


def test_reorder_and_retire_questions(client, db):
    course, _user, base = _setup(client)
    first, second = [q.id for q in assessment_items.find_quiz(_spec(course), QUIZ)[1].questions[:2]]
    assert (
        post_form(
            client,
            f"{base}/questions/{first}/move",
            {"down": "1"},
            form_page=f"{base}/modules/foundations/assessment",
        ).status_code
        == 302
    )
    assert [q.id for q in assessment_items.find_quiz(_spec(course), QUIZ)[1].questions[:2]] == [
        second,
        first,
    ]
    retire = f"{base}/questions/{second}/retire"
    assert client.get(retire).status_code == 200
    assert post_form(client, retire, {}).status_code == 302
    assert assessment_items.find_question(_spec(course), second)[1] is None
    logical = db.session.scalar(
        sa.select(Question).where(Question.course_id == course.id, Question.key == second)
    )
    assert logical.retired_at is None  # retired when published, never deleted
    assert post_form(client, f"{base}/publish", {}).status_code == 302
    db.session.refresh(logical)
    assert logical.retired_at is not None
    assert [c.action for c in corrections.history(course, "question", second)] == [
        "retire",
        "move",
    ] or [c.action for c in corrections.history(course, "question", first)] == ["move"]
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "question.retire"))


def test_a_stale_token_is_refused_with_409_and_nothing_overwritten(client, db):
    course, user, base = _setup(client)
    key = assessment_items.find_quiz(_spec(course), QUIZ)[1].questions[0].id
    question = assessment_items.find_question(_spec(course), key)[1]
    old_token = assessment_items.question_token(question)
    # Someone else saves first.
    values = question_authoring.question_input_of(question)
    values.prompt["en"] = "Saved by a colleague"
    question_authoring.edit_question(drafting.draft_of(course), key, values, old_token, user)
    db.session.commit()
    edit = f"{base}/questions/{key}/edit"
    data = {
        "token": old_token,
        "points": "1",
        "prompt_ar": "نص",
        "prompt_en": "Mine",
        "save": "1",
        **_rows(
            *[
                {
                    "id": c.id,
                    "correct": "y" if c.correct else "",
                    "text_ar": c.text["ar"],
                    "text_en": c.text["en"],
                }
                for c in question.choices
            ]
        ),
    }
    response = post_form(client, edit, data)
    assert response.status_code == 409
    assert "Saved by a colleague" in response.get_data(as_text=True)
    assert (
        assessment_items.find_question(_spec(course), key)[1].prompt["en"] == "Saved by a colleague"
    )
    # The quiz settings and assignments use the same check.
    settings = f"{base}/quizzes/{QUIZ}/edit"
    assert (
        post_form(
            client,
            settings,
            {
                "token": "stale",
                "title_ar": "ا",
                "title_en": "T",
                "pass_mark": "50",
                "grading_method": "highest",
                "feedback_shown": "immediately",
                "answers_shown": "after_attempt",
                "partial_credit": "all_or_nothing",
                "save": "1",
            },
        ).status_code
        == 409
    )


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_preview_grades_in_memory_records_nothing_and_shows_no_key(client, db):
    course, _user, base = _setup(client)
    for kind in ("numeric", "short_text", "matching", "ordering", "essay"):
        new = f"{base}/quizzes/{QUIZ}/questions/new/{kind}"
        key = f"preview-{kind.replace('_', '-')}"
        assert post_form(client, new, _question_data(key, kind)).status_code == 302
    draft = drafting.draft_of(course)
    revision = quiz_preview.draft_quiz_revision(draft, QUIZ)
    assert {link.question_revision.kind for link in revision.questions} >= {
        "numeric",
        "short_text",
        "matching",
        "ordering",
        "essay",
        "single_choice",
    }
    correct_keys = {
        c.key for link in revision.questions for c in link.question_revision.choices if c.is_correct
    }
    models = (QuizAttempt, AttemptQuestion, Response, LessonProgress, ContentChange, AuditEvent)
    before = {m: _count(db, m) for m in models}
    url = f"{base}/quizzes/{QUIZ}/preview"
    page = client.get(url).get_data(as_text=True)
    for key in correct_keys | {"m1", "m2", "i1", "first", "second", "third"}:
        assert f'"{key}"' not in page and f">{key}<" not in page, key
    assert "42.5" not in page and "Geneva" not in page
    assert "is-correct" not in page and "correct answer" not in page
    seed = re.search(r'name="seed" type="hidden" value="([0-9a-f]+)"', page).group(1)
    items = quiz_preview.preview_draw(revision, seed)
    answers = {}
    for item in items:
        kind = question_types.get(item.question.kind)
        answers[item.name] = kind.model_answer(item.question, item.tokens) or []
    response = post_form(client, url, {"seed": seed, **answers}, form_page=url)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    # Everything right but the essay, which waits for a person (2 of the points).
    assert "Graded by a tutor or instructor" in text
    assert "Passed" in text
    assert "correct answer" in text  # the review shows the key after answering
    # A wrong answer everywhere: graded in memory too.
    response = post_form(client, url, {"seed": seed}, form_page=url)
    assert "Not passed" in response.get_data(as_text=True)
    # A token from another draw is refused, not recorded.
    bad = {name: ["forged"] for name in answers}
    assert post_form(client, url, {"seed": seed, **bad}, form_page=url).status_code == 409
    assert {m: _count(db, m) for m in models} == before


def test_quiz_settings_bank_draws_and_assignment_publish_and_round_trip(client, db, tmp_path):
    course, _user, base = _setup(client)
    # Quiz settings: validated by the check's rules.
    settings = f"{base}/quizzes/{QUIZ}/edit"
    token = assessment_items.quiz_token(assessment_items.find_quiz(_spec(course), QUIZ)[1])
    data = {
        "token": token,
        "title_ar": "اختبار",
        "title_en": "Quiz one",
        "pass_mark": "150",
        "max_attempts": "2",
        "grading_method": "last",
        "feedback_shown": "after_attempt",
        "answers_shown": "never",
        "partial_credit": "right_minus_wrong",
        "shuffle_questions": "y",
        "required": "y",
        "save": "1",
    }
    response = post_form(client, settings, data)
    assert response.status_code == 422
    assert any("pass_mark is a percentage" in t for t in _flashes(response))
    assert (
        post_form(client, settings, {**data, "pass_mark": "70"}, form_page=settings).status_code
        == 302
    )
    history = client.get(f"{base}/history/quiz/{QUIZ}")
    assert history.status_code == 200
    change = corrections.history(course, "quiz", QUIZ)[0]
    assert change.action == "edit" and "pass_mark: 70" in change.after
    assert client.get(f"{base}/changes/{change.id}").status_code == 200
    quiz = assessment_items.find_quiz(_spec(course), QUIZ)[1]
    assert (
        quiz.pass_mark,
        quiz.max_attempts,
        quiz.grading_method,
        quiz.answers_shown,
        quiz.partial_credit,
        quiz.shuffle_choices,
    ) == (70, 2, "last", "never", "right_minus_wrong", False)
    # A bank category with two questions, and a draw of one of them.
    new_cat = f"{base}/modules/foundations/bank/new"
    assert (
        post_form(
            client, new_cat, {"key": "basics-bank", "title_ar": "بنك", "save": "1"}
        ).status_code
        == 422
    )
    assert (
        post_form(
            client,
            new_cat,
            {"key": "basics-bank", "title_ar": "بنك", "title_en": "Bank", "save": "1"},
            form_page=new_cat,
        ).status_code
        == 302
    )
    for key in ("bank-one", "bank-two"):
        new = f"{base}/bank/basics-bank/questions/new/true_false"
        assert post_form(client, new, _question_data(key, "true_false")).status_code == 302
    draws = f"{base}/quizzes/{QUIZ}/draws"
    draw_token = assessment_items.draws_token(assessment_items.find_quiz(_spec(course), QUIZ)[1])
    row = {
        "token": draw_token,
        "rows_shown": "2",
        "d0_category": "basics-bank",
        "d1_category": "",
        "d0_position": "2",
        "save": "1",
    }
    response = post_form(client, draws, {**row, "d0_count": "3"})
    assert response.status_code == 422
    assert any("which holds 2" in t for t in _flashes(response))
    assert post_form(client, draws, {**row, "d0_count": "1"}, form_page=draws).status_code == 302
    assert [
        (d.category, d.count, d.position)
        for d in assessment_items.find_quiz(_spec(course), QUIZ)[1].draws
    ] == [("basics-bank", 1, 1)]
    # An assignment with a rubric: incomplete rubrics are refused.
    url = f"{base}/modules/social-media/assignment"
    assert client.get(url).status_code == 200
    form = {
        "token": assessment_items.assignment_token(None),
        "key": "basics-essay",
        "title_ar": "مقال",
        "title_en": "Essay",
        "prompt_ar": "اكتب",
        "prompt_en": "Write",
        "required": "y",
        "completion": "passed",
        "pass_mark": "50",
        "format_text": "y",
        "criteria_shown": "1",
        "levels_shown": "2",
        "c0_id": "clarity",
        "c0_points": "4",
        "c0_text_ar": "الوضوح",
        "c0_text_en": "Clarity",
        "c0_l0_points": "4",
        "c0_l0_text_ar": "واضح",
        "c0_l0_text_en": "Clear",
        "save": "1",
    }
    response = post_form(client, url, form)
    assert response.status_code == 422
    assert any("needs at least two levels" in t for t in _flashes(response))
    assert drafting.find_module(_spec(course), "social-media").assignment is None
    form.update({"c0_l1_points": "0", "c0_l1_text_ar": "غامض", "c0_l1_text_en": "Unclear"})
    response = post_form(client, url, form, form_page=url)
    assert response.status_code == 302, _flashes(response)
    assignment = drafting.find_module(_spec(course), "social-media").assignment
    assert [(c.id, [lv.points for lv in c.levels]) for c in assignment.rubric] == [
        ("clarity", [4, 0])
    ]
    assert assignment.formats == ["text"] and assignment.pass_mark == 50
    # Editing the existing one: the page shows its rubric; a level above the criterion's
    # points is refused; the edit keeps the rest.
    existing = f"{base}/modules/foundations/assignment"
    page = client.get(existing).get_data(as_text=True)
    assert 'value="essay-accuracy"' in page and "Accuracy of the concepts" in page
    before = drafting.find_module(_spec(course), "foundations").assignment
    values = assignment_authoring.assignment_input_of(before)
    values.criteria[0].levels[0].points = "9"
    with pytest.raises(ContentInvalid):
        assignment_authoring.save_assignment(
            drafting.draft_of(course),
            "foundations",
            values,
            assessment_items.assignment_token(before),
            None,
        )
    values.criteria[0].levels[0].points = "4"
    values.max_words = "400"
    assignment_authoring.save_assignment(
        drafting.draft_of(course),
        "foundations",
        values,
        assessment_items.assignment_token(before),
        None,
    )
    db.session.commit()
    assert drafting.find_module(_spec(course), "foundations").assignment.max_words == 400
    assert client.get(f"{base}/history/assignment/foundations-essay").status_code == 200
    # The overview lists it all; publish; the export is canonical and re-imports equal.
    page = client.get(f"{base}/modules/foundations/assessment").get_data(as_text=True)
    assert "basics-bank" in page and "bank-two" in page
    assert "clarity" in client.get(f"{base}/modules/social-media/assessment").get_data(as_text=True)
    response = post_form(client, f"{base}/publish", {})
    assert response.status_code == 302, _flashes(response)
    first = tmp_path / "first"
    export_course(course.key, first)
    files = {
        p.relative_to(first / course.key).as_posix(): p.read_bytes()
        for p in (first / course.key).rglob("*")
        if p.is_file()
    }
    assert "foundations/bank.yaml" in files
    spec, _raw = load_course(first / course.key)  # the checker finds nothing
    assert course_file_bytes(spec) == files
    spec.id = "basics-round-trip"
    copy = import_course(spec, course_file_bytes(spec)).course
    second = tmp_path / "second"
    export_course(copy.key, second)
    again = {
        p.relative_to(second / copy.key).as_posix(): p.read_bytes()
        for p in (second / copy.key).rglob("*")
        if p.is_file()
    }
    assert {k: v for k, v in again.items() if k != "course.yaml"} == {
        k: v for k, v in files.items() if k != "course.yaml"
    }


def test_authors_edit_other_instructors_read_others_never(client, db):
    course, _user, base = _setup(client)
    edit_pages = [
        f"{base}/quizzes/{QUIZ}/edit",
        f"{base}/quizzes/{QUIZ}/preview",
        f"{base}/quizzes/{QUIZ}/questions/new/essay",
        f"{base}/modules/foundations/assignment",
        f"{base}/modules/foundations/bank/new",
        f"{base}/quizzes/{QUIZ}/draws",
    ]
    for url in [*edit_pages, f"{base}/modules/foundations/assessment"]:
        assert client.get(url).status_code == 200, url
    from diplolearn.services.cohorts import cohorts as cohort_service
    from tests.factories import make_cohort, make_learner, make_ministry

    other_spec, other_files = load_course(COURSES / "digital-diplomacy")
    other = make_with_role(Role.INSTRUCTOR, import_course(other_spec, other_files).course.id)
    coauthor = make_with_role(Role.INSTRUCTOR, course.id)
    db.session.commit()
    browser = client.application.test_client()
    login(browser, coauthor.email)
    for url in edit_pages:
        assert browser.get(url).status_code == 200, url
    reader = client.application.test_client()
    login(reader, other.email)
    page = reader.get(f"{base}/modules/foundations/assessment")
    assert page.status_code == 200
    assert "/preview" not in page.get_data(as_text=True)
    assert "/edit" not in page.get_data(as_text=True)
    for url in edit_pages:
        assert reader.get(url).status_code == 403, url
    assert (
        post_form(
            reader,
            f"{base}/quizzes/{QUIZ}/edit",
            {"save": "1"},
            form_page=f"{base}/modules/foundations/assessment",
        ).status_code
        == 403
    )
    cohort = make_cohort(course)
    learner, _ = make_learner(cohort)
    coordinator = make_with_role(Role.COORDINATOR, make_ministry().id)
    tutor = make_with_role(Role.TUTOR, cohort_service.create_group(cohort, name="G", by=None).id)
    db.session.commit()
    for user in (learner, coordinator, tutor):
        outsider = client.application.test_client()
        login(outsider, user.email)
        for url in [*edit_pages, f"{base}/modules/foundations/assessment"]:
            assert outsider.get(url).status_code == 403, (user, url)


def test_a_new_module_gets_a_quiz_then_questions_and_the_draft_publishes(client, db):
    course, user, base = _setup(client)
    outline.create_module(
        drafting.draft_of(course), "practice", {"ar": "تمرين", "en": "Practice"}, user
    )
    db.session.commit()
    url = f"{base}/modules/practice/quiz/new"
    page = client.get(url).get_data(as_text=True)
    assert 'name="key"' in page
    data = {
        "token": assessment_items.quiz_token(None),
        "key": "practice-quiz",
        "title_ar": "اختبار",
        "title_en": "Practice quiz",
        "pass_mark": "50",
        "grading_method": "highest",
        "feedback_shown": "immediately",
        "answers_shown": "after_attempt",
        "partial_credit": "all_or_nothing",
        "required": "y",
        "save": "1",
    }
    response = post_form(client, url, {**data, "key": QUIZ})  # quiz ids are unique
    assert response.status_code == 422
    assert drafting.find_module(_spec(course), "practice").quiz is None
    assert post_form(client, url, data, form_page=url).status_code == 302
    # Without questions the draft is not published: the course check says why.
    response = post_form(client, f"{base}/publish", {})
    assert response.status_code == 409 and "has no questions" in html.unescape(
        response.get_data(as_text=True)
    )
    assert drafting.draft_of(course) is not None
    new = f"{base}/quizzes/practice-quiz/questions/new/numeric"
    assert post_form(client, new, _question_data("practice-q1", "numeric")).status_code == 302
    response = post_form(client, f"{base}/publish", {})
    assert response.status_code == 302, _flashes(response)
    published = drafting.spec_of(drafting.latest_published(course))
    quiz = drafting.find_module(published, "practice").quiz
    assert quiz.id == "practice-quiz" and [q.id for q in quiz.questions] == ["practice-q1"]
