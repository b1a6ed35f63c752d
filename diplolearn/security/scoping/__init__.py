"""Tenant scoping: which people, enrolments and records a viewer may see.

Views never load a person and then check; they load *through* the scope
(``get_person_or_404``), so a coordinator's query cannot forget the ministry. Out-of-scope ids
answer 404, exactly like ids that do not exist, so nobody learns who is registered elsewhere.

Who sees whom:
- administrator: everyone;
- coordinator of a ministry: its current staff, and anyone whose enrolment it sponsored (a
  person who moved on stays visible for those enrolments);
- lead instructor of a cohort: everyone enrolled in it;
- tutor of a group: the learners of that group;
- everyone: themselves.

A learner's own records load through the owner too: ``own_enrolment_or_404`` selects the
enrolment ``WHERE id = :id AND user_id = :me``, so someone else's enrolment is a 404, exactly
like one that does not exist.

Certificates: a holder loads their own (``own_certificate_or_404``); a coordinator sees those
of the enrolments their ministry sponsored (``sponsored_certificates``); administrators and
the lead instructors of a cohort manage (revoke, reissue) those of its enrolments
(``managed_certificates``).

The package, by area (import every name from here):
- base: ``Scope``, the viewer's scope once per request (``scope_of``, ``current_scope``), and
  ``one_or_404``/``row_or_404``, through which every ``..._or_404`` loader ends;
- people: whom one sees, and whose postings; one's own dashboard; the audit trail;
- ministries: the ministries one sees (all for an administrator) and their coordinators; a
  coordinator's ministry (staff, rosters, reports, seats and nominations);
- learning: a learner's own enrolments, submissions and announcements;
- teaching: the courses and cohorts one teaches (``CohortAccess``), their groups and places;
- tracking: following a cohort's run (groups, learners, extensions, announcements);
- grading: written work and quiz attempts one grades, quiz policy overrides;
- discussion: annotations and weekly sessions, for learners and for a cohort's staff;
- authoring: courses one edits or reads, their authors, uploads and images;
- certificates: one's own, a ministry's, and those one manages.
"""

from diplolearn.security.scoping.authoring import (
    authored_course_or_404,
    course_author_or_404,
    course_cohort_or_404,
    course_upload_or_404,
    lesson_image_or_404,
    may_author,
    readable_course_or_404,
    readable_courses,
)
from diplolearn.security.scoping.base import (
    Scope,
    one_or_404,
    row_or_404,
    scope_of,
)
from diplolearn.security.scoping.certificates import (
    managed_certificate_history,
    managed_certificate_or_404,
    managed_certificates,
    managed_certificates_matching,
    ministry_staff_certificates,
    own_certificate_or_404,
    own_certificates,
    sponsored_certificates,
    sponsored_staff_certificates,
)
from diplolearn.security.scoping.discussion import (
    discussion_annotation_or_404,
    learner_discussion,
    learner_session_list,
    learner_sessions,
    session_groups,
    session_or_404,
    staff_discussion,
    staff_prompt_counts,
    staff_session_list,
    staff_sessions,
    staff_unanswered_questions,
)
from diplolearn.security.scoping.grading import (
    awaiting_grading,
    course_quiz_or_404,
    gradable_submission_or_404,
    gradable_submissions,
    graded_attempt_or_404,
    graded_attempts,
    graded_counts,
    graded_response_or_404,
    grading_course_or_404,
    listed_attempts,
    pinned_revisions,
    policy_cohort_or_404,
    policy_cohorts,
    policy_enrolment_or_404,
    policy_override_or_404,
    policy_overrides,
    policy_targets,
    quiz_policy_overrides,
    regradable_attempts,
    regrades_course,
    sets_quiz_policy,
    ungraded_essays,
    withheld_attempt_ids,
)
from diplolearn.security.scoping.learning import (
    announcements_for,
    own_enrolment_or_404,
    own_submission_or_404,
)
from diplolearn.security.scoping.ministries import (
    all_ministries,
    coordinated_ministries,
    coordinated_ministry_or_404,
    coordinators_by_ministry,
    current_membership_or_404,
    ministry_coordinators,
    ministry_former_people_query,
    ministry_member_ids,
    ministry_memberships,
    ministry_or_404,
    ministry_people,
    ministry_person_or_404,
    ministry_sponsored_enrolments,
    ministry_staff,
    ministry_staff_query,
    nominated_enrolment_or_404,
    nominated_enrolments,
    nominated_in_cohorts,
    nominated_list,
    nomination_cohort_or_404,
    nomination_cohort_rows,
    nomination_cohorts,
    roster_upload_or_404,
    sponsored_cohort_or_404,
    sponsored_enrolments,
    staff_counts,
)
from diplolearn.security.scoping.people import (
    audit_events,
    dashboard_announcements,
    dashboard_enrolments,
    get_person_or_404,
    memberships_with_visible_posting,
    own_current_membership,
    people_matching,
    people_query,
    person_memberships,
    visible_memberships,
)
from diplolearn.security.scoping.teaching import (
    CohortAccess,
    account_by_email,
    allotted_ministries,
    cohort_enrolment_list,
    cohort_enrolment_or_404,
    cohort_enrolments,
    cohort_group_list,
    cohort_group_or_404,
    cohort_groups,
    cohort_tallies,
    course_cohorts,
    leads_cohort,
    managed_cohort_or_404,
    seat_ministries,
    seat_ministry_or_404,
    taught_cohort_or_404,
    taught_cohorts,
    taught_cohorts_with_places,
    taught_course_or_404,
    taught_courses,
)
from diplolearn.security.scoping.tracking import (
    tracked_announcements,
    tracked_cohort_or_404,
    tracked_enrolment_or_404,
    tracked_enrolments,
    tracked_extension_or_404,
    tracked_groups,
)

__all__ = [
    "CohortAccess",
    "Scope",
    "account_by_email",
    "all_ministries",
    "allotted_ministries",
    "announcements_for",
    "audit_events",
    "authored_course_or_404",
    "awaiting_grading",
    "cohort_enrolment_list",
    "cohort_enrolment_or_404",
    "cohort_enrolments",
    "cohort_group_list",
    "cohort_group_or_404",
    "cohort_groups",
    "cohort_tallies",
    "coordinated_ministries",
    "coordinated_ministry_or_404",
    "coordinators_by_ministry",
    "course_author_or_404",
    "course_cohort_or_404",
    "course_cohorts",
    "course_quiz_or_404",
    "course_upload_or_404",
    "current_membership_or_404",
    "dashboard_announcements",
    "dashboard_enrolments",
    "discussion_annotation_or_404",
    "get_person_or_404",
    "gradable_submission_or_404",
    "gradable_submissions",
    "graded_attempt_or_404",
    "graded_attempts",
    "graded_counts",
    "graded_response_or_404",
    "grading_course_or_404",
    "leads_cohort",
    "learner_discussion",
    "learner_session_list",
    "learner_sessions",
    "lesson_image_or_404",
    "listed_attempts",
    "managed_certificate_history",
    "managed_certificate_or_404",
    "managed_certificates",
    "managed_certificates_matching",
    "managed_cohort_or_404",
    "may_author",
    "memberships_with_visible_posting",
    "ministry_coordinators",
    "ministry_former_people_query",
    "ministry_member_ids",
    "ministry_memberships",
    "ministry_or_404",
    "ministry_people",
    "ministry_person_or_404",
    "ministry_sponsored_enrolments",
    "ministry_staff",
    "ministry_staff_certificates",
    "ministry_staff_query",
    "nominated_enrolment_or_404",
    "nominated_enrolments",
    "nominated_in_cohorts",
    "nominated_list",
    "nomination_cohort_or_404",
    "nomination_cohort_rows",
    "nomination_cohorts",
    "one_or_404",
    "own_certificate_or_404",
    "own_certificates",
    "own_current_membership",
    "own_enrolment_or_404",
    "own_submission_or_404",
    "people_matching",
    "people_query",
    "person_memberships",
    "pinned_revisions",
    "policy_cohort_or_404",
    "policy_cohorts",
    "policy_enrolment_or_404",
    "policy_override_or_404",
    "policy_overrides",
    "policy_targets",
    "quiz_policy_overrides",
    "readable_course_or_404",
    "readable_courses",
    "regradable_attempts",
    "regrades_course",
    "roster_upload_or_404",
    "row_or_404",
    "scope_of",
    "seat_ministries",
    "seat_ministry_or_404",
    "session_groups",
    "session_or_404",
    "sets_quiz_policy",
    "sponsored_certificates",
    "sponsored_cohort_or_404",
    "sponsored_enrolments",
    "sponsored_staff_certificates",
    "staff_counts",
    "staff_discussion",
    "staff_prompt_counts",
    "staff_session_list",
    "staff_sessions",
    "staff_unanswered_questions",
    "taught_cohort_or_404",
    "taught_cohorts",
    "taught_cohorts_with_places",
    "taught_course_or_404",
    "taught_courses",
    "tracked_announcements",
    "tracked_cohort_or_404",
    "tracked_enrolment_or_404",
    "tracked_enrolments",
    "tracked_extension_or_404",
    "tracked_groups",
    "ungraded_essays",
    "visible_memberships",
    "withheld_attempt_ids",
]
