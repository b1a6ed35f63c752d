"""Start-up (issue 23): `make run`'s seed step imports courses/ with --skip-conflicts, so a course
edited and published in the browser never stops the platform from starting; the explicit
`flask courses import` keeps refusing such a conflict; the demo seed stays idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.demo import DEMO_COURSE_KEY, seed_demo
from diplolearn.models import Course, CourseVersion, Enrolment, QuizAttempt, User
from diplolearn.services.accounts import accounts
from diplolearn.services.authoring import drafting, lessons, owners, publishing
from tests.factories import make_user

COURSES = Path(__file__).parent.parent / "courses"
BASICS = "digital-diplomacy-basics"
LESSON = "what-is-digital-diplomacy"
BROWSER_TEXT = "Edited in the browser."
# What the Makefile's seed target runs (its first line).
START_UP = ["courses", "import", "--skip-conflicts"]


@pytest.fixture()
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))


def _course(db, key: str) -> Course:
    db.session.expire_all()
    return db.session.scalar(sa.select(Course).where(Course.key == key))


def edit_and_publish(db, key: str, lesson_key: str, by: User) -> CourseVersion:
    """What an instructor does under Authoring: open a draft, edit a lesson's English text,
    publish the draft; committed, as the request's unit of work does."""
    course = _course(db, key)
    if not owners.is_owner(by, course):
        owners.add_owner(course, by, None)
    draft = drafting.open_draft(course, by)
    _, lesson = drafting.find_lesson(drafting.spec_of(draft), lesson_key)
    texts = lessons.lesson_texts(lesson)
    token = drafting.token_of(texts)
    title, body = texts["en"]
    texts["en"] = (title, body.rstrip() + " " + BROWSER_TEXT)
    lessons.edit_lesson(draft, lesson_key, texts, token, by)
    version = publishing.publish(draft, by)
    db.session.commit()
    return version


def latest_published(db, key: str) -> CourseVersion:
    return drafting.latest_published(_course(db, key))


def published_text(db, key: str, lesson_key: str) -> str:
    version = latest_published(db, key)
    _, lesson = drafting.find_lesson(drafting.spec_of(version), lesson_key)
    return lessons.lesson_texts(lesson)["en"][1]


def test_start_up_leaves_a_course_edited_in_the_browser_and_goes_on(runner, db, storage):
    first = runner.invoke(args=[*START_UP, str(COURSES)])
    assert first.exit_code == 0, first.output
    assert f"{BASICS}: version 1 published" in first.output
    edited = edit_and_publish(db, BASICS, LESSON, make_user())
    assert edited.number == 2

    again = runner.invoke(args=[*START_UP, str(COURSES)])

    assert again.exit_code == 0, again.output
    skipped = [line for line in again.output.splitlines() if line.startswith(f"{BASICS}:")]
    assert len(skipped) == 1, again.output
    assert "left as it is" in skipped[0] and "version 2 (published)" in skipped[0]
    assert f"flask courses export {BASICS} {COURSES}" in skipped[0]
    assert f"flask courses import --force {COURSES / BASICS}" in skipped[0]
    assert f"{DEMO_COURSE_KEY}: unchanged (version 1)" in again.output
    # The browser's version is still the one published, and nothing new was made.
    assert latest_published(db, BASICS).id == edited.id
    assert BROWSER_TEXT in published_text(db, BASICS, LESSON)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 3

    # The explicit command keeps its safety: the same conflict is refused, nothing imported.
    explicit = runner.invoke(args=["courses", "import", str(COURSES)])
    assert explicit.exit_code != 0
    assert "nothing was imported" in explicit.output and "--force" in explicit.output
    assert latest_published(db, BASICS).id == edited.id
    # And the two choices exclude each other.
    both = runner.invoke(args=[*START_UP, "--force", str(COURSES)])
    assert both.exit_code != 0 and "exclude each other" in both.output


def test_start_up_imports_changed_files_but_not_over_the_browsers_changes(
    runner, db, storage, tmp_path
):
    courses = tmp_path / "courses"
    shutil.copytree(COURSES, courses, ignore=shutil.ignore_patterns("README.md"))
    assert runner.invoke(args=[*START_UP, str(courses)]).exit_code == 0
    edited = edit_and_publish(db, BASICS, LESSON, make_user())
    # Both courses' files change after the browser edit.
    for module_yaml, old, new in (
        (courses / BASICS / "foundations" / "module.yaml", "required: true", "required: false"),
        (
            courses / DEMO_COURSE_KEY / "introduction" / "module.yaml",
            "estimated_minutes: 32",
            "estimated_minutes: 40",
        ),
    ):
        text = module_yaml.read_text()
        assert old in text
        module_yaml.write_text(text.replace(old, new, 1))

    result = runner.invoke(args=[*START_UP, str(courses)])

    assert result.exit_code == 0, result.output
    skipped = [line for line in result.output.splitlines() if line.startswith(f"{BASICS}:")]
    assert len(skipped) == 1, result.output
    assert f"{courses / BASICS} not imported" in skipped[0]
    assert f"flask courses import --force {courses / BASICS}" in skipped[0]
    assert f"{DEMO_COURSE_KEY}: version 2 published" in result.output
    assert latest_published(db, BASICS).id == edited.id


def test_the_demo_seed_stays_idempotent_after_a_browser_edit(runner, db, storage):
    assert runner.invoke(args=[*START_UP, str(COURSES)]).exit_code == 0
    seed_demo()
    db.session.commit()
    instructor = accounts.find_user_by_email("instructor@diplolearn.test")
    edited = edit_and_publish(db, DEMO_COURSE_KEY, "intro-digital-diplomacy", instructor)

    def counts():
        return [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Enrolment, QuizAttempt, CourseVersion)
        ]

    before = counts()
    # `make run` again: the start-up import, then the demo seed (twice: still nothing new).
    again = runner.invoke(args=[*START_UP, str(COURSES)])
    assert again.exit_code == 0, again.output
    assert f"{DEMO_COURSE_KEY}: left as it is" in again.output
    assert seed_demo() == 0
    db.session.commit()
    assert seed_demo() == 0
    db.session.commit()
    assert counts() == before
    assert latest_published(db, DEMO_COURSE_KEY).id == edited.id
