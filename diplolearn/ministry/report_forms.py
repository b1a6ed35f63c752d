"""The filters of a ministry's staff report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from diplolearn import i18n
from diplolearn.courses.bidi import isolate
from diplolearn.services.ministries.reports import CohortChoice, Filters


class ReportFilterForm(FlaskForm):
    """The staff table's filters: a GET form (it changes nothing, so it needs no CSRF token)
    whose choices are the ministry's own courses and cohorts."""

    class Meta:
        csrf = False

    course = SelectField(_l("Course"), default="", validate_choice=True)
    cohort = SelectField(_l("Cohort"), default="", validate_choice=True)
    submit = SubmitField(_l("Show"))

    def __init__(self, formdata, cohorts: list[CohortChoice], **kwargs):
        """Titles and names from data are isolated (FSI…PDI: an <option> holds no markup)."""
        super().__init__(formdata=formdata, **kwargs)
        order = [i18n.current_language(), "en", "ar"]
        courses = {
            c.course_id: i18n.pick_text(c.course_title, order)[0] or c.course_key for c in cohorts
        }
        self.course.choices = [("", _l("All courses"))] + [
            (str(course_id), isolate(title)) for course_id, title in courses.items()
        ]
        self.cohort.choices = [("", _l("All cohorts"))] + [
            (
                str(c.id),
                f"{isolate(courses[c.course_id])} — "
                f"{isolate(i18n.pick_text(c.name, order)[0] or c.key)}",
            )
            for c in cohorts
        ]

    def filters(self) -> Filters:
        """The chosen filters; none when a value is not one of the choices."""
        if not self.validate():
            return Filters()
        return Filters(
            course_id=int(self.course.data) if self.course.data else None,
            cohort_id=int(self.cohort.data) if self.cohort.data else None,
        )
