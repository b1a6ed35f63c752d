"""Forms of the module settings page (built per module: one objectives and one discussion field
per language, a required flag and minutes per lesson). The week and the minutes are judged by
the rules of courses/rules.py, as the service and the course check judge them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from diplolearn import i18n
from diplolearn.authoring.forms import RuleValidator
from diplolearn.courses.rules import WEEKS, minutes_problem, week_problem
from diplolearn.questions.editing import language_attributes


def module_settings_form(
    languages: list[str], modules: list[tuple[str, str]], lessons: list[tuple[str, str]], **kwargs
) -> FlaskForm:
    """``modules``: (key, title) of the course's other modules, offered as prerequisites;
    ``lessons``: (key, title) of the module's lessons, in order."""

    class ModuleSettingsForm(FlaskForm):
        token = HiddenField(validators=[DataRequired()])
        required = BooleanField(_l("Required to complete the course"))
        estimated_minutes = IntegerField(
            _l("Estimated minutes"), validators=[Optional(), RuleValidator(minutes_problem)]
        )
        week = IntegerField(
            _l("Week"),
            validators=[Optional(), RuleValidator(week_problem)],
            description=_l(
                "The week of the programme it belongs to (%(first)d to %(last)d); leave empty "
                "for none.",
                first=WEEKS[0],
                last=WEEKS[-1],
            ),
        )
        prerequisites = SelectMultipleField(
            _l("Modules to complete first"),
            choices=list(modules),
            validate_choice=True,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            description=_l("Only modules listed before this one."),
        )
        save = SubmitField(_l("Save to the draft"))

        def settings(self) -> dict:
            return {
                "objectives": {lang: self[f"objectives_{lang}"].data or "" for lang in languages},
                "discussion": {lang: self[f"discussion_{lang}"].data or "" for lang in languages},
                "estimated_minutes": self.estimated_minutes.data,
                "required": bool(self.required.data),
                "prerequisites": list(self.prerequisites.data or []),
                "week": self.week.data,
                "lessons": {
                    key: {
                        "required": bool(self[f"lesson_required_{i}"].data),
                        "estimated_minutes": self[f"lesson_minutes_{i}"].data,
                    }
                    for i, (key, _title) in enumerate(lessons)
                },
            }

    for lang in languages:
        name = i18n.language_name(lang)
        setattr(
            ModuleSettingsForm,
            f"objectives_{lang}",
            TextAreaField(
                _l("Objectives (%(language)s)", language=name),
                validators=[Optional()],
                description=_l("One objective a line."),
                render_kw={**language_attributes(lang), "rows": 4},
            ),
        )
        setattr(
            ModuleSettingsForm,
            f"discussion_{lang}",
            TextAreaField(
                _l("Discussion prompt (%(language)s)", language=name),
                validators=[Optional()],
                render_kw={**language_attributes(lang), "rows": 3},
            ),
        )
    for i, (_key, title) in enumerate(lessons):
        setattr(
            ModuleSettingsForm,
            f"lesson_required_{i}",
            BooleanField(_l("%(lesson)s: required", lesson=title)),
        )
        setattr(
            ModuleSettingsForm,
            f"lesson_minutes_{i}",
            IntegerField(
                _l("%(lesson)s: estimated minutes", lesson=title),
                validators=[Optional(), RuleValidator(minutes_problem)],
            ),
        )
    return ModuleSettingsForm(**kwargs)
