"""Reading a module's assessment from its files: the quiz (``quiz.yaml``), the question bank
(``bank.yaml``) and the assignment (in ``module.yaml``), into QuizSpec, CategorySpec and
AssignmentSpec.

``read_question`` reads what every question has (id, kind, points, refers_to, prompt,
feedback) and hands the rest of the mapping to the question's type (``QuestionType.read_file``,
diplolearn/questions/), which knows its own fields. Every function reads through a
``YamlDoc`` and reports problems with file and line instead of raising.
"""

from __future__ import annotations

from diplolearn import questions
from diplolearn.courses.spec import (
    AssignmentSpec,
    CategorySpec,
    CriterionSpec,
    DrawSpec,
    LevelSpec,
    ModuleSpec,
    QuestionSpec,
    QuizSpec,
)
from diplolearn.courses.yamlfile import YamlDoc

QUESTION_FIELDS = frozenset({"id", "kind", "points", "refers_to", "prompt", "feedback"})


def read_quiz(doc: YamlDoc) -> QuizSpec:
    doc.check_keys(
        {
            "id",
            "title",
            "pass_mark",
            "max_attempts",
            "time_limit_minutes",
            "grading_method",
            "shuffle_questions",
            "shuffle_choices",
            "required",
            "feedback_shown",
            "answers_shown",
            "grade_release_required",
            "partial_credit",
            "questions",
        }
    )
    quiz = QuizSpec(
        id=doc.identifier(),
        title=doc.texts("title"),
        pass_mark=doc.get("pass_mark", int, default=60),
        max_attempts=doc.get("max_attempts", int, required=False),
        time_limit_minutes=doc.get("time_limit_minutes", int, required=False),
        grading_method=doc.get("grading_method", str, default="highest"),
        shuffle_questions=doc.get("shuffle_questions", bool, required=False, default=False),
        shuffle_choices=doc.get("shuffle_choices", bool, required=False, default=False),
        required=doc.get("required", bool, required=False, default=True),
        feedback_shown=doc.get("feedback_shown", str, required=False, default="immediately"),
        answers_shown=doc.get("answers_shown", str, required=False, default="after_attempt"),
        grade_release_required=doc.get(
            "grade_release_required", bool, required=False, default=False
        ),
        partial_credit=doc.get("partial_credit", str, required=False, default="all_or_nothing"),
        source=doc.source(),
    )
    for index, _ in enumerate(doc.get("questions", list, default=[])):
        entry = doc.sub("questions", index)
        if not isinstance(entry.data, dict):
            entry.problem("each question is a mapping")
            continue
        if "draw" in entry.data:
            entry.check_keys({"draw", "from"})
            quiz.draws.append(
                DrawSpec(
                    count=entry.get("draw", int, default=0),
                    category=entry.get("from", str, default=""),
                    position=index,
                    source=entry.source(),
                )
            )
            continue
        quiz.questions.append(read_question(entry))
    return quiz


def read_bank(doc: YamlDoc, module: ModuleSpec) -> None:
    """``<module>/bank.yaml``: the module's question bank, by category."""
    doc.check_keys({"categories"})
    module.bank_source = doc.source()
    for index, _ in enumerate(doc.get("categories", list, default=[])):
        entry = doc.sub("categories", index)
        if not isinstance(entry.data, dict):
            entry.problem("each category is a mapping with id, title and questions")
            continue
        entry.check_keys({"id", "title", "questions"})
        category = CategorySpec(
            id=entry.identifier(), title=entry.texts("title"), source=entry.source()
        )
        for q_index, _ in enumerate(entry.get("questions", list, default=[])):
            question = entry.sub("questions", q_index)
            if not isinstance(question.data, dict):
                question.problem("each question is a mapping")
                continue
            category.questions.append(read_question(question))
        module.bank.append(category)


def read_question(doc: YamlDoc) -> QuestionSpec:
    """What every question has, then its type's own fields (``QuestionType.read_file``)."""
    kind = doc.data.get("kind")
    question_type = questions.file_type(kind if isinstance(kind, str) else "")
    doc.check_keys(QUESTION_FIELDS | question_type.file_fields)
    question = QuestionSpec(
        id=doc.identifier(),
        kind=doc.get("kind", str, default=""),
        prompt=doc.texts("prompt"),
        points=doc.get("points", int, required=False, default=1),
        refers_to=doc.get("refers_to", str, required=False),
        feedback=doc.texts("feedback", required=False),
        source=doc.source(),
    )
    question_type.read_file(doc, question)
    return question


def read_assignment(doc: YamlDoc) -> AssignmentSpec:
    doc.check_keys(
        {
            "id",
            "title",
            "prompt",
            "required",
            "completion",
            "pass_mark",
            "formats",
            "min_words",
            "max_words",
            "due_days",
            "late_days",
            "rubric",
        }
    )
    formats = doc.get("formats", list, required=False, default=["text", "file"])
    if not all(isinstance(f, str) for f in formats):
        doc.problem("formats must be a list of texts", "formats")
        formats = []
    assignment = AssignmentSpec(
        id=doc.identifier(),
        title=doc.texts("title"),
        prompt=doc.texts("prompt"),
        required=doc.get("required", bool, required=False, default=True),
        completion=doc.get("completion", str, required=False, default="submitted"),
        pass_mark=doc.get("pass_mark", int, required=False),
        formats=list(formats),
        min_words=doc.get("min_words", int, required=False),
        max_words=doc.get("max_words", int, required=False),
        due_days=doc.get("due_days", int, required=False),
        late_days=doc.get("late_days", int, required=False),
        source=doc.source(),
    )
    for index, _ in enumerate(doc.get("rubric", list, default=[])):
        entry = doc.sub("rubric", index)
        if not isinstance(entry.data, dict):
            entry.problem(
                "each rubric criterion is a mapping with id, points, criterion and levels"
            )
            continue
        entry.check_keys({"id", "points", "criterion", "levels"})
        criterion = CriterionSpec(
            id=entry.identifier(),
            points=entry.get("points", int, default=0),
            criterion=entry.texts("criterion"),
            source=entry.source(),
        )
        for level_index, _ in enumerate(entry.get("levels", list, default=[])):
            level = entry.sub("levels", level_index)
            if not isinstance(level.data, dict):
                level.problem("each level is a mapping with points and description")
                continue
            level.check_keys({"points", "description"})
            criterion.levels.append(
                LevelSpec(
                    points=level.get("points", int, default=0),
                    description=level.texts("description"),
                    source=level.source(),
                )
            )
        assignment.rubric.append(criterion)
    return assignment
