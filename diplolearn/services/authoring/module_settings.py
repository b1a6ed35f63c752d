"""A module's settings in a course's draft: objectives, estimated minutes, required,
prerequisites, week and discussion prompt, with its lessons' required flag and minutes
(``module_settings``, ``settings_token``, ``edit_module_settings``).

Module settings are edited like every other draft item (services/authoring/drafting.py): the
form carries the token of the settings as it showed them, the save reads the draft's spec under
a row lock, validates everything, rebuilds the draft from the changed spec and records the
change in the module's (and each changed lesson's) history. The week, the minutes and the
prerequisites are judged by the rules the course check and the form use (courses/rules.py):
a prerequisite is a module of the course, not the module itself, listed before it (modules
open in order), which also rules out cycles.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from diplolearn.courses.rules import (
    minutes_problem,
    missing_languages,
    prerequisite_problems,
    week_problem,
)
from diplolearn.courses.spec import DiscussionSpec, ModuleSpec
from diplolearn.extensions import db
from diplolearn.models import User
from diplolearn.services.authoring import AuthoringError, ContentInvalid, StaleEdit
from diplolearn.services.authoring.drafting import (
    clean_text,
    find_module,
    lesson_languages,
    locked_spec,
    logical_lesson,
    logical_module,
    rebuild,
    record_change,
    token_of,
)


def module_settings(module: ModuleSpec) -> dict:
    """The editable settings of a module and of its lessons, as plain data."""
    return {
        "objectives": {lang: list(items) for lang, items in sorted(module.objectives.items())},
        "estimated_minutes": module.estimated_minutes,
        "required": module.required,
        "prerequisites": list(module.prerequisites),
        "week": module.week,
        "discussion": dict(sorted(module.discussion.prompt.items())) if module.discussion else {},
        "lessons": [
            {
                "id": lesson.id,
                "required": lesson.required,
                "estimated_minutes": lesson.estimated_minutes,
            }
            for lesson in module.lessons
        ],
    }


def settings_token(module: ModuleSpec) -> str:
    return token_of(
        {"settings": json.dumps(module_settings(module), sort_keys=True, ensure_ascii=False)}
    )


def _settings_text(settings: dict) -> str:
    """A module's settings as the history shows them (one line per setting)."""
    lines = []
    for lang, items in settings["objectives"].items():
        lines += [f"objectives {lang}: {item}" for item in items]
    lines.append(f"estimated_minutes: {settings['estimated_minutes'] or '—'}")
    lines.append(f"required: {'yes' if settings['required'] else 'no'}")
    lines.append(f"prerequisites: {', '.join(settings['prerequisites']) or '—'}")
    lines.append(f"week: {settings['week'] or '—'}")
    lines += [f"discussion {lang}: {text}" for lang, text in settings["discussion"].items()]
    return "\n".join(lines)


def _lesson_text(lesson: dict) -> str:
    return (
        f"required: {'yes' if lesson['required'] else 'no'}\n"
        f"estimated_minutes: {lesson['estimated_minutes'] or '—'}"
    )


def _plain(text: str, what, problems: list) -> None:
    if "<" in text:
        problems.append(str(_l("%(what)s must be plain text (no HTML).", what=what)))


def _number(value, problem_of, problems: list, what=None) -> int | None:
    """A whole number as posted (None when left empty), judged by a rule of courses/rules.py:
    its problem, after ``what`` when given, joins ``problems`` and the number is dropped."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1  # no rule's range holds it
    problem = problem_of(number)
    if problem is None:
        return number
    if what is not None:
        problem = _l("%(what)s: %(problem)s", what=what, problem=problem)
    problems.append(str(problem))
    return None


def _objectives(course, posted: dict, problems: list) -> dict[str, list[str]]:
    """The objectives per language, one a line (bullets removed): plain text, and in every
    course language once there are some."""
    objectives = {}
    for lang in lesson_languages(course):
        lines = [clean_text(line) for line in clean_text(posted.get(lang)).split("\n")]
        lines = [line.lstrip("-• ").strip() for line in lines if line.strip()]
        for line in lines:
            _plain(line, _l("Objectives (%(language)s)", language=lang), problems)
        if lines:
            objectives[lang] = lines
    if objectives:
        problems += [
            str(_l("The objectives need a %(language)s text too.", language=lang))
            for lang in course.languages
            if lang not in objectives
        ]
    return objectives


def _discussion(course, spec, module, posted: dict, problems: list) -> DiscussionSpec | None:
    """The module's discussion prompt: plain text in every course language; an existing one
    keeps its id and reference and cannot be removed here; a new one takes an unused id."""
    prompts = {lang: clean_text(posted.get(lang)) for lang in lesson_languages(course)}
    prompts = {lang: text for lang, text in prompts.items() if text}
    for lang, text in prompts.items():
        _plain(text, _l("The discussion prompt (%(language)s)", language=lang), problems)
    discussion = module.discussion
    if not prompts and discussion is None:
        return None
    missing = missing_languages(prompts, course.languages)
    if missing and discussion is not None and not prompts:
        problems.append(
            str(
                _l(
                    "A discussion prompt cannot be removed here; give it a "
                    "text in every course language."
                )
            )
        )
    else:
        problems += [
            str(_l("The discussion prompt needs a %(language)s text.", language=lang))
            for lang in missing
        ]
    if discussion is not None:
        return DiscussionSpec(id=discussion.id, prompt=prompts, refers_to=discussion.refers_to)
    new_id = f"{module.id}-discussion"
    taken = {m.discussion.id for m in spec.modules if m.discussion} | {
        m.assignment.id for m in spec.modules if m.assignment
    }
    if new_id in taken:
        problems.append(str(_l("The id %(key)s is already used in this course.", key=new_id)))
    return DiscussionSpec(id=new_id, prompt=prompts)


def _lesson_settings(module, posted: dict, problems: list) -> dict[str, tuple]:
    """Each lesson's (required, estimated minutes), by lesson id."""
    settings = {}
    for lesson in module.lessons:
        row = posted.get(lesson.id, {})
        minutes = _number(
            row.get("estimated_minutes"),
            minutes_problem,
            problems,
            _l("Lesson %(key)s", key=lesson.id),
        )
        settings[lesson.id] = (bool(row.get("required")), minutes)
    return settings


def edit_module_settings(draft, key: str, settings: dict, token: str, by: User | None) -> None:
    """Save a module's settings and its lessons' required flag and minutes, or raise StaleEdit
    (someone saved them meanwhile) or ContentInvalid (every problem, nothing written).

    ``settings``: objectives {lang: text, one objective a line}, estimated_minutes, required,
    prerequisites [module keys], week, discussion {lang: prompt}, lessons {lesson key:
    {"required": bool, "estimated_minutes": int | None}}."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, key)
    if module is None:
        raise AuthoringError(_l("This module is not in the draft."))
    if token != settings_token(module):
        current = _settings_text(module_settings(module))
        raise StaleEdit({"": current}, settings_token(module))
    before = module_settings(module)
    problems: list[str] = []
    objectives = _objectives(course, settings.get("objectives") or {}, problems)
    minutes = _number(settings.get("estimated_minutes"), minutes_problem, problems, _l("Module"))
    week = _number(settings.get("week"), week_problem, problems)
    prerequisites = list(dict.fromkeys(settings.get("prerequisites") or []))
    order = [m.id for m in spec.modules]
    problems += [str(p) for p in prerequisite_problems(order, key, prerequisites)]
    discussion = _discussion(course, spec, module, settings.get("discussion") or {}, problems)
    lessons = _lesson_settings(module, settings.get("lessons") or {}, problems)
    if problems:
        raise ContentInvalid(problems)

    module.objectives, module.estimated_minutes = objectives, minutes
    module.required, module.prerequisites = bool(settings.get("required")), prerequisites
    module.week, module.discussion = week, discussion
    for lesson in module.lessons:
        lesson.required, lesson.estimated_minutes = lessons[lesson.id]
    after = module_settings(module)
    if after != before:
        rebuild(draft, spec)
        _record_changes(draft, key, before, after, by)
        db.session.flush()


def _record_changes(draft, key: str, before: dict, after: dict, by: User | None) -> None:
    """The module's change, if its own settings changed, and each changed lesson's."""
    course = draft.course
    module_before = {k: v for k, v in before.items() if k != "lessons"}
    module_after = {k: v for k, v in after.items() if k != "lessons"}
    if module_before != module_after:
        record_change(
            course,
            draft,
            "module",
            logical_module(course, key),
            "edit",
            by,
            before=_settings_text(before),
            after=_settings_text(after),
        )
    for old, new in zip(before["lessons"], after["lessons"], strict=True):
        if old != new:
            record_change(
                course,
                draft,
                "lesson",
                logical_lesson(course, new["id"]),
                "edit",
                by,
                before=_lesson_text(old),
                after=_lesson_text(new),
            )
