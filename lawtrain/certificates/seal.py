"""The organisation's seal image for certificates: checked and re-encoded before it is kept (plain functions)."""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l

MAX_SEAL_BYTES = 1024 * 1024
MIN_SIDE, MAX_SIDE = 64, 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SealError(ValueError):
    """Why an uploaded seal was refused (shown to the administrator)."""


def clean_seal_png(data: bytes, filename: str) -> bytes:
    """The seal as a fresh PNG (pixels only: no metadata, no extra chunks), or SealError saying why not.

    Only a real PNG is accepted — a transparent background is what lets the seal sit over the issuer's name —
    at most 1 MB and between 64 and 2,000 pixels a side; Pillow's decompression-bomb guard stays on."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_SEAL_BYTES:
        raise SealError(_l("%(name)s 超过 1 MB，请压缩后再上传", name=filename))
    if not data.startswith(PNG_SIGNATURE):
        raise SealError(_l("%(name)s 不是 PNG 图片：印章请使用透明背景的 PNG 文件", name=filename))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise SealError(_l("%(name)s 的尺寸为 %(w)s×%(h)s 像素，印章的边长应在 64 到 2000 像素之间",
                                   name=filename, w=width, h=height))
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG", optimize=True)
    except SealError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise SealError(_l("%(name)s 无法作为图片读取（文件已损坏或不完整）", name=filename)) from e
    return out.getvalue()
