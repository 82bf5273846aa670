"""Uploaded images: checked by content (not by name), size-limited, re-encoded without EXIF (GPS).

What comes out is always a fresh baseline JPEG drawn from the decoded pixels: whatever else the file
carried (EXIF and GPS, comments, a script or archive appended after the image data, further frames of
an animation) is left behind. An animated GIF, WebP or PNG is kept as its first frame.

Decoding is the expensive part, so the declared size is checked first: a small file announcing a
huge picture (a "decompression bomb") is refused before a single pixel is decoded.
"""

import io
import struct
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2560
# 50 megapixels: a 48 MP phone photo fits; anything larger is refused before it is decoded (decoding
# costs several bytes per pixel). Pillow's own limit (MAX_IMAGE_PIXELS, ~89 MP, an error only past
# twice that) is far too generous for a web upload.
MAX_PIXELS = 50_000_000
NOT_AN_IMAGE = _("只能上传图片（JPEG、PNG、WebP 等）。")
TOO_LARGE = _("图片不能超过 10 MB。")
TOO_MANY_PIXELS = _("图片尺寸过大，请缩小到 5000 万像素以内再上传。")

# What Pillow raises for files that are not images, are truncated or lie about themselves.
_BROKEN = (
    UnidentifiedImageError,
    OSError,  # includes truncated data
    EOFError,
    ValueError,
    SyntaxError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,  # a malformed EXIF block
)


class _TooManyPixels(Exception):
    pass


def clean_image(upload) -> ContentFile:
    """Return the upload re-encoded as JPEG: any metadata (EXIF, GPS) is dropped on the way."""
    if upload.size is None or upload.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)  # never trust the announced size alone
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    try:
        image = _decode(data)
    except (_TooManyPixels, Image.DecompressionBombError):
        raise ValidationError(TOO_MANY_PIXELS) from None
    except _BROKEN:
        raise ValidationError(NOT_AN_IMAGE) from None
    image.info = {}  # Pillow would carry a JPEG or GIF comment (any text, a script) into the output
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as probe:  # reads the header only
        if probe.width * probe.height > MAX_PIXELS:
            raise _TooManyPixels
        probe.verify()
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale when it is big
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    image = _to_rgb_or_rgba(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode == "RGBA":  # transparent parts become white, not black
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    return image


def _to_rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):  # 16-bit or float greyscale
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or image.has_transparency_data:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode == "RGB" else image.convert("RGB")
