"""Authoring and course files: the courses a viewer edits or reads, their authors, cohorts,
uploaded course folders and lesson images.

A course's owners and co-authors edit it; every instructor (anyone holding INSTRUCTOR on some
course) reads and copies any course; administrators edit every course. Course-folder uploads
and lesson images belong to a course the viewer teaches (``taught_course_or_404``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    CourseOwner,
    CourseUpload,
    LessonImage,
    Role,
    RoleGrant,
    User,
)
from diplolearn.security.scoping.base import one_or_404, scope_of
from diplolearn.security.scoping.teaching import taught_course_or_404


def may_author(viewer: User, course_id: int) -> bool:
    scope = scope_of(viewer)
    return scope.is_administrator or course_id in scope.course_ids


def authored_course_or_404(viewer: User, course_id: int) -> Course:
    """A course the viewer edits (owner or co-author, or administrator). 404 when the viewer
    may not even read it; 403 for an instructor who reads it but does not author it."""
    course = readable_course_or_404(viewer, course_id)
    if not may_author(viewer, course.id):
        abort(403)
    return course


def readable_course_or_404(viewer: User, course_id: int) -> Course:
    """A course the viewer may read and copy in the authoring area: any course for an
    instructor of some course or an administrator; 404 otherwise."""
    scope = scope_of(viewer)
    if not (scope.is_administrator or scope.course_ids):
        abort(404)  # not an author anywhere: no query at all
    return one_or_404(sa.select(Course).where(Course.id == course_id, Course.retired_at.is_(None)))


def readable_courses(viewer: User) -> list:
    scope = scope_of(viewer)
    if not (scope.is_administrator or scope.course_ids):
        return []
    return list(
        db.session.scalars(
            sa.select(Course).where(Course.retired_at.is_(None)).order_by(Course.key)
        )
    )


def course_cohort_or_404(course_id: int, cohort_id: int) -> Cohort:
    """A cohort of the given (already scoped) course; 404 for any other id."""
    return one_or_404(
        sa.select(Cohort).where(Cohort.id == cohort_id, Cohort.course_id == course_id)
    )


def course_author_or_404(course_id: int, user_id: int) -> User:
    """An owner or co-author (INSTRUCTOR grant) of the given (already scoped) course; 404 for
    anyone else."""
    return one_or_404(
        sa.select(User).where(
            User.id == user_id,
            sa.or_(
                User.id.in_(
                    sa.select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)
                ),
                User.id.in_(
                    sa.select(RoleGrant.user_id).where(
                        RoleGrant.role == Role.INSTRUCTOR.value, RoleGrant.course_id == course_id
                    )
                ),
            ),
        )
    )


def course_upload_or_404(
    viewer: User, course_id: int, upload_id: int
) -> tuple[Course, CourseUpload]:
    """A course-folder zip the viewer uploaded to a course they teach and has not been
    imported yet; 404 for anyone else's, another course's, or one already applied."""
    course = taught_course_or_404(viewer, course_id)
    upload = one_or_404(
        sa.select(CourseUpload).where(
            CourseUpload.id == upload_id,
            CourseUpload.course_id == course.id,
            CourseUpload.uploaded_by_id == viewer.id,
            CourseUpload.applied_at.is_(None),
        )
    )
    return course, upload


def lesson_image_or_404(viewer: User, course_id: int, image_id: int) -> tuple[Course, LessonImage]:
    """An image of a course the viewer teaches; 404 otherwise."""
    course = taught_course_or_404(viewer, course_id)
    image = one_or_404(
        sa.select(LessonImage).where(LessonImage.id == image_id, LessonImage.course_id == course.id)
    )
    return course, image
