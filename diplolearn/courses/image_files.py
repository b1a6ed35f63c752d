"""Image files as a course holds them, judged from their bytes alone (no database, no app).

An image is accepted only when its bytes are a PNG, JPEG or WebP image (``sniff``: never by its
name or declared type), no larger than ``ImageLimits.max_bytes`` and, read from its header before
any pixel is decoded, within ``max_pixels`` and ``max_side`` (``open_checked``), so a small file
cannot decompress into gigabytes; an animated image is refused, and Pillow verifies the rest.
``has_metadata`` finds EXIF, XMP, text chunks, comments and colour profiles; ``inspect_clean``
judges a file from a course folder (accepted, within the limits, free of metadata) and keeps it
byte for byte. ``CleanImage`` and ``Variant`` are an image and its smaller copies as bytes.

A refused file raises one of the ``ImageRefused`` errors below, naming why; the course check
(check_content.py) turns them into problems, and services/catalogue/images.py into the domain
errors of the same names, with their messages for people. The limits are the settings
``IMAGE_MAX_BYTES``, ``IMAGE_MAX_PIXELS`` and ``IMAGE_MAX_SIDE`` (``ImageLimits.from_config``).

Lesson Markdown refers to a course image as ``![](image:<sha256>)`` (``IMAGE_REF``);
``ANY_IMAGE`` finds every Markdown image, ours or not.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
DEFAULT_LIMITS = {
    "IMAGE_MAX_BYTES": 5 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 24_000_000,
    "IMAGE_MAX_SIDE": 8000,
}
# Markdown image references to a course image, and any Markdown image at all.
IMAGE_REF = re.compile(r"!\[([^\]]*)\]\(image:([0-9a-f]{64})\)")
ANY_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]*)[^)]*\)")
# Metadata that a cleaned image never carries (Pillow's names for it).
_METADATA_KEYS = {
    "exif",
    "xmp",
    "XML:com.adobe.xmp",
    "icc_profile",
    "comment",
    "photoshop",
    "iptc",
    "xmp_packet",
}


# --- why a file is refused -------------------------------------------------------------------


class ImageRefused(Exception):
    """Not an accepted image: not a PNG, JPEG or WebP file, or one of the reasons below."""


class WrongImageType(ImageRefused):
    pass


class ImageTooLarge(ImageRefused):
    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class ImageTooManyPixels(ImageRefused):
    def __init__(self, limit: int):
        super().__init__(f"more than {limit} pixels")
        self.limit = limit


class ImageDamaged(ImageRefused):
    pass


class AnimatedImage(ImageRefused):
    pass


class CarriesMetadata(ValueError):
    """An accepted image that still carries metadata (a course file must not)."""


# --- limits and images as bytes --------------------------------------------------------------


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = DEFAULT_LIMITS["IMAGE_MAX_BYTES"]
    max_pixels: int = DEFAULT_LIMITS["IMAGE_MAX_PIXELS"]
    max_side: int = DEFAULT_LIMITS["IMAGE_MAX_SIDE"]

    @classmethod
    def from_config(cls, config: Mapping) -> ImageLimits:
        """The limits a settings mapping (an app's config) gives, the defaults for the rest."""
        return cls(*(int(config.get(name, default)) for name, default in DEFAULT_LIMITS.items()))


@dataclass
class Variant:
    width: int
    height: int
    data: bytes
    format: str = "webp"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class CleanImage:
    format: str
    width: int
    height: int
    data: bytes
    variants: list[Variant] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def file_name(self) -> str:
        return self.sha256 + EXTENSIONS[self.format]


# --- checking ------------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """``png``, ``jpeg`` or ``webp`` from the first bytes; WrongImageType otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise WrongImageType()


def check_size(data: bytes, limits: ImageLimits) -> None:
    """ImageTooLarge when ``data`` has more bytes than ``limits`` allow."""
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(limits.max_bytes)


def open_checked(data: bytes, kind: str, limits: ImageLimits):
    """Open and check an image without decoding its pixels; return a decoded, loaded copy
    (a Pillow image). ImageRefused, naming why, when it is not within ``limits``."""
    from PIL import Image

    check_size(data, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]]) as probe:
                width, height = probe.size  # from the header: nothing decoded yet
                if width * height > limits.max_pixels or max(width, height) > limits.max_side:
                    raise ImageTooManyPixels(limits.max_pixels)
                if getattr(probe, "n_frames", 1) > 1:
                    raise AnimatedImage()
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooManyPixels(limits.max_pixels) from error
    except Exception as error:  # Pillow raises many kinds for broken files
        raise ImageDamaged() from error
    return image


def has_metadata(data: bytes) -> bool:
    """Whether an image file carries metadata (EXIF, XMP, text chunks, comments, profiles)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if _METADATA_KEYS & set(image.info):
            return True
        if image.format == "PNG" and (
            getattr(image, "text", None)
            or any(isinstance(v, str) and k not in {"transparency"} for k, v in image.info.items())
        ):
            return True
        if image.format == "JPEG" and any(
            marker not in ("APP0", "APP14") for marker, _ in getattr(image, "applist", [])
        ):
            return True
    return False


def inspect_clean(data: bytes, limits: ImageLimits | None = None) -> CleanImage:
    """An image that is clean already (from a course folder, written by our export): checked
    like an upload but kept byte for byte, so its name stays its digest. ImageRefused when it
    is not an accepted image; CarriesMetadata (a ValueError) when it carries metadata."""
    limits = limits or ImageLimits()
    check_size(data, limits)
    kind = sniff(data[:16])
    image = open_checked(data, kind, limits)
    if has_metadata(data):
        raise CarriesMetadata("metadata")
    return CleanImage(kind, image.width, image.height, data, [])
