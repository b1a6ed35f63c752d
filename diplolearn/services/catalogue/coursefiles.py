"""Course folders in and out of the browser: the canonical export as a zip, and a zip uploaded,
checked, and imported all or nothing, with edits made in the browser never silently lost.

Reading an uploaded zip happens in memory and refuses, before anything is stored: absolute
paths, ``..``, drive letters and backslashes (paths that would leave the folder), links and
other special entries (the Unix mode in a member's external attributes), encrypted members,
more than ``COURSE_ZIP_MAX_FILES`` files, more than ``COURSE_ZIP_MAX_UNCOMPRESSED`` bytes once
uncompressed, and members that compress too well to be honest (a compression bomb). The folder
is then written to a private temporary directory and checked by exactly the code behind
``flask courses check``, so the report is the same, file and line.

Conflicts: a version not produced from files, or changed since, would lose those changes if
other files were imported over it. A version counts as produced from files when the importer
made it (its ``course.import`` audit event, which the append-only log keeps), nothing
corrected it since (``corrected_at``), and its canonical export still has the
``source_digest`` it was imported with; drafts and versions published from the browser do not.
``conflicts`` lists, for the latest published version and any open draft not produced from
files, which files differ; the import then needs an explicit choice (the web page's checkbox,
``flask courses import --force``). Files identical to such a version are no conflict: nothing
would be lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context

from diplolearn.courses.check import check_course
from diplolearn.courses.spec import CourseSpec, Problem, Source
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db
from diplolearn.models import (
    AuditEvent,
    Course,
    CourseUpload,
    CourseVersion,
    CourseVersionState,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.catalogue import (
    CompressionBomb,
    ConflictUnconfirmed,
    EncryptedZip,
    LinkInZip,
    NoCourseFolder,
    TooManyFiles,
    UnsafePath,
    UploadInvalid,
    ZipRefused,
    ZipTooLarge,
    images,
)
from diplolearn.services.catalogue.course_export import version_spec
from diplolearn.services.catalogue.course_import import ImportResult, digest, import_course

DEFAULTS = {
    "COURSE_ZIP_MAX_BYTES": 6 * 1024 * 1024,
    "COURSE_ZIP_MAX_FILES": 2000,
    "COURSE_ZIP_MAX_UNCOMPRESSED": 64 * 1024 * 1024,
}
MAX_RATIO = 100  # uncompressed / compressed, for members over BOMB_FLOOR bytes
BOMB_FLOOR = 256 * 1024
UPLOAD_TTL = dt.timedelta(days=1)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._[^/]*$|\.DS_Store$|Thumbs\.db$)")


def limit(name: str) -> int:
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


# --- reading a zip ---------------------------------------------------------------------------


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
    )


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of the course folder in an uploaded zip, by path relative to the folder."""
    if len(data) > limit("COURSE_ZIP_MAX_BYTES"):
        raise ZipTooLarge(limit("COURSE_ZIP_MAX_BYTES"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ZipRefused() from error
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > limit("COURSE_ZIP_MAX_FILES"):
            raise TooManyFiles(limit("COURSE_ZIP_MAX_FILES"))
        for info in infos:
            name = info.filename
            if _unsafe(name):
                raise UnsafePath(name)
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK or (kind and kind not in (stat.S_IFREG, stat.S_IFDIR)):
                raise LinkInZip(name)
            if info.is_dir() or _JUNK.search(name):
                continue
            if info.flag_bits & 0x1:
                raise EncryptedZip()
            total += info.file_size
            if total > limit("COURSE_ZIP_MAX_UNCOMPRESSED") or (
                info.file_size > BOMB_FLOOR
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise CompressionBomb()
            path = "/".join(part for part in name.split("/") if part not in ("", "."))
            if not path:
                continue
            if path in files:
                raise ZipRefused()
            try:
                with archive.open(info) as handle:
                    # zipfile stops at the declared size and checks the CRC at the end.
                    content = handle.read(info.file_size + 1)
            except (
                zipfile.BadZipFile,
                NotImplementedError,
                RuntimeError,
                EOFError,
                ValueError,
                OSError,
            ) as error:
                raise ZipRefused() from error
            if len(content) != info.file_size:
                raise CompressionBomb()
            files[path] = content
    if "course.yaml" in files:
        return files
    tops = {path.split("/")[0] for path in files}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/course.yaml" in files:
            return {path[len(top) + 1 :]: content for path, content in files.items()}
    raise NoCourseFolder()


# --- checking --------------------------------------------------------------------------------


@dataclass
class Checked:
    spec: CourseSpec | None
    problems: list[Problem]
    files: dict[str, bytes] = field(default_factory=dict)  # canonical bytes, when valid

    @property
    def digest(self) -> str:
        return digest(self.files)


def check_files(course: Course, files: dict[str, bytes]) -> Checked:
    """Check a folder's files with ``flask courses check``'s code; problems name the files as
    ``<course id>/<path>:<line>``."""
    with tempfile.TemporaryDirectory(prefix="course-upload-") as temporary:
        folder = Path(temporary) / course.key
        try:
            for rel, content in files.items():
                path = folder / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        except OSError as error:  # a name used both as a file and as a folder
            raise ZipRefused() from error
        folder.mkdir(exist_ok=True)
        spec, problems = check_course(folder, images.limits())
    if spec is not None and spec.id and spec.id != course.key:
        line = spec.source.line if spec.source else 1
        problems.insert(
            0,
            Problem(
                Source(f"{course.key}/course.yaml", line),
                f"this folder is the course {spec.id!r}, not {course.key!r}: "
                "upload it on that course's page",
            ),
        )
    valid = spec is not None and not problems
    return Checked(spec, problems, course_file_bytes(spec) if valid else {})


def check_zip(course: Course, data: bytes) -> Checked:
    return check_files(course, read_zip(data))


# --- conflicts -------------------------------------------------------------------------------


@dataclass
class Conflict:
    version: CourseVersion
    added: list[str]  # in the incoming files only
    removed: list[str]  # in the version only
    changed: list[str]

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def version_files(course: Course, version: CourseVersion) -> dict[str, bytes]:
    return course_file_bytes(version_spec(course.key, version.number))


def edited_versions(course: Course) -> list[tuple[CourseVersion, dict[str, bytes]]]:
    """The latest published version and the open drafts whose content was not produced from
    files or changed since, with their canonical files."""
    versions = db.session.scalars(
        sa.select(CourseVersion)
        .where(
            CourseVersion.course_id == course.id,
            CourseVersion.state.in_([CourseVersionState.PUBLISHED, CourseVersionState.DRAFT]),
        )
        .order_by(CourseVersion.number.desc())
    ).all()
    published = next((v for v in versions if v.state == CourseVersionState.PUBLISHED), None)
    candidates = [v for v in versions if v.state == CourseVersionState.DRAFT]
    if published is not None:
        candidates.append(published)
    imported = (
        set(
            db.session.scalars(
                sa.select(AuditEvent.target_id).where(
                    AuditEvent.action == "course.import",
                    AuditEvent.target_type == "CourseVersion",
                    AuditEvent.target_id.in_([v.id for v in candidates]),
                )
            )
        )
        if candidates
        else set()
    )
    edited = []
    for version in candidates:
        files = version_files(course, version)
        from_files = (
            version.id in imported
            and version.source_digest == digest(files)
            and getattr(version, "corrected_at", None) is None
        )
        if not from_files:
            edited.append((version, files))
    return edited


def conflicts(course: Course, files: dict[str, bytes]) -> list[Conflict]:
    """What importing ``files`` would replace of the edits made outside files."""
    found = []
    incoming = digest(files)
    for version, current in edited_versions(course):
        if digest(current) == incoming:
            continue  # these files are that very version: nothing would be lost
        found.append(
            Conflict(
                version,
                added=sorted(set(files) - set(current)),
                removed=sorted(set(current) - set(files)),
                changed=sorted(p for p in set(files) & set(current) if files[p] != current[p]),
            )
        )
    return found


# --- uploads kept between the report and the confirmation ------------------------------------


def save_upload(course: Course, filename: str, data: bytes, by: User) -> CourseUpload:
    """Keep an uploaded zip for its report; unsafe zips are refused before anything is kept."""
    read_zip(data)
    db.session.execute(
        sa.delete(CourseUpload).where(
            CourseUpload.applied_at.is_(None), CourseUpload.created_at < utcnow() - UPLOAD_TTL
        )
    )
    upload = CourseUpload(
        course_id=course.id,
        uploaded_by_id=by.id,
        filename=(filename or "")[:255],
        size=len(data),
        digest=hashlib.sha256(data).hexdigest(),
        content=data,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def import_upload(
    course: Course, upload: CourseUpload, by: User, replace_edits: bool
) -> ImportResult:
    """Re-read and re-check the kept zip, then import it all or nothing."""
    checked = check_zip(course, upload.content or b"")
    if checked.problems:
        raise UploadInvalid()
    found = conflicts(course, checked.files)
    if found and not replace_edits:
        raise ConflictUnconfirmed()
    result = import_course(checked.spec, checked.files, by=by)
    upload.applied_at, upload.content = utcnow(), None
    upload.result = {
        "version": result.version.number,
        "created": result.created,
        "replaced_edits": [c.version.number for c in found],
    }
    audit.record(
        by,
        "course.files_import",
        target=result.version,
        course=course.key,
        version=result.version.number,
        created=result.created,
        replaced_edits=[c.version.number for c in found],
    )
    return result


# --- downloads -------------------------------------------------------------------------------


def downloadable_versions(course: Course) -> dict[str, CourseVersion]:
    """The latest published version and the latest open draft, when there are."""
    found = {}
    for state in (CourseVersionState.PUBLISHED, CourseVersionState.DRAFT):
        version = db.session.scalar(
            sa.select(CourseVersion)
            .where(CourseVersion.course_id == course.id, CourseVersion.state == state)
            .order_by(CourseVersion.number.desc())
            .limit(1)
        )
        if version is not None:
            found[str(state)] = version
    return found


def version_by_number(course: Course, number: int) -> CourseVersion | None:
    """The course's version with this number, whatever its state; None when there is none."""
    return db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )


def export_zip(course: Course, version: CourseVersion) -> bytes:
    """The version's canonical folder, zipped byte for byte as ``flask courses export``
    writes it (under ``<course id>/``), with fixed dates so the same version gives the same
    zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, content in version_files(course, version).items():
            info = zipfile.ZipInfo(f"{course.key}/{rel}", date_time=_FIXED_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()
