"""Uploaded images: checked by content (not by name), size-limited, re-encoded without EXIF (GPS)."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2560
NOT_AN_IMAGE = _("只能上传图片（JPEG、PNG、WebP 等）。")
TOO_LARGE = _("图片不能超过 10 MB。")


def clean_image(upload) -> ContentFile:
    """Return the upload re-encoded as JPEG: any metadata (EXIF, GPS) is dropped on the way."""
    if upload.size > MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_AN_IMAGE) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
