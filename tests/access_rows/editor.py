"""Access rows of the paragraph editor of a lesson (issue 15 item 7): the course's authors and
administrators edit it; other instructors read the course but edit nothing (403); nobody else
reaches authoring (403). An empty form (CSRF token only) presses no button: 422."""

from __future__ import annotations

# Roles: anonymous, learner, coordinator, instructor, tutor, administrator.
GET = {
    "/author/courses/{course}/lessons/{lesson}/paragraphs": (302, 403, 403, 200, 403, 200),
    "/author/courses/{course}/lessons/unknown/paragraphs": (302, 403, 403, 404, 403, 404),
    "/author/courses/{other_course}/lessons/{lesson}/paragraphs": (302, 403, 403, 403, 403, 404),
    # A new lesson as whole texts (the paragraph editor is the core table's .../lessons/new).
    "/author/courses/{course}/modules/{module}/lessons/new/text": (302, 403, 403, 200, 403, 200),
    "/author/courses/{other_course}/modules/{module}/lessons/new/text": (
        302,
        403,
        403,
        403,
        403,
        404,
    ),
}

POST = {
    "/author/courses/{course}/lessons/{lesson}/paragraphs": (302, 403, 403, 422, 403, 422),
    "/author/courses/{other_course}/lessons/{lesson}/paragraphs": (302, 403, 403, 403, 403, 404),
    "/author/courses/{course}/modules/{module}/lessons/new/text": (302, 403, 403, 422, 403, 422),
}
