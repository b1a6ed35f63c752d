"""Lesson images: recognised by content (PNG, JPEG, WebP; never SVG, GIF or text named .png),
limited in bytes and pixels (decompression bombs), cleaned of metadata (GPS), resized for slow
links, described in every language of the course, served immutable from a content-addressed
URL, shown in lessons as ``<img srcset>`` with the reader's alt text, and carried by the course
files (``images/`` + ``images.yaml``) so export and import round-trip them."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from diplolearn.courses.check import check_course, load_course
from diplolearn.courses.image_files import has_metadata
from diplolearn.models import LessonImage, ParagraphRevision, Role
from diplolearn.security.sanitize import render_markdown
from diplolearn.services.catalogue import images
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.errors import DomainError
from tests.conftest import login, post_form
from tests.factories import make_learner, make_published_course, make_with_role

SAMPLE = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"
LESSON = "foundations/what-is-digital-diplomacy.en.md"
ALT = {"alt_ar": "خريطة المنطقة", "alt_en": "A map of the region", "alt_fr": ""}
GPS_IFD = 0x8825


def picture(fmt: str, size=(1200, 800), exif: bytes | None = None) -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    for x in range(0, size[0], 50):  # some detail, so encoders have work to do
        image.putpixel((x, x % size[1]), (250, 250, 0))
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif else {}))
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Embassy Camera"  # Make
    exif[0x0112] = 1  # Orientation
    exif[GPS_IFD] = {1: "N", 2: (46.0, 12.0, 30.0), 3: "E", 4: (6.0, 8.0, 15.0)}
    return picture("JPEG", exif=exif.tobytes())


def pixel_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 million pixels in ~50 KB
    return out.getvalue()


@pytest.fixture()
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    return tmp_path / "storage"


@pytest.fixture()
def published(db, storage):
    return make_published_course(
        modules=1, lessons_per_module=1, with_quiz=False, languages=("ar", "en")
    )


@pytest.fixture()
def signed_in(client, db, published):
    instructor = make_with_role(Role.INSTRUCTOR, published.course.id)
    db.session.commit()
    login(client, instructor.email)
    return client


def _post_image(client, course, data: bytes, name="photo.png", **alt):
    return post_form(
        client,
        f"/teach/courses/{course.id}/images",
        {"image": (io.BytesIO(data), name), **{**ALT, **alt}},
        content_type="multipart/form-data",
    )


def _stored_files(storage: Path) -> list[Path]:
    return (
        [p for p in (storage / "images").rglob("*") if p.is_file()]
        if (storage / "images").exists()
        else []
    )


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LessonImage))


# --- accepted and refused uploads ------------------------------------------------------------


@pytest.mark.parametrize("fmt,kind", [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp")])
def test_png_jpeg_and_webp_are_accepted_by_their_content(
    signed_in, db, published, storage, fmt, kind
):
    response = _post_image(signed_in, published.course, picture(fmt), name="no-extension")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    record = db.session.scalar(sa.select(LessonImage))
    assert record.format == kind and (record.width, record.height) == (1200, 800)
    assert record.alt == {"ar": ALT["alt_ar"], "en": ALT["alt_en"]}
    path = storage / "images" / record.sha256[:2] / (record.sha256 + images.EXTENSIONS[kind])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record.sha256
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert f"![](image:{record.sha256})" in page


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    "data,name",
    [
        (SVG, "map.svg"),
        (SVG, "map.png"),
        (picture("GIF"), "anim.gif"),
        (b"just some text, renamed", "photo.png"),
        (b"\x89PNG\r\n\x1a\nbroken", "broken.png"),
    ],
)
def test_other_content_is_refused_and_nothing_is_stored(
    signed_in, db, published, storage, data, name
):
    response = _post_image(signed_in, published.course, data, name=name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text
    assert _count(db) == 0 and _stored_files(storage) == []


def test_a_pixel_bomb_is_refused_before_decoding(signed_in, db, published, storage):
    bomb = pixel_bomb()
    assert len(bomb) < 200_000
    response = _post_image(signed_in, published.course, bomb)
    assert response.status_code == 422
    assert "million pixels" in response.get_data(as_text=True)
    assert _count(db) == 0 and _stored_files(storage) == []


def test_an_oversized_file_gets_a_clear_message(
    app, signed_in, db, published, storage, monkeypatch
):
    monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", 10_000)
    response = _post_image(
        signed_in, published.course, picture("PNG", (1500, 1500)) + b"\0" * 20000
    )
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert _count(db) == 0 and _stored_files(storage) == []


def test_alt_text_is_required_in_each_language_of_the_course(signed_in, db, published, storage):
    response = _post_image(signed_in, published.course, picture("PNG"), alt_ar="  ")
    assert response.status_code == 422
    assert "missing in ar" in response.get_data(as_text=True)
    assert _count(db) == 0 and _stored_files(storage) == []
    # French is not a language of this course: not needed.
    assert _post_image(signed_in, published.course, picture("PNG")).status_code == 302


def test_alt_texts_can_be_corrected_but_not_emptied(signed_in, db, published):
    _post_image(signed_in, published.course, picture("PNG"))
    record = db.session.scalar(sa.select(LessonImage))
    path = f"/teach/courses/{published.course.id}/images/{record.id}"
    page = f"/teach/courses/{published.course.id}/images"
    prefix = f"image-{record.id}-"
    emptied = post_form(
        signed_in, path, {prefix + "alt_ar": "", prefix + "alt_en": "x"}, form_page=page
    )
    assert emptied.status_code == 422
    saved = post_form(
        signed_in, path, {prefix + "alt_ar": "خريطة", prefix + "alt_en": "Map"}, form_page=page
    )
    assert saved.status_code == 302
    db.session.refresh(record)
    assert record.alt == {"ar": "خريطة", "en": "Map"}


# --- cleaning and variants -------------------------------------------------------------------


def test_gps_and_other_exif_are_stripped(app, db, published, storage):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(GPS_IFD)  # the test file does carry a position
    with app.test_request_context():
        record = images.add_image(published.course, original, {"ar": "صورة", "en": "Photo"}, None)
        stored = images.read_bytes(record)
    assert b"Embassy Camera" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as cleaned:
        assert not cleaned.getexif() and "exif" not in cleaned.info
    assert not has_metadata(stored) and has_metadata(original)


def test_variants_for_slow_links_are_made_and_served(client, app, db, published, storage):
    with app.test_request_context():
        record = images.add_image(
            published.course, picture("JPEG", (2000, 1000)), {"ar": "صورة", "en": "Photo"}, None
        )
    db.session.commit()
    assert [(v["width"], v["height"], v["format"]) for v in record.variants] == [
        (480, 240, "webp"),
        (960, 480, "webp"),
    ]
    for variant in record.variants:
        response = client.get(images.url(variant["sha256"], "webp"))
        assert response.status_code == 200 and response.mimetype == "image/webp"
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "WEBP" and image.width == variant["width"]
    full = client.get(images.url(record.sha256, "jpeg"))
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert (
        "immutable" in full.headers["Cache-Control"] and "public" in full.headers["Cache-Control"]
    )
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(images.url("0" * 64, "png")).status_code == 404
    assert client.get("/media/images/..%2F..%2Fsecret_key").status_code == 404
    assert client.get(f"/media/images/{record.sha256}.svg").status_code == 404


def test_a_small_image_has_no_larger_variants(app, db, published, storage):
    with app.test_request_context():
        record = images.add_image(
            published.course, picture("PNG", (400, 300)), {"ar": "صورة", "en": "Photo"}, None
        )
    assert record.variants == []


# --- in lessons ------------------------------------------------------------------------------


def test_lessons_show_images_with_srcset_and_the_readers_alt_text(
    app, client, db, published, storage
):
    with app.test_request_context():
        record = images.add_image(
            published.course,
            picture("PNG"),
            {"ar": "خريطة المنطقة", "en": "A map of the region"},
            None,
        )
    paragraph = db.session.scalars(sa.select(ParagraphRevision)).first()
    paragraph.body = {
        lang: text + f"\n\n![](image:{record.sha256})" for lang, text in paragraph.body.items()
    }
    user, enrolment = make_learner(published.cohort)
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/learn/{enrolment.id}/lessons/{published.lesson_keys[0][0]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'src="/media/images/{record.sha256}.png"' in text
    assert "srcset=" in text and " 480w" in text and 'alt="A map of the region"' in text


def test_the_sanitiser_allows_only_our_images_with_alt_text():
    ours = "/media/images/" + "a" * 64 + ".png"
    assert "<img" in render_markdown(f'<img src="{ours}" alt="A map">')
    assert "<img" not in render_markdown(f'<img src="{ours}">')
    assert "<img" not in render_markdown(f'<img src="{ours}" alt=" ">')
    assert "<img" not in render_markdown('<img src="https://tracker.example/p.png" alt="x">')
    assert "<img" not in render_markdown("![x](https://tracker.example/p.png)")
    assert "onerror" not in render_markdown(f'<img src="{ours}" alt="x" onerror="alert(1)">')
    assert "<img" not in render_markdown("![x](image:" + "a" * 64 + ")")  # unknown image


# --- course files carry images ---------------------------------------------------------------


@pytest.fixture()
def folder_with_image(app, db, storage, tmp_path):
    """The sample course with a cleaned image in images/, described and shown in a lesson."""
    folder = tmp_path / "src" / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    with app.test_request_context():
        clean = images.clean(picture("PNG"))
    (folder / "images").mkdir()
    (folder / "images" / clean.file_name).write_bytes(clean.data)
    (folder / "images.yaml").write_text(
        f"images:\n  - file: {clean.file_name}\n    alt:\n      ar: خريطة المنطقة\n"
        "      en: A map of the region\n"
    )
    lesson = folder / LESSON
    lesson.write_text(
        lesson.read_text().replace(
            "{#dd-audience}\n", f"{{#dd-audience}}\n![](image:{clean.sha256})\n", 1
        )
    )
    return folder, clean


def test_course_files_round_trip_their_images(app, db, storage, folder_with_image, tmp_path):
    folder, clean = folder_with_image
    assert [str(p) for p in check_course(folder)[1]] == []
    spec, files = load_course(folder)
    assert files[f"images/{clean.file_name}"] == clean.data
    result = import_course(spec, files)
    record = db.session.scalar(sa.select(LessonImage))
    assert record.sha256 == clean.sha256 and len(record.variants) == 2
    assert record.alt["en"] == "A map of the region"
    export_course(SAMPLE.name, tmp_path / "out")
    out = tmp_path / "out" / SAMPLE.name
    exported = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    original = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert exported == original
    assert not import_course(*load_course(out)).created and result.created


def _problems(folder) -> str:
    return "\n".join(str(p) for p in check_course(folder)[1])


def test_check_reports_image_problems_with_lines(app, db, storage, folder_with_image):
    folder, clean = folder_with_image
    (folder / "images.yaml").write_text(
        f"images:\n  - file: {clean.file_name}\n    alt:\n      en: A map of the region\n"
    )
    assert (
        f"{SAMPLE.name}/images.yaml:2: image '{clean.file_name}' alternative text has no "
        "'ar' text" in _problems(folder)
    )
    gps = jpeg_with_gps()
    name = hashlib.sha256(gps).hexdigest() + ".jpg"
    (folder / "images" / name).write_bytes(gps)
    assert f"{SAMPLE.name}/images/{name}:1: this image is not listed" in _problems(folder)
    (folder / "images.yaml").write_text(
        f"images:\n  - file: {clean.file_name}\n    alt: {{ar: خريطة, en: Map}}\n"
        f"  - file: {name}\n    alt: {{ar: صورة, en: Photo}}\n"
    )
    problems = _problems(folder)
    assert f"images/{name} carries metadata" in problems
    assert f"images/{name} is shown in no lesson" in problems
    (folder / "images" / name).write_bytes(b"not an image")
    assert f"images/{name} is not named by its content's SHA-256" in _problems(folder)
    lesson = folder / LESSON
    lesson.write_text(
        lesson.read_text().replace(
            "{#dd-terms}\n", "{#dd-terms}\n![x](https://tracker.example/p.png)\n", 1
        )
    )
    line = lesson.read_text().split("\n").index("{#dd-terms}") + 1
    assert (
        f"{SAMPLE.name}/{LESSON}:{line}: the image 'https://tracker.example/p.png' is not "
        "one of the course's images" in _problems(folder)
    )


def test_an_image_file_with_metadata_cannot_be_imported(app, db, storage):
    with app.test_request_context(), pytest.raises(ValueError):
        images.import_image(
            make_published_course(modules=1, with_quiz=False).course,
            jpeg_with_gps(),
            {"ar": "x", "en": "x"},
        )
    assert _count(db) == 0


def test_domain_errors_are_translatable_messages(app):
    with app.test_request_context():
        for error in (
            images.WrongImageType(),
            images.ImageTooLarge(10),
            images.ImageTooManyPixels(10),
            images.AltTextMissing(["ar"]),
        ):
            assert isinstance(error, DomainError) and str(error.message)
