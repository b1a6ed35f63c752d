"""A question type is a whole plug-in: a ninth type, declared and registered in this test
module only, is read from a course file, checked (problems with file and line), written back
byte for byte, imported and exported with its settings, authored in the question editor,
shown to a learner and graded — with no other module knowing its kind. It is unregistered
after each test."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from wtforms import StringField
from wtforms.validators import Length, Optional

from diplolearn import questions
from diplolearn.courses.check import check_course, item_problems, load_course
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db as _db
from diplolearn.models import Question, QuestionRevision, Role
from diplolearn.questions.base import ALL_OR_NOTHING, ChoiceResult, QuestionType, only_one
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.authoring import drafting, owners
from diplolearn.services.authoring.assessment_items import find_question
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.cohorts import organisations
from tests.conftest import login, post_form
from tests.factories import make_learner, make_with_role

DATA = Path(__file__).parent / "data" / "question-types"
BASICS = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"
FINAL_QUIZ = "qt-final/quiz.yaml"
KEYWORD_QUESTION = """\
  - id: qt-keyword
    kind: keyword
    points: 2
    prompt:
      ar: ما المدينة التي تستضيف مقر الأمم المتحدة في أوروبا؟
      en: Which city hosts the UN's European headquarters?
    keyword: geneva
"""


class Keyword(QuestionType):
    """A toy type: a typed answer that is right when it contains the question's keyword."""

    kind = "keyword"
    label = "Keyword"
    layout = "input"
    shuffle_choices = False
    file_fields = frozenset({"keyword"})

    # taking and grading
    def build_field(self, label, options, answer, tokens, question=None):
        return StringField("Your answer", default=(answer or {}).get("text", ""))

    def parse(self, values, keys_by_token, question=None):
        return {"text": only_one(values).strip()}

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING):
        keyword = (question.settings or {}).get("keyword", "")
        text = (answer or {}).get("text", "").lower()
        return Decimal(1) if keyword and keyword in text else Decimal(0)

    def review(self, question, answer, order, pick, reveal):
        text = (answer or {}).get("text", "")
        return [ChoiceResult("answer", text, "", bool(text), None, "")]

    def model_answer(self, question, tokens):
        return [f"It is {question.settings['keyword'].title()}."]

    # the course files
    def read_file(self, doc, question):
        question.extra["keyword"] = doc.get("keyword", str, default="")

    def write_file(self, question, entry):
        entry["keyword"] = question.extra.get("keyword", "")

    def check(self, question, checker):
        if not question.extra.get("keyword", "").strip():
            checker.report(question.source, f"keyword question {question.id!r} has no keyword")

    # the database
    def settings(self, question):
        return {"keyword": question.extra.get("keyword", "")}

    def read_settings(self, question, settings):
        question.extra["keyword"] = settings.get("keyword", "")

    # the question editor
    def form_fields(self, languages):
        return [("keyword", StringField("Keyword", validators=[Optional(), Length(max=40)]))]

    def input_values(self, question):
        return {"keyword": question.extra.get("keyword", "")}

    def read_input(self, question, posted):
        keyword = posted.clean(posted.raw("keyword")).lower()
        if not keyword:
            posted.problem("Give the keyword.")
        question.extra["keyword"] = keyword


@pytest.fixture()
def keyword_type():
    questions.register(Keyword)
    try:
        yield questions.get("keyword")
    finally:
        questions.unregister("keyword")


@pytest.fixture()
def course_with_keyword(tmp_path) -> Path:
    folder = tmp_path / DATA.name
    shutil.copytree(DATA, folder)
    quiz = folder / FINAL_QUIZ
    quiz.write_text(quiz.read_text() + KEYWORD_QUESTION)
    return folder


def _problems(folder: Path) -> list[str]:
    return [str(problem) for problem in check_course(folder)[1]]


def test_without_its_type_the_kind_is_unknown(course_with_keyword):
    assert "keyword" not in questions.REGISTRY
    assert any(
        "qt-final/quiz.yaml:" in p and "kind 'keyword' is not one of" in p
        for p in _problems(course_with_keyword)
    )


def test_read_checked_and_written_back_byte_for_byte(keyword_type, course_with_keyword):
    assert _problems(course_with_keyword) == []
    spec, files = load_course(course_with_keyword)
    question = next(q for q in spec.quizzes()[1].questions if q.id == "qt-keyword")
    assert question.kind == "keyword" and question.extra == {"keyword": "geneva"}
    on_disk = {
        p.relative_to(course_with_keyword).as_posix(): p.read_bytes()
        for p in course_with_keyword.rglob("*")
        if p.is_file()
    }
    assert course_file_bytes(spec) == files == on_disk
    # The type's own rules, with file and line; and its fields are the only ones allowed.
    quiz = course_with_keyword / FINAL_QUIZ
    text = quiz.read_text()
    quiz.write_text(text.replace("    keyword: geneva\n", "    keyword: ''\n"))
    line = text.splitlines().index("  - id: qt-keyword") + 1
    assert f"{DATA.name}/{FINAL_QUIZ}:{line}: keyword question 'qt-keyword' has no keyword" in (
        _problems(course_with_keyword)
    )
    quiz.write_text(text.replace("    keyword: geneva\n", "    keyword: geneva\n    answer: 3\n"))
    assert any(
        "unknown field 'answer' (allowed: feedback, id, keyword, kind, points, prompt, refers_to)"
        in p
        for p in _problems(course_with_keyword)
    )
    question.extra["keyword"] = " "
    assert item_problems(spec, question) == ["keyword question 'qt-keyword' has no keyword"]


def test_imported_exported_and_graded(keyword_type, course_with_keyword, db, tmp_path):
    spec, files = load_course(course_with_keyword)
    course = import_course(spec, files).course
    revision = db.session.scalar(
        sa.select(QuestionRevision)
        .join(Question, Question.id == QuestionRevision.question_id)
        .where(Question.course_id == course.id, Question.key == "qt-keyword")
    )
    assert revision.kind == "keyword" and revision.settings == {"keyword": "geneva"}
    assert keyword_type.grade(revision, {"text": "Surely Geneva"}) == 1
    assert keyword_type.grade(revision, {"text": "New York"}) == 0
    export_course(course.key, tmp_path / "out")
    out = tmp_path / "out" / course.key
    exported = {
        p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
    }
    assert exported == files
    # A learner earns its points with the answer its form would post.
    enrolment = make_learner(organisations.default_cohort(course), email="kw@example.org")[1]
    db.session.commit()
    state = progress.course_progress(enrolment).quiz("qt-final-quiz")
    attempt = quizzes.start_attempt(enrolment, state, "en")
    db.session.commit()
    attempt = quizzes.load_attempt(attempt.id, enrolment.id)
    data = {}
    for aq in attempt.questions:
        values = questions.get(aq.question_revision.kind).model_answer(
            aq.question_revision, quizzes.tokens_for(attempt.id, aq)
        )
        if values is not None:
            data[quizzes.field_name(aq)] = values
    quizzes.submit(attempt, data)
    attempt = quizzes.load_attempt(attempt.id, enrolment.id)
    (keyword,) = [aq for aq in attempt.questions if aq.question_revision.kind == "keyword"]
    assert keyword.response.score == keyword.question_revision.points == 2


def test_shown_to_a_learner(keyword_type, course_with_keyword, client, db):
    spec, files = load_course(course_with_keyword)
    course = import_course(spec, files).course
    _user, enrolment = make_learner(organisations.default_cohort(course), email="kw@example.org")
    db.session.commit()
    state = progress.course_progress(enrolment).quiz("qt-final-quiz")
    attempt = quizzes.start_attempt(enrolment, state, "en")
    db.session.commit()
    attempt = quizzes.load_attempt(attempt.id, enrolment.id)
    (keyword,) = [aq for aq in attempt.questions if aq.question_revision.kind == "keyword"]
    login(client, "kw@example.org")
    page = client.get(f"/learn/{enrolment.id}/attempts/{attempt.id}").get_data(as_text=True)
    assert f'name="{quizzes.field_name(keyword)}"' in page
    assert "UN&#39;s European headquarters" in page or "UN's European headquarters" in page
    assert "geneva" not in page.lower()


def test_authored_in_the_question_editor(keyword_type, client, db):
    spec, files = load_course(BASICS)
    course = import_course(spec, files).course
    user = make_with_role(Role.INSTRUCTOR, course.id)
    owners.add_owner(course, user, None)
    _db.session.commit()
    login(client, user.email)
    base = f"/author/courses/{course.id}"
    assert post_form(client, f"{base}/draft", {}, form_page=base).status_code == 302
    overview = client.get(f"{base}/modules/foundations/assessment").get_data(as_text=True)
    assert "/questions/new/keyword" in overview and ">Keyword<" in overview
    new = f"{base}/quizzes/foundations-quiz/questions/new/keyword"
    page = client.get(new).get_data(as_text=True)
    assert 'name="keyword"' in page and 'name="r0_id"' not in page
    data = {
        "key": "kw-one",
        "points": "3",
        "prompt_ar": "ما المدينة؟",
        "prompt_en": "Which city?",
        "keyword": "",
        "save": "1",
    }
    response = post_form(client, new, data)
    assert response.status_code == 422 and "Give the keyword." in response.get_data(as_text=True)
    response = post_form(client, new, {**data, "keyword": " Geneva "}, form_page=new)
    assert response.status_code == 302
    spec = drafting.spec_of(drafting.draft_of(course))
    question = find_question(spec, "kw-one")[1]
    assert (question.kind, question.points, question.extra) == ("keyword", 3, {"keyword": "geneva"})
    edit = client.get(f"{base}/questions/kw-one/edit").get_data(as_text=True)
    assert re.search(r'name="keyword"[^>]*value="geneva"|value="geneva"[^>]*name="keyword"', edit)


def test_no_module_outside_the_question_types_names_a_kind():
    """The generic code iterates over the registry: no kind is spelt out anywhere else."""
    package = Path(questions.__file__).parent.parent
    kinds = [kind for kind in questions.REGISTRY if kind]
    found = []
    for path in sorted(package.rglob("*")):
        if path.suffix not in (".py", ".html") or path.parent.name == "questions":
            continue
        # An input's ``inputmode="numeric"`` (a one-time code's keypad) names no question kind.
        text = re.sub(r"inputmode[\"']?\s*[:=]\s*[\"']numeric[\"']", "", path.read_text("utf-8"))
        found += [
            f"{path.relative_to(package)}: {kind}"
            for kind in kinds
            if re.search(rf"[\"']{kind}[\"']", text)
        ]
    assert found == []
