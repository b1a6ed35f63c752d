"""Progress: the completion rules, where a learner stands, and time on task.

Completion rules (the course's own, from its files; a cohort may override whether a module
is required and its prerequisites, by module key, in ``Cohort.module_rules``):

- a *lesson* is done when the learner marks it done (an explicit form post);
- a *quiz* is passed by its grading method over the graded attempts: ``highest`` — some
  attempt passed at the pass mark it pinned; ``first`` / ``last`` — that attempt passed;
  ``average`` — the mean percentage reaches the latest attempt's pinned pass mark;
- a *module* is open when every module named in its prerequisites (module keys) is complete
  and, if the cohort schedules it (``ModuleSchedule``), its opening time has come; it is
  complete when it is open, its required lessons are done, its required quizzes passed and
  its required written assignment done by its rule (``submitted``: handed in; ``passed``:
  returned with a grade at or above its pass mark — services.assessment.assignments) and, when the
  cohort asks for it (``module_rules`` ``{"m1": {"annotations": 2}}``), as many discussion posts
  by the learner on the module's text or prompt (shared, not hidden: services.discussion.posting);
- an item a tutor or instructor *excused* for the learner (``Excusal``, issue 14:
  services.deadlines) counts as done for its module, so a closed item never blocks it for good;
- the *course* is complete when its required modules are; the enrolment then moves to
  ``completed`` (models.states.ENROLMENT).

A module's status is ``locked`` (not open), ``complete``, ``in_progress`` (something in it
viewed, done or attempted) or ``open``. It is *overdue* when its due date has passed and it
is not complete; the due date is the cohort's (``ModuleSchedule.due_at``) unless the learner
has an extension for the module (``DueDateExtension``), which then replaces it. Percentages count the required items (lessons and
quizzes) done; the next step is the first required item not yet done in an open module.

Time on task. ``Enrolment.last_activity_at`` is the instant of the learner's last activity in
that enrolment: the heartbeat that the lesson page's script sends when the page opens and every
60 s while it is visible, marking a lesson done, or any quiz action (the lesson page view itself
writes nothing). Lesson activity adds the
time since the previous activity, capped at ``IDLE_CAP`` (5 minutes) per gap, to that lesson's
``LessonProgress.time_spent_seconds``; quiz actions move the clock without crediting a lesson,
and an enrolment's first activity credits nothing. So three minutes of reading followed by
the next activity count three minutes (with the heartbeat, minute by minute on the lesson on
screen; without JavaScript, on the lesson marked done next), and a
page left open over lunch counts at most five. Each gap is claimed by a conditional update of
``last_activity_at``, so concurrent requests cannot count it twice and the credited total never
exceeds the time that really passed, whatever a client sends.

Reading (compute.py, into the progress states of states.py) takes a fixed number of queries
whatever the size of the course or the number of enrolments: the outline's
(services/catalogue/outline.py: one while the published version is cached, five otherwise)
plus one each for the learners' lesson records, attempts, and module schedules with due-date
extensions and excused items, and one for submissions when a course has written assignments, and one for
discussion posts when the cohort's rules count them. Recording (record.py) flushes and never
commits.
"""

from diplolearn.services.progress.compute import (  # noqa: F401
    course_progress,
    evaluate,
    progress_for,
)
from diplolearn.services.progress.record import (  # noqa: F401
    IDLE_CAP,
    STUDYING,
    complete_if_done,
    credited_seconds,
    ensure_open,
    ensure_studying,
    mark_lesson_done,
    note_activity,
    record_lesson_activity,
    start_studying,
    touch,
    update_completion,
)
from diplolearn.services.progress.states import (  # noqa: F401
    AssignmentState,
    LessonState,
    ModuleState,
    Progress,
    QuizState,
    attempt_percent,
    quiz_outcome,
)
from diplolearn.services.progress.summary import (  # noqa: F401
    stored_progress,
    stored_progress_for,
)
