"""Access rows of grading without friction (issue 20): the page of a quiz's held grades and
its release of many at once. Graders of the course see it (each only the learners they grade);
learners and coordinators are refused at the door; another course's quiz is a 404. An empty
form (CSRF token only) chooses nothing: 422, nothing released."""

from __future__ import annotations

# Roles: anonymous, learner, coordinator, instructor, tutor, administrator.
GET = {
    "/teach/courses/{course}/quizzes/{quiz}/held": (302, 403, 403, 200, 200, 200),
    "/teach/courses/{course}/quizzes/unknown/held": (302, 403, 403, 404, 404, 404),
    "/teach/courses/{other_course}/quizzes/{quiz}/held": (302, 403, 403, 404, 404, 404),
}

POST = {
    "/teach/courses/{course}/quizzes/{quiz}/held": (302, 403, 403, 422, 422, 422),
    "/teach/courses/{other_course}/quizzes/{quiz}/held": (302, 403, 403, 404, 404, 404),
}
