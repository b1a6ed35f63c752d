"""Authoring a module's written assignment in a draft: its prompt, how it counts and when it
is due, and its rubric (criteria and their levels), posted as an ``AssignmentInput`` and
validated by the course check's own rules (``save_assignment``).

Functions flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import item_problems
from diplolearn.courses.rules import ID_PATTERN
from diplolearn.courses.spec import (
    ASSIGNMENT_COMPLETION,
    ASSIGNMENT_FORMATS,
    AssignmentSpec,
    CriterionSpec,
    LevelSpec,
)
from diplolearn.courses.writer import assignment_yaml
from diplolearn.courses.yamlfile import dump_yaml
from diplolearn.extensions import db
from diplolearn.models import Assignment, CourseVersion
from diplolearn.services.authoring import AuthoringError, ContentInvalid
from diplolearn.services.authoring.assessment_items import (
    assignment_token,
    check_token,
    logical_item,
    new_id,
    refuse,
    texts_of,
    whole_number,
)
from diplolearn.services.authoring.drafting import (
    clean_text,
    find_module,
    locked_spec,
    rebuild,
    record_change,
)


@dataclass
class LevelRow:
    points: str = ""
    description: dict[str, str] = field(default_factory=dict)


@dataclass
class CriterionRow:
    id: str = ""
    points: str = ""
    criterion: dict[str, str] = field(default_factory=dict)
    levels: list[LevelRow] = field(default_factory=list)


@dataclass
class AssignmentInput:
    title: dict[str, str]
    prompt: dict[str, str]
    required: bool = True
    completion: str = "submitted"
    pass_mark: str = ""
    formats: list[str] = field(default_factory=lambda: list(ASSIGNMENT_FORMATS))
    min_words: str = ""
    max_words: str = ""
    due_days: str = ""
    late_days: str = ""
    criteria: list[CriterionRow] = field(default_factory=list)


def assignment_input_of(a: AssignmentSpec) -> AssignmentInput:
    def text(value):
        return "" if value is None else str(value)

    return AssignmentInput(
        title=dict(a.title),
        prompt=dict(a.prompt),
        required=a.required,
        completion=a.completion,
        pass_mark=text(a.pass_mark),
        formats=list(a.formats),
        min_words=text(a.min_words),
        max_words=text(a.max_words),
        due_days=text(a.due_days),
        late_days=text(a.late_days),
        criteria=[
            CriterionRow(
                id=c.id,
                points=str(c.points),
                criterion=dict(c.criterion),
                levels=[LevelRow(str(level.points), dict(level.description)) for level in c.levels],
            )
            for c in a.rubric
        ],
    )


def save_assignment(
    draft: CourseVersion,
    module_key: str,
    data: AssignmentInput,
    token: str,
    by,
    new_key: str | None = None,
) -> AssignmentSpec:
    """Set a module's assignment: prompt, rules and rubric (criteria and their levels)."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This item is not in the draft."))
    before = module.assignment
    check_token(
        assignment_token(before), token, {"": dump_yaml(assignment_yaml(before)) if before else ""}
    )
    if new_key is not None:
        if before is not None:
            raise ContentInvalid([str(_l("This module already has an assignment."))])
        taken = {m.assignment.id for m in spec.modules if m.assignment} | {
            m.discussion.id for m in spec.modules if m.discussion
        }
        key = new_id(new_key, taken)
    elif before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    else:
        key = before.id
    problems: list[str] = []
    if data.completion not in ASSIGNMENT_COMPLETION:
        problems.append(str(_l("Choose how the assignment counts.")))
    assignment = AssignmentSpec(
        id=key,
        title=texts_of(course, data.title),
        prompt=texts_of(course, data.prompt),
        required=bool(data.required),
        completion=data.completion,
        pass_mark=whole_number(data.pass_mark, _l("Pass mark"), problems),
        formats=[f for f in ASSIGNMENT_FORMATS if f in data.formats],
        min_words=whole_number(data.min_words, _l("Minimum words"), problems),
        max_words=whole_number(data.max_words, _l("Maximum words"), problems),
        due_days=whole_number(data.due_days, _l("Due after (days)"), problems),
        late_days=whole_number(data.late_days, _l("Late work taken for (days)"), problems),
    )
    for row in data.criteria:
        levels = [
            level
            for level in row.levels
            if clean_text(level.points) or any(clean_text(v) for v in level.description.values())
        ]
        if not (
            clean_text(row.id)
            or clean_text(row.points)
            or levels
            or any(clean_text(v) for v in row.criterion.values())
        ):
            continue
        criterion = CriterionSpec(
            id=clean_text(row.id),
            criterion=texts_of(course, row.criterion),
            points=whole_number(row.points, _l("Criterion points"), problems, required=True) or 0,
            levels=[
                LevelSpec(
                    points=whole_number(level.points, _l("Level points"), problems, required=True)
                    or 0,
                    description=texts_of(course, level.description),
                )
                for level in levels
            ],
        )
        if not ID_PATTERN.match(criterion.id):
            problems.append(
                str(
                    _l(
                        "The criterion id %(key)s must be lower-case letters, digits and hyphens.",
                        key=criterion.id or "—",
                    )
                )
            )
        assignment.rubric.append(criterion)
    refuse(problems)
    refuse([str(_l("Assignment: %(problem)s", problem=p)) for p in item_problems(spec, assignment)])
    module.assignment = assignment
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "assignment",
        logical_item(Assignment, course, key),
        "create" if before is None else "edit",
        by,
        before=dump_yaml(assignment_yaml(before)) if before else None,
        after=dump_yaml(assignment_yaml(assignment)),
    )
    db.session.flush()
    return assignment
