"""Files handed in for written assignments: recognised by their content, size-limited,
stored once by their SHA-256 under ``STORAGE_ROOT/submissions/`` (see services.assessment.assignments).

A PDF starts with ``%PDF-``; a .docx is a zip holding ``[Content_Types].xml`` whose main part
is a WordprocessingML document, and ``word/document.xml``. Macro-enabled documents (a
``vbaProject.bin`` part or a macro-enabled content type) and anything else are refused, as is
a file over ``ASSIGNMENT_MAX_FILE_BYTES``. So is a .docx that would unpack to more than
``ASSIGNMENT_MAX_UNCOMPRESSED`` bytes, holds more than ``MAX_ENTRIES`` parts, or has a part
compressed more than ``MAX_RATIO`` times (a zip bomb), judged from the archive's directory
without unpacking anything. Nothing is written before a file is accepted.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from diplolearn.services import storage
from diplolearn.services.assessment import (
    FileTooLarge,
    MacroFile,
    UnpacksTooLarge,
    WrongFileType,
)

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 50 * 1024 * 1024
# A long essay with images has a few dozen parts; XML compresses about ten times, zeros a
# thousand. The ratio is judged only for parts over BOMB_FLOOR bytes once unpacked.
MAX_ENTRIES = 1000
MAX_RATIO = 100
BOMB_FLOOR = 1024 * 1024
WORDPROCESSING_MAIN = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def max_file_bytes() -> int:
    return int(current_app.config.get("ASSIGNMENT_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_uncompressed_bytes() -> int:
    if not has_app_context():
        return DEFAULT_MAX_UNCOMPRESSED
    return int(current_app.config.get("ASSIGNMENT_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED))


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """UnpacksTooLarge for a zip bomb: too many parts, too much once unpacked in all, or a part
    compressed beyond what real documents are (from the sizes its directory declares)."""
    limit = max_uncompressed_bytes()
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnpacksTooLarge(limit)
    if sum(info.file_size for info in infos) > limit:
        raise UnpacksTooLarge(limit)
    for info in infos:
        if info.file_size > BOMB_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnpacksTooLarge(limit)


def sniff(data: bytes) -> str:
    """``pdf`` or ``docx`` from the file's content; WrongFileType or MacroFile otherwise."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        raise WrongFileType()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise WrongFileType()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise MacroFile()
            check_unpacked_size(archive)
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 256 * 1024:
                raise WrongFileType()
            types = archive.read(info)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        ValueError,
    ) as error:
        raise WrongFileType() from error
    if b"macroenabled" in types.lower():
        raise MacroFile()
    if WORDPROCESSING_MAIN not in types:
        raise WrongFileType()
    return "docx"


@dataclass(frozen=True)
class Upload:
    name: str
    kind: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_upload(filename: str, data: bytes) -> Upload:
    """Validate an uploaded file (size, then content); nothing is stored yet."""
    limit = max_file_bytes()
    if len(data) > limit:
        raise FileTooLarge(limit)
    kind = sniff(data)
    stem = Path((filename or "").replace("\\", "/")).stem
    stem = re.sub(r"[^\w.\- ]+", "", unicodedata.normalize("NFC", stem)).strip(" .")[:120]
    return Upload(f"{stem or 'submission'}.{kind}", kind, data)


def storage_path(sha256: str) -> Path:
    return storage.content_path("submissions", sha256)


def store(upload: Upload) -> str:
    """Write the file once under its digest (atomically); return the digest."""
    return storage.store_bytes("submissions", upload.data)
