"""Authoring in the browser: editing a course's draft, publishing it, and the course as a whole.

- drafting: a course's open draft and the recipe every edit of it follows (read the draft as
  a ``CourseSpec`` under a row lock, compare the form's token, change the spec, ``rebuild``,
  ``record_change``), with the helpers every editor shares;
- lessons: lessons' texts in a draft, and the translations they leave needing an update;
- outline: modules and the course's outline in a draft: titles, order, retiring items;
- module_settings: a module's settings (objectives, minutes, prerequisites, week, discussion);
- quiz_authoring, question_authoring, assignment_authoring: quizzes with their bank
  categories and draws, questions, and written assignments in a draft, sharing
  assessment_items; quiz_preview: trying a draft's quiz, recording nothing;
- publishing: publishing the draft as a version, the course's versions, moving cohorts;
- corrections: audited corrections of a published version, and the change history;
- owners: owners and co-authors, copies of a course, retiring a whole course.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once. This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class AuthoringError(DomainError):
    message = _l("That change could not be made.")


class ContentInvalid(AuthoringError):
    """Bad input: every problem found, nothing written."""

    def __init__(self, problems: list):
        super().__init__(_l("The text has problems; nothing was saved."))
        self.problems = [str(p) for p in problems]


class StaleEdit(AuthoringError):
    """Someone saved the item after this form was opened; ``current`` holds their texts."""

    message = _l(
        "Someone else saved this since you opened it. Nothing was overwritten: "
        "compare both texts below, then save again."
    )

    def __init__(self, current: dict, token: str):
        super().__init__()
        self.current, self.token = current, token


class NoDraft(AuthoringError):
    message = _l("This course has no open draft. Open one first.")


class NothingPublished(AuthoringError):
    message = _l("This course has no published version to start a draft from.")


class PublishRefused(AuthoringError):
    def __init__(self, problems: list):
        super().__init__(_l("The draft has problems; it was not published."))
        self.problems = [str(p) for p in problems]


class CourseStillRunning(AuthoringError):
    """A course cannot be retired while cohorts run on it; ``cohorts`` lists them."""

    def __init__(self, cohorts: list, names: list[str]):
        super().__init__(
            _l(
                "This course cannot be retired while cohorts run on it: %(cohorts)s.",
                cohorts=", ".join(names),
            )
        )
        self.cohorts = cohorts
