"""Course files in the browser: the download is ``flask courses export`` byte for byte; an
uploaded zip is read safely (no path escaping the folder, no links, no bombs, not too many
files), checked with the CLI's line-numbered report, imported all or nothing on confirmation;
and files imported over edits made in the browser are a conflict needing an explicit choice,
on the web page and in ``flask courses import``."""

from __future__ import annotations

import io
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.courses.check import load_course
from diplolearn.models import (
    AuditEvent,
    CourseUpload,
    CourseVersion,
    LessonRevision,
    ParagraphRevision,
    Role,
    utcnow,
)
from diplolearn.services.catalogue import coursefiles as service
from diplolearn.services.catalogue.course_import import digest, import_course
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_cohort,
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
)

SAMPLE = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"
KEY = SAMPLE.name
LESSON = "foundations/what-is-digital-diplomacy.en.md"


@pytest.fixture()
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    return tmp_path / "storage"


@pytest.fixture()
def course(db, storage):
    spec, files = load_course(SAMPLE)
    result = import_course(spec, files)
    db.session.commit()
    return result.course


@pytest.fixture()
def instructor(db, course):
    return make_with_role(Role.INSTRUCTOR, course.id)


@pytest.fixture()
def sample(tmp_path) -> Path:
    target = tmp_path / "edit" / KEY
    shutil.copytree(SAMPLE, target)
    return target


def zip_folder(folder: Path, prefix: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.writestr(f"{prefix}/{name}" if prefix else name, path.read_bytes())
    return out.getvalue()


def zip_of(entries) -> bytes:
    """A zip from (name, bytes[, external attributes]) tuples, written as given."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, *attributes in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if attributes:
                info.external_attr = attributes[0]
            archive.writestr(info, data)
    return out.getvalue()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _versions(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion))


def _upload(client, course, data: bytes, name="course.zip"):
    path = f"/teach/courses/{course.id}/files"
    return post_form(
        client, path, {"archive": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


# --- reading zips safely ---------------------------------------------------------------------

COURSE_YAML = b"id: x\n"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.yaml",
        "course/../../evil.yaml",
        "/etc/course.yaml",
        "C:/course.yaml",
        "course\\..\\evil.yaml",
    ],
)
def test_paths_escaping_the_folder_are_refused(app, name):
    with app.test_request_context(), pytest.raises(service.UnsafePath):
        service.read_zip(zip_of([("course.yaml", COURSE_YAML), (name, b"x")]))


def test_links_in_a_zip_are_refused(app):
    link = (stat.S_IFLNK | 0o777) << 16
    with app.test_request_context(), pytest.raises(service.LinkInZip):
        service.read_zip(
            zip_of(
                [
                    ("course.yaml", COURSE_YAML),
                    ("foundations/module.yaml", b"/etc/passwd", link),
                ]
            )
        )


def test_a_compression_bomb_is_refused(app):
    bomb = zip_of([("course.yaml", COURSE_YAML), ("big.md", b"\0" * (20 * 1024 * 1024))])
    assert len(bomb) < 100 * 1024
    with app.test_request_context(), pytest.raises(service.CompressionBomb):
        service.read_zip(bomb)


def test_too_much_uncompressed_data_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_ZIP_MAX_UNCOMPRESSED", 1000)
    honest = zip_of(
        [("course.yaml", COURSE_YAML)] + [(f"m/{i}.md", bytes(range(256)) * 2) for i in range(3)]
    )
    with app.test_request_context(), pytest.raises(service.CompressionBomb):
        service.read_zip(honest)


def test_too_many_files_are_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_ZIP_MAX_FILES", 10)
    with app.test_request_context(), pytest.raises(service.TooManyFiles):
        service.read_zip(
            zip_of([("course.yaml", COURSE_YAML)] + [(f"m/{i}.md", b"x") for i in range(10)])
        )


def test_not_a_zip_and_a_zip_without_a_course_are_refused(app):
    with app.test_request_context():
        with pytest.raises(service.ZipRefused):
            service.read_zip(b"PK\x03\x04 but not really a zip")
        with pytest.raises(service.NoCourseFolder):
            service.read_zip(zip_of([("a/course.yaml", b"x"), ("b/course.yaml", b"x")]))


def test_a_zip_may_hold_the_folder_or_its_contents(app):
    with app.test_request_context():
        inside = service.read_zip(zip_folder(SAMPLE, KEY))
        flat = service.read_zip(zip_folder(SAMPLE))
    assert inside == flat and inside["course.yaml"] == (SAMPLE / "course.yaml").read_bytes()


# --- download --------------------------------------------------------------------------------


def test_download_equals_flask_courses_export(client, runner, db, course, instructor, tmp_path):
    result = runner.invoke(args=["courses", "export", KEY, str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = {
        p.relative_to(tmp_path / "out").as_posix(): p.read_bytes()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    }
    login(client, instructor.email)
    response = client.get(f"/teach/courses/{course.id}/files/1.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        downloaded = {name: archive.read(name) for name in archive.namelist()}
    assert downloaded == exported
    assert client.get(f"/teach/courses/{course.id}/files/1.zip").data == response.data
    page = client.get(f"/teach/courses/{course.id}/files").get_data(as_text=True)
    assert f"/teach/courses/{course.id}/files/1.zip" in page


# --- upload, check, confirm ------------------------------------------------------------------


def test_check_problems_are_shown_with_file_and_line_and_nothing_is_imported(
    client, db, course, instructor, sample
):
    _edit(sample / "foundations" / "module.yaml", "required: true", "required: maybe")
    login(client, instructor.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    assert response.status_code == 302
    report = client.get(response.headers["Location"])
    text = report.get_data(as_text=True)
    assert f"{KEY}/foundations/module.yaml:" in text and "must be true or false" in text
    line = next(
        n
        for n, row in enumerate((sample / "foundations" / "module.yaml").read_text().split("\n"), 1)
        if "maybe" in row
    )
    assert f"{KEY}/foundations/module.yaml:{line}" in text
    assert "Import these files" not in text
    upload_id = int(response.headers["Location"].rsplit("/", 1)[1])
    refused = post_form(client, response.headers["Location"], {})
    assert refused.status_code == 409
    assert _versions(db) == 1
    assert db.session.get(CourseUpload, upload_id).applied_at is None


def test_an_unsafe_zip_stores_nothing_and_says_why(client, db, course, instructor):
    login(client, instructor.email)
    response = _upload(
        client, course, zip_of([("course.yaml", COURSE_YAML), ("../../etc/cron.d/x", b"x")])
    )
    assert response.status_code == 422
    assert "would lead outside the course folder" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseUpload)) == 0


def test_a_valid_upload_imports_a_new_version_on_confirmation(
    client, db, course, instructor, sample
):
    _edit(sample / LESSON, "Digital diplomacy", "Digital diplomacy (edited)")
    login(client, instructor.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    report = client.get(response.headers["Location"])
    assert "The files have no problem." in report.get_data(as_text=True)
    assert _versions(db) == 1  # nothing before the confirmation
    done = post_form(client, response.headers["Location"], {})
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    latest = db.session.scalar(sa.select(CourseVersion).order_by(CourseVersion.number.desc()))
    assert latest.number == 2 and latest.is_published
    bodies = db.session.scalars(
        sa.select(ParagraphRevision.body)
        .join(LessonRevision)
        .where(LessonRevision.course_version_id == latest.id)
    ).all()
    assert any("(edited)" in body.get("en", "") for body in bodies)
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "course.files_import"))
        is not None
    )
    # The kept zip is dropped once applied, and cannot be confirmed twice.
    assert client.get(response.headers["Location"]).status_code == 404


def test_confirming_rechecks_the_kept_zip_all_or_nothing(client, db, course, instructor, sample):
    login(client, instructor.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    upload_id = int(response.headers["Location"].rsplit("/", 1)[1])
    token = csrf_from(client, response.headers["Location"])
    # The bytes kept server-side are what is imported: break them behind the page's back.
    _edit(sample / LESSON, "{#", "{#Bad Anchor} {#")
    kept = db.session.get(CourseUpload, upload_id)
    kept.content = zip_folder(sample, KEY)
    db.session.commit()
    refused = client.post(response.headers["Location"], data={"csrf_token": token})
    assert refused.status_code == 409
    assert "nothing was imported" in refused.get_data(as_text=True)
    assert _versions(db) == 1


def test_a_zip_of_another_course_is_a_problem(client, db, course, instructor, sample):
    _edit(sample / "course.yaml", f"id: {KEY}", "id: some-other-course")
    login(client, instructor.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is the course &#39;some-other-course&#39;" in text


# --- conflicts with edits made in the browser ------------------------------------------------


def _edit_in_browser(db, course):
    """What a browser edit leaves: the version's text changed, and no files behind it."""
    version = db.session.scalar(
        sa.select(CourseVersion).where(CourseVersion.course_id == course.id)
    )
    paragraph = db.session.scalars(
        sa.select(ParagraphRevision)
        .join(LessonRevision)
        .where(LessonRevision.course_version_id == version.id)
        .order_by(ParagraphRevision.id)
    ).first()
    paragraph.body = {**paragraph.body, "en": "Rewritten in the browser."}
    version.source_digest = None
    db.session.commit()
    return version


def test_files_over_browser_edits_are_a_conflict_needing_a_choice(
    client, db, course, instructor, sample
):
    _edit_in_browser(db, course)
    _edit(sample / "foundations" / "module.yaml", "required: true", "required: false")
    login(client, instructor.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Changes made in the browser would be replaced" in text
    assert "foundations/module.yaml" in text and LESSON in text
    refused = post_form(client, response.headers["Location"], {})
    assert refused.status_code == 409 and _versions(db) == 1
    done = post_form(client, response.headers["Location"], {"replace_edits": "y"})
    assert done.status_code == 302 and _versions(db) == 2
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "course.files_import")
    )
    assert event.details["replaced_edits"] == [1]


def test_no_conflict_when_the_course_came_from_files(db, course, sample):
    _edit(sample / "foundations" / "module.yaml", "required: true", "required: false")
    _spec, files = load_course(sample)
    assert service.conflicts(course, files) == []


def test_files_exported_from_the_browser_version_are_no_conflict(db, course, tmp_path):
    version = _edit_in_browser(db, course)
    files = service.version_files(course, version)
    assert service.conflicts(course, files) == []
    assert [v.number for v, _ in service.edited_versions(course)] == [1]


def test_a_factory_version_without_source_digest_is_a_conflict(db, storage):
    published = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
    files = service.version_files(published.course, published.version)
    changed = {**files, "course.yaml": files["course.yaml"] + b"# another\n"}
    found = service.conflicts(published.course, changed)
    assert [c.version.number for c in found] == [1] and found[0].changed == ["course.yaml"]


def test_a_version_published_from_the_browser_is_a_conflict_even_with_a_digest(db, storage):
    """Publishing from the browser records the digest of the version's own files: still not
    files the team has, so importing other files over it needs the explicit choice."""
    published = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
    files = service.version_files(published.course, published.version)
    published.version.source_digest = digest(files)
    db.session.flush()
    changed = {**files, "course.yaml": files["course.yaml"] + b"# another\n"}
    assert [c.version.number for c in service.conflicts(published.course, changed)] == [1]


def test_a_corrected_version_is_a_conflict(db, course, sample):
    version = db.session.scalar(sa.select(CourseVersion))
    version.corrected_at = utcnow()
    db.session.flush()
    _edit(sample / "foundations" / "module.yaml", "required: true", "required: false")
    assert [c.version.number for c in service.conflicts(course, load_course(sample)[1])] == [1]


def test_the_shipped_courses_import_again_without_conflict(runner, db, storage):
    first = runner.invoke(args=["courses", "import", str(SAMPLE.parent)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["courses", "import", str(SAMPLE.parent)])
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output and "browser" not in again.output


def test_cli_import_refuses_browser_edits_unless_forced(runner, db, course, sample):
    _edit_in_browser(db, course)
    _edit(sample / "foundations" / "module.yaml", "required: true", "required: false")
    result = runner.invoke(args=["courses", "import", str(sample)])
    assert result.exit_code != 0
    assert f"{KEY}/{LESSON}: changed" in result.output
    assert "nothing was imported" in result.output and _versions(db) == 1
    forced = runner.invoke(args=["courses", "import", "--force", str(sample)])
    assert forced.exit_code == 0, forced.output
    assert "version 2 published" in forced.output and _versions(db) == 2


# --- who may ---------------------------------------------------------------------------------


def test_only_the_course_instructors_and_administrators(app, client, db, course, sample):
    cohort = make_cohort(course)
    ministry = make_ministry()
    learner, _ = make_learner(cohort, ministry=ministry)
    coordinator = make_with_role(Role.COORDINATOR, ministry.id)
    other_instructor = make_with_role(
        Role.INSTRUCTOR, make_published_course(modules=1, with_quiz=False).course.id
    )
    admin = make_with_role(Role.ADMINISTRATOR)
    owner = make_with_role(Role.INSTRUCTOR, course.id)
    db.session.commit()
    paths = [
        f"/teach/courses/{course.id}/files",
        f"/teach/courses/{course.id}/files/1.zip",
        f"/teach/courses/{course.id}/images",
    ]
    assert client.get(paths[0]).status_code == 302  # anonymous: to the login page
    for user, status in (
        (learner, 403),
        (coordinator, 403),
        (other_instructor, 404),
        (admin, 200),
        (owner, 200),
    ):
        someone = app.test_client()
        login(someone, user.email)
        assert [someone.get(p).status_code for p in paths] == [status] * 3, user
    # Someone else's kept upload is not found, even by an administrator.
    login(client, owner.email)
    response = _upload(client, course, zip_folder(sample, KEY))
    location = response.headers["Location"]
    admin_client = app.test_client()
    login(admin_client, admin.email)
    assert admin_client.get(location).status_code == 404
