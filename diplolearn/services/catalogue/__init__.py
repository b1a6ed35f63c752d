"""The catalogue: published courses as learners read them (outline), lesson images
(images), course files imported into the database and exported from it (course_import with
course_loader, course_export), and course files as zips (coursefiles).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError

# --- course files in and out of the database (course_import, course_export) ----------------------


class UnknownCourse(LookupError):
    """No course with that id, or no such version of it (``flask courses export``)."""


# --- course files as zips (coursefiles) -----------------------------------------------------------


class ZipRefused(DomainError):
    message = _l("This file is not a zip archive of a course folder. Nothing was imported.")


class ZipTooLarge(ZipRefused):
    def __init__(self, size: int):
        super().__init__(
            _l(
                "This zip is larger than %(size)s MB, the most a course upload may "
                "be. Nothing was imported.",
                size=f"{size / (1024 * 1024):g}",
            )
        )


class UnsafePath(ZipRefused):
    def __init__(self, name: str):
        super().__init__(
            _l(
                "The zip holds a path that would lead outside the course folder "
                "(%(name)s). Nothing was imported.",
                name=name[:120],
            )
        )


class LinkInZip(ZipRefused):
    def __init__(self, name: str):
        super().__init__(
            _l(
                "The zip holds a link or special file (%(name)s); only ordinary "
                "files are accepted. Nothing was imported.",
                name=name[:120],
            )
        )


class TooManyFiles(ZipRefused):
    def __init__(self, count: int):
        super().__init__(
            _l(
                "The zip holds more than %(count)s files, the most a course may "
                "have. Nothing was imported.",
                count=count,
            )
        )


class CompressionBomb(ZipRefused):
    message = _l(
        "The zip would unpack to far more than a course holds (a compression bomb?). "
        "Nothing was imported."
    )


class EncryptedZip(ZipRefused):
    message = _l("The zip is protected by a password. Upload it without one. Nothing was imported.")


class NoCourseFolder(ZipRefused):
    message = _l(
        "The zip holds no course.yaml, neither at its top nor in a single folder. "
        "Zip the course folder itself. Nothing was imported."
    )


class UploadInvalid(DomainError):
    message = _l("The course files have problems (listed below), so nothing was imported.")


class ConflictUnconfirmed(DomainError):
    message = _l(
        "The course has changes made in the browser that these files would replace. "
        "Nothing was imported: confirm that you want to replace them, or download "
        "the current version and merge first."
    )


# --- lesson images (images) -----------------------------------------------------------------------


class ImageRefused(DomainError):
    message = _l(
        "This file is not a PNG, JPEG or WebP image, so it was not accepted. Nothing was saved."
    )


class WrongImageType(ImageRefused):
    pass


class ImageTooLarge(ImageRefused):
    def __init__(self, limit: int):
        super().__init__(
            _l(
                "This image is larger than %(size)s MB, the most an image may be. "
                "Nothing was saved.",
                size=f"{limit / (1024 * 1024):g}",
            )
        )


class ImageTooManyPixels(ImageRefused):
    def __init__(self, limit: int):
        super().__init__(
            _l(
                "This image has more than %(pixels)s million pixels (or is too wide "
                "or too tall), the most an image may have. Nothing was saved. Make "
                "it smaller and upload it again.",
                pixels=f"{limit / 1e6:g}",
            )
        )


class ImageDamaged(ImageRefused):
    message = _l(
        "This image could not be read: it may be damaged or incomplete. Nothing was saved."
    )


class AnimatedImage(ImageRefused):
    message = _l("Animated images are not accepted. Nothing was saved.")


class AltTextMissing(DomainError):
    def __init__(self, languages: list[str]):
        super().__init__(
            _l(
                "Describe the image in every language of the course: the "
                "alternative text is missing in %(languages)s. Nothing was saved.",
                languages=", ".join(languages),
            )
        )
