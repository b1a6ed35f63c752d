"""Images in lessons: recognised by their content, limited, cleaned, resized, stored once.

An upload is accepted only when its bytes are a PNG, JPEG or WebP image (never by its name or
declared type; SVG, GIF and everything else are refused), no larger than ``IMAGE_MAX_BYTES``,
and, read from its header before any pixel is decoded, no more than ``IMAGE_MAX_PIXELS`` pixels
and ``IMAGE_MAX_SIDE`` on a side, so a small file cannot decompress into gigabytes. Pillow then
verifies it, decodes it, turns it upright (EXIF orientation) and re-encodes it *without* any
metadata: GPS position, camera, author, comments, colour profiles are gone. The cleaned image
is stored under ``STORAGE_ROOT/images/`` by its SHA-256 (services/storage.py), with WebP
variants 480 and 960 pixels wide for slow links, and recorded as a ``LessonImage`` of the course
with its alternative text in every language of the course. The checks on the bytes are
courses/image_files.py's, shared with the course check; here they run with the limits of the
settings (``limits``), and a refusal becomes the domain error of the same name (``refusal``).

Lesson Markdown refers to an image as ``![](image:<sha256>)``; ``embed_images`` turns that into
an ``<img srcset>`` with the alternative text of the reader's language (the text between the
brackets, when an author wrote one, wins for that file's language). The sanitiser lets ``img``
through only with our own ``/media/images/`` URLs and a non-empty ``alt``.
"""

from __future__ import annotations

import io
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, has_app_context
from markupsafe import escape

from diplolearn.courses import image_files
from diplolearn.courses.image_files import (
    DEFAULT_LIMITS,
    EXTENSIONS,
    IMAGE_REF,
    PIL_FORMATS,
    CleanImage,
    ImageLimits,
    Variant,
)
from diplolearn.extensions import db
from diplolearn.models import Course, LessonImage, User
from diplolearn.services import audit, storage
from diplolearn.services.catalogue import (
    AltTextMissing,
    AnimatedImage,
    ImageDamaged,
    ImageRefused,
    ImageTooLarge,
    ImageTooManyPixels,
    WrongImageType,
)

AREA = "images"
MIME_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
VARIANT_WIDTHS = (480, 960)


def limit(name: str) -> int:
    if has_app_context():
        return int(current_app.config.get(name, DEFAULT_LIMITS[name]))
    return DEFAULT_LIMITS[name]


def limits() -> ImageLimits:
    """The image limits in force: the app's settings, or the defaults outside an app."""
    return ImageLimits.from_config(current_app.config if has_app_context() else {})


def refusal(error: image_files.ImageRefused) -> ImageRefused:
    """The domain error, with its message for people, for why an image file was refused."""
    if isinstance(error, image_files.ImageTooLarge):
        return ImageTooLarge(error.limit)
    if isinstance(error, image_files.ImageTooManyPixels):
        return ImageTooManyPixels(error.limit)
    if isinstance(error, image_files.ImageDamaged):
        return ImageDamaged()
    if isinstance(error, image_files.AnimatedImage):
        return AnimatedImage()
    return WrongImageType()


@contextmanager
def _refused_as_domain_errors():
    try:
        yield
    except image_files.ImageRefused as error:
        raise refusal(error) from error


def _open(data: bytes, kind: str):
    with _refused_as_domain_errors():
        return image_files.open_checked(data, kind, limits())


def _encode(image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=PIL_FORMATS[kind], **options)
    return out.getvalue()


def _without_metadata(image, kind: str) -> bytes:
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)  # keep it upright once the EXIF is gone
    transparency = image.info.get("transparency")
    image.info = {}
    if kind == "jpeg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        return _encode(image, kind, quality=88, optimize=True)
    if kind == "webp":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert(
                "RGBA" if "A" in image.mode or transparency is not None else "RGB"
            )
        return _encode(image, kind, quality=85, method=4)
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA")
    options = {"transparency": transparency} if transparency is not None else {}
    return _encode(image, kind, optimize=True, **options)


def make_variants(image) -> list[Variant]:
    from PIL import Image

    width, height = image.size
    variants = []
    for target in VARIANT_WIDTHS:
        if target >= width:
            break
        resized = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        resized = resized.resize(
            (target, max(1, round(height * target / width))), Image.Resampling.LANCZOS
        )
        resized.info = {}
        variants.append(
            Variant(resized.width, resized.height, _encode(resized, "webp", quality=80, method=4))
        )
    return variants


def clean(data: bytes) -> CleanImage:
    """Check an uploaded image and re-encode it without metadata; nothing is stored."""
    with _refused_as_domain_errors():
        image_files.check_size(data, limits())
        kind = image_files.sniff(data[:16])
    image = _open(data, kind)
    cleaned = _without_metadata(image, kind)
    upright = _open(cleaned, kind)
    return CleanImage(kind, upright.width, upright.height, cleaned, make_variants(upright))


# --- storage and records ---------------------------------------------------------------------


def url(sha256: str, kind: str) -> str:
    return f"/media/images/{sha256}{EXTENSIONS.get(kind, '.' + kind)}"


def _store(image: CleanImage) -> None:
    storage.store_bytes(AREA, image.data, EXTENSIONS[image.format])
    for variant in image.variants:
        storage.store_bytes(AREA, variant.data, ".webp")


def read_bytes(record: LessonImage) -> bytes:
    return storage.content_path(AREA, record.sha256, EXTENSIONS[record.format]).read_bytes()


def missing_alt(course: Course, alt: dict[str, str]) -> list[str]:
    return [lang for lang in course.languages if not (alt.get(lang) or "").strip()]


def _clean_alt(course: Course, alt: dict[str, str]) -> dict[str, str]:
    readable = set(course.languages) | set(course.optional_languages or [])
    return {
        lang: " ".join(text.split())
        for lang, text in alt.items()
        if lang in readable and (text or "").strip()
    }


def _record(course: Course, image: CleanImage, alt: dict, by: User | None) -> LessonImage:
    record = db.session.scalar(
        sa.select(LessonImage).where(
            LessonImage.course_id == course.id, LessonImage.sha256 == image.sha256
        )
    )
    if record is None:
        if not image.variants:
            image.variants = make_variants(_open(image.data, image.format))
        _store(image)
        record = LessonImage(
            course_id=course.id,
            sha256=image.sha256,
            format=image.format,
            width=image.width,
            height=image.height,
            byte_size=len(image.data),
            alt=alt,
            created_by_id=getattr(by, "id", None),
            variants=[
                {"width": v.width, "height": v.height, "sha256": v.sha256, "format": v.format}
                for v in image.variants
            ],
        )
        db.session.add(record)
    else:
        record.alt = alt
    db.session.flush()
    return record


def add_image(course: Course, data: bytes, alt: dict[str, str], by: User | None) -> LessonImage:
    """Accept an uploaded image for a course: everything is checked before anything is
    written; uploading the same image again updates its alternative text."""
    alt = _clean_alt(course, alt)
    missing = missing_alt(course, alt)
    if missing:
        raise AltTextMissing(missing)
    image = clean(data)
    record = _record(course, image, alt, by)
    audit.record(by, "course.image_add", target=course, sha256=record.sha256)
    return record


def import_image(course: Course, data: bytes, alt: dict[str, str]) -> LessonImage:
    """An image from a checked course folder (already clean, named by its digest)."""
    with _refused_as_domain_errors():
        image = image_files.inspect_clean(data, limits())
    return _record(course, image, _clean_alt(course, alt), None)


def update_alt(record: LessonImage, alt: dict[str, str], by: User | None) -> None:
    alt = _clean_alt(record.course, alt)
    missing = missing_alt(record.course, alt)
    if missing:
        raise AltTextMissing(missing)
    record.alt = alt
    db.session.flush()
    audit.record(by, "course.image_alt", target=record.course, sha256=record.sha256)


def course_images(course: Course) -> list[LessonImage]:
    return list(
        db.session.scalars(
            sa.select(LessonImage)
            .where(LessonImage.course_id == course.id)
            .order_by(LessonImage.created_at.desc(), LessonImage.id.desc())
        )
    )


def referenced(texts) -> set[str]:
    return {sha for text in texts for _alt, sha in IMAGE_REF.findall(text or "")}


def images_for(course_id: int, texts) -> dict[str, LessonImage]:
    shas = referenced(texts)
    if not shas:
        return {}
    return {
        r.sha256: r
        for r in db.session.scalars(
            sa.select(LessonImage).where(
                LessonImage.course_id == course_id, LessonImage.sha256.in_(shas)
            )
        )
    }


def snippet(record: LessonImage) -> str:
    return f"![](image:{record.sha256})"


# --- rendering -------------------------------------------------------------------------------


def img_tag(record: LessonImage, alt: str) -> str:
    full = url(record.sha256, record.format)
    sources = [f"{url(v['sha256'], v['format'])} {v['width']}w" for v in record.variants]
    sources.append(f"{full} {record.width}w")
    return (
        f'<img src="{full}" srcset="{", ".join(sources)}" '
        f'sizes="(max-width: {record.width}px) 100vw, {record.width}px" '
        f'width="{record.width}" height="{record.height}" alt="{escape(alt)}" '
        'loading="lazy" decoding="async">'
    )


def embed_images(markdown_text: str, images: dict[str, LessonImage], language: str) -> str:
    """Replace ``![alt](image:<sha256>)`` by an ``<img srcset>``; an unknown image (or one
    without any alternative text) is left as written, and the sanitiser removes it."""

    def replace(match):
        record = images.get(match.group(2))
        if record is None:
            return match.group(0)
        alt = (
            match.group(1).strip()
            or record.alt.get(language)
            or next((record.alt[lang] for lang in ("en", "ar", "fr") if record.alt.get(lang)), "")
        )
        return img_tag(record, alt) if alt else match.group(0)

    return IMAGE_REF.sub(replace, markdown_text or "")
