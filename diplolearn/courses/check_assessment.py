"""The course check's rules for what assesses learners: quiz settings and policy, questions,
draws from question banks, assignments with their rubrics, and discussion prompts.

``check_question`` checks what every question has (a known kind, texts, points, the paragraph it
refers to) and hands the rest to the question's type (``QuestionType.check``,
diplolearn/questions/), which knows what makes its own questions answerable.
"""

from __future__ import annotations

from collections import Counter

from diplolearn import questions
from diplolearn.courses import rules
from diplolearn.courses.checker import Checker
from diplolearn.courses.spec import (
    ASSIGNMENT_COMPLETION,
    ASSIGNMENT_FORMATS,
    GRADING_METHODS,
    PARTIAL_CREDIT_RULES,
    REVEAL_TIMES,
    CourseSpec,
)


def check_quizzes(course: CourseSpec, checker: Checker) -> None:
    """Each module's quiz: its settings, its questions and its draws."""
    for module in course.modules:
        quiz = module.quiz
        if quiz is None:
            continue
        check_quiz_settings(quiz, checker)
        if not quiz.questions and not quiz.draws:
            checker.report(quiz.source, f"quiz {quiz.id!r} has no questions")
        for question in quiz.questions:
            check_question(question, checker)
        check_draws(quiz, course, checker)


def check_quiz_settings(quiz, checker: Checker) -> None:
    report = checker.report
    checker.need_texts(quiz.title, f"quiz {quiz.id!r}", quiz.source)
    checker.rule(quiz.source, rules.pass_mark_problem(quiz.pass_mark))
    if quiz.max_attempts is not None and quiz.max_attempts < 1:
        report(quiz.source, "max_attempts must be at least 1 (or left out for no limit)")
    if quiz.time_limit_minutes is not None and quiz.time_limit_minutes < 1:
        report(quiz.source, "time_limit_minutes must be at least 1 (or left out)")
    if quiz.grading_method not in GRADING_METHODS:
        report(quiz.source, f"grading_method must be one of {', '.join(GRADING_METHODS)}")
    for name in ("feedback_shown", "answers_shown"):
        if getattr(quiz, name) not in REVEAL_TIMES:
            report(quiz.source, f"{name} must be one of {', '.join(REVEAL_TIMES)}")
    if quiz.partial_credit not in PARTIAL_CREDIT_RULES:
        report(quiz.source, f"partial_credit must be one of {', '.join(PARTIAL_CREDIT_RULES)}")


def check_question(question, checker: Checker) -> None:
    """What every question needs, then its type's own rules."""
    where = question.source
    if question.kind not in questions.REGISTRY:
        checker.report(
            where, f"kind {question.kind!r} is not one of {', '.join(questions.REGISTRY)}"
        )
        return
    checker.need_texts(question.prompt, f"question {question.id!r}", where)
    if question.feedback:
        checker.need_texts(question.feedback, f"question {question.id!r} feedback", where)
    if question.points < 1:
        checker.report(where, "points must be at least 1")
    if question.refers_to is not None:
        checker.reference(question.refers_to, where)
    questions.get(question.kind).check(question, checker)


def check_banks(course: CourseSpec, checker: Checker) -> None:
    """Question banks: categories with unique ids, titles, and questions checked like any."""
    checker.duplicates([(c.id, c.source) for c in course.categories()], "bank category")
    for category in course.categories():
        checker.need_texts(category.title, f"bank category {category.id!r}", category.source)
        if not category.questions:
            checker.report(category.source, f"bank category {category.id!r} has no questions")
        for question in category.questions:
            check_question(question, checker)


def check_draws(quiz, course: CourseSpec, checker: Checker) -> None:
    """Each draw names a category and asks for no more questions than it holds."""
    sizes = {c.id: len(c.questions) for c in course.categories()}
    asked: Counter = Counter()
    for draw in quiz.draws:
        if draw.count < 1:
            checker.report(draw.source, "draw must be at least 1 (the number of questions drawn)")
        if draw.category not in sizes:
            checker.report(
                draw.source,
                f"draw from {draw.category!r}: no bank category has that id "
                "(categories are listed in a module's bank.yaml)",
            )
            continue
        asked[draw.category] += max(draw.count, 0)
        if asked[draw.category] > sizes[draw.category]:
            checker.report(
                draw.source,
                f"quiz {quiz.id!r} draws {asked[draw.category]} questions "
                f"from {draw.category!r}, which holds "
                f"{sizes[draw.category]}",
            )


def check_prompts(course: CourseSpec, checker: Checker) -> None:
    """Assignment and discussion prompts: complete texts, rubrics, references that resolve."""
    ids = []
    for module in course.modules:
        if module.assignment is not None:
            assignment = module.assignment
            ids.append((assignment.id, assignment.source))
            check_assignment(assignment, checker)
        if module.discussion is not None:
            discussion = module.discussion
            ids.append((discussion.id, discussion.source))
            checker.need_texts(
                discussion.prompt, f"discussion {discussion.id!r}", discussion.source
            )
            if discussion.refers_to:
                checker.reference(discussion.refers_to, discussion.source)
    checker.duplicates(ids, "assignment or discussion")


def check_assignment(assignment, checker: Checker) -> None:
    need_texts = checker.need_texts
    need_texts(assignment.title, f"assignment {assignment.id!r} title", assignment.source)
    need_texts(assignment.prompt, f"assignment {assignment.id!r}", assignment.source)
    _check_completion(assignment, checker)
    _check_formats(assignment, checker.report)
    _check_counts(assignment, checker.report)
    if not assignment.rubric:
        checker.report(assignment.source, f"assignment {assignment.id!r} needs a rubric")
    checker.duplicates([(c.id, c.source) for c in assignment.rubric], "rubric criterion")
    for criterion in assignment.rubric:
        if criterion.points < 1:
            checker.report(criterion.source, "a rubric criterion is worth at least 1 point")
        need_texts(criterion.criterion, f"criterion {criterion.id!r}", criterion.source)
        _check_levels(criterion, checker)


def _check_completion(assignment, checker: Checker) -> None:
    """How the assignment counts as done, and the pass mark that goes with it."""
    where, report = assignment.source, checker.report
    if assignment.completion not in ASSIGNMENT_COMPLETION:
        report(where, f"completion must be one of {', '.join(ASSIGNMENT_COMPLETION)}")
    elif assignment.completion == "passed" and assignment.pass_mark is None:
        report(where, "completion 'passed' needs a pass_mark (a percentage of the rubric's points)")
    elif assignment.completion == "submitted" and assignment.pass_mark is not None:
        report(where, "pass_mark applies only with completion 'passed'")
    checker.rule(where, rules.pass_mark_problem(assignment.pass_mark))


def _check_formats(assignment, report) -> None:
    """At least one accepted format, each once."""
    where = assignment.source
    if not assignment.formats:
        report(where, f"formats must list at least one of {', '.join(ASSIGNMENT_FORMATS)}")
    for kind in assignment.formats:
        if kind not in ASSIGNMENT_FORMATS:
            report(where, f"the format {kind!r} is not one of {', '.join(ASSIGNMENT_FORMATS)}")
    if len(set(assignment.formats)) != len(assignment.formats):
        report(where, "formats lists a format twice")


def _check_counts(assignment, report) -> None:
    """Word limits and days, when given: positive, the minimum below the maximum, and late days
    only after a due date."""
    where = assignment.source
    for key in ("min_words", "max_words", "due_days", "late_days"):
        value = getattr(assignment, key)
        if value is not None and value < (0 if key == "late_days" else 1):
            report(where, f"{key} must be at least {0 if key == 'late_days' else 1} (or left out)")
    if (
        assignment.min_words
        and assignment.max_words
        and assignment.min_words > assignment.max_words
    ):
        report(where, "min_words is larger than max_words")
    if assignment.late_days is not None and assignment.due_days is None:
        report(where, "late_days counts from due_days: give due_days too")


def _check_levels(criterion, checker: Checker) -> None:
    report = checker.report
    if len(criterion.levels) < 2:
        report(criterion.source, f"criterion {criterion.id!r} needs at least two levels")
    seen = set()
    for level in criterion.levels:
        if level.points in seen:
            report(level.source, f"two levels of {criterion.id!r} award {level.points} points")
        seen.add(level.points)
        if not 0 <= level.points <= criterion.points:
            report(
                level.source,
                f"a level of {criterion.id!r} awards from 0 to {criterion.points} points",
            )
        checker.need_texts(level.description, f"a level of {criterion.id!r}", level.source)
    if criterion.levels and max(seen) != criterion.points:
        report(
            criterion.source,
            f"the best level of {criterion.id!r} must award its {criterion.points} points",
        )
