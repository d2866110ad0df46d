"""Limits on what a request may upload (README, "可靠性与安全"). Imports no app.

- :class:`RequestSizeLimitMiddleware`: a multipart (file upload) request whose declared body is
  larger than ``UPLOAD_MAX_REQUEST_BYTES`` is answered with a Chinese 413 page before anything
  reads the body. Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps the non-file fields; the
  per-file limits (``IMPORT_MAX_BYTES``, ``PHOTO_MAX_BYTES``) are checked by the forms.
- :func:`open_image`: an uploaded image opened by its header only; its size (width × height
  against ``PHOTO_MAX_PIXELS``) is checked *before* any pixel is decoded, and Pillow's
  decompression-bomb guard becomes a Chinese form error, never a 500.
"""

from __future__ import annotations

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render

TOO_LARGE_MESSAGE = "上传的内容太大(共 {size} MB),一次最多 {limit} MB。请减少照片数量或压缩后分几次上传。"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


class RequestSizeLimitMiddleware:
    """413 for a multipart request declaring more than ``UPLOAD_MAX_REQUEST_BYTES``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            limit = settings.UPLOAD_MAX_REQUEST_BYTES
            if size > limit:
                message = TOO_LARGE_MESSAGE.format(size=_mb(size), limit=_mb(limit))
                return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


def image_too_large_message(name: str) -> str:
    limit = settings.PHOTO_MAX_PIXELS
    return f"“{name}”像素过大(最多约 {limit // 1_000_000} 百万像素),请缩小后再上传。"


def open_image(upload):
    """The uploaded image, opened and decoded, or a ValidationError in Chinese. The header's
    width × height is checked against ``PHOTO_MAX_PIXELS`` before decoding; a file whose header
    hides a bigger picture (Pillow's DecompressionBombError/Warning) is refused the same way."""
    from PIL import Image, UnidentifiedImageError

    not_image = ValidationError(f"“{upload.name}”不是可识别的图片,请上传 JPG、PNG 或 WEBP 照片。")
    too_large = ValidationError(image_too_large_message(upload.name))
    limit = settings.PHOTO_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upload.seek(0)
            header = Image.open(upload)  # reads the header only
            if header.width * header.height > limit:
                raise too_large
            header.verify()
            upload.seek(0)
            img = Image.open(upload)
            if img.width * img.height > limit:
                raise too_large
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_large from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise not_image from None
    return img
