"""Access rows of issue 20's quiz review step (tests/test_quiz_review.py tests the pages).

The review page and its posts belong to the learner alone, like the attempt page: anyone else
gets 404, as for an attempt that does not exist. A finished attempt's review leads to its result
(302); finishing it again is refused (409). Posting to the review saves and shows the review
(302); the final submission of the attempt in progress leads to the result (302).
"""

GET = {
    "/learn/{enrolment}/attempts/{attempt}/review": (302, 200, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/review": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}/review": (302, 404, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/review": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/987654/review": (302, 404, 404, 404, 404, 404),
}

POST = {
    "/learn/{enrolment}/attempts/{attempt}/review": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{other_attempt}/review": (302, 404, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{attempt}/finish": (302, 302, 404, 404, 404, 404),
    "/learn/{enrolment}/attempts/{graded}/finish": (302, 409, 404, 404, 404, 404),
    "/learn/{other_enrolment}/attempts/{other_attempt}/finish": (302, 404, 404, 404, 404, 404),
}

A_SIDE = ()
