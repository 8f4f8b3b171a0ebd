"""Find a Chinese TrueType font and register it with reportlab, once per process.

Shared by every PDF in the application (certificates, reports): call `get_cjk_font(configured_path)` and
draw with the returned font name. A TrueType font is embedded as a subset; when none is found the
built-in `STSong-Light` CID font is used instead (not embedded: the reader supplies the glyphs).
"""

from __future__ import annotations

import logging
import os
import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
# (path, subfont index inside a .ttc collection), in order of preference.
CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
]

_lock = threading.Lock()
# (configured path, candidate list) -> registered font name; the font file is parsed once per process.
_resolved: dict[tuple[str | None, tuple[tuple[str, int], ...]], str] = {}
_by_file: dict[tuple[str, int], str] = {}


def get_cjk_font(configured_path: str | None) -> str:
    """The name of a registered font that can draw Chinese: configured, else a system font, else STSong-Light."""
    key = (configured_path or None, tuple(CANDIDATES))
    with _lock:
        if key not in _resolved:
            _resolved[key] = _resolve(configured_path or None)
        return _resolved[key]


def _resolve(configured_path: str | None) -> str:
    if configured_path:
        if os.path.isfile(configured_path):
            name = _register(configured_path, 0)
            if name:
                return name
        else:
            log.warning("LAWTRAIN_CJK_FONT=%s: no such file; looking for a system Chinese font", configured_path)
    for path, index in CANDIDATES:
        if os.path.isfile(path):
            name = _register(path, index)
            if name:
                return name
    log.warning("No Chinese TrueType font found (set LAWTRAIN_CJK_FONT or install fonts-wqy-zenhei); "
                "PDFs fall back to the non-embedded %s font", FALLBACK_FONT)
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _register(path: str, index: int) -> str | None:
    """Register one TrueType font file (or one face of a collection); None when reportlab cannot use it."""
    if (path, index) in _by_file:
        return _by_file[(path, index)]
    stem = os.path.splitext(os.path.basename(path))[0]
    name = f"CJK-{stem}-{index}"
    try:
        font = TTFont(name, path, subfontIndex=index) if path.lower().endswith(".ttc") else TTFont(name, path)
    except Exception as e:  # reportlab raises TTFError and others for unusable files (e.g. CFF-based OTF)
        log.warning("Cannot use font %s (face %s): %s", path, index, e)
        return None
    pdfmetrics.registerFont(font)
    _by_file[(path, index)] = name
    return name
