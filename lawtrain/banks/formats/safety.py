"""Defences applied before any uploaded archive or XML document is opened.

* :func:`check_zip_budget` reads only the zip central directory (declared sizes) — nothing is
  decompressed — and refuses archives that are too big, have too many entries or compress suspiciously
  well (zip bombs). It costs microseconds and a few kilobytes.
* :func:`safe_extract_names` refuses absolute paths and ``..`` (zip slip). LawTrain never writes
  archive entries to disk at all; entries are read into memory after the budget check.
* :func:`parse_xml` goes through defusedxml with DTDs forbidden: billion-laughs and external entities
  are refused with a clear :class:`FormatError`.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from lawtrain.banks.formats.records import FormatError

MAX_TOTAL = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_RATIO = 200
MAX_XML_BYTES = 20 * 1024 * 1024


def check_zip_budget(
    data: bytes, *, max_total: int = MAX_TOTAL, max_entries: int = MAX_ENTRIES, max_ratio: int = MAX_RATIO
) -> list[zipfile.ZipInfo]:
    """Refuse a zip (xlsx, QTI package) whose declared contents exceed the budget. Returns the entries."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FormatError("压缩文件已损坏或不是有效的 zip/xlsx 文件") from exc
    with archive:
        infos = archive.infolist()
    if len(infos) > max_entries:
        raise FormatError(f"压缩文件包含 {len(infos)} 个条目，超过上限 {max_entries} 个，已拒绝")
    total = 0
    for info in infos:
        if info.file_size < 0 or info.compress_size < 0:
            raise FormatError("压缩文件的目录信息异常，已拒绝")
        total += info.file_size
        if total > max_total:
            raise FormatError(f"压缩文件解压后超过 {max_total // (1024 * 1024)} MB 的上限，已拒绝（可能是“压缩炸弹”）")
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            raise FormatError(
                f"压缩文件中的“{info.filename[:80]}”压缩比异常（超过 {max_ratio} 倍），已拒绝（可能是“压缩炸弹”）"
            )
    return infos


def safe_extract_names(names: list[str]) -> list[str]:
    """Normalised entry names; FormatError for absolute paths, drive letters or ``..`` (zip slip)."""
    safe: list[str] = []
    for name in names:
        candidate = name.replace("\\", "/")
        if (
            candidate.startswith("/")
            or (len(candidate) > 1 and candidate[1] == ":")
            or ".." in candidate.split("/")
            or "\x00" in candidate
        ):
            raise FormatError(f"压缩文件包含不安全的路径“{name[:120]}”（绝对路径或 ..），已拒绝")
        safe.append(posixpath.normpath(candidate))
    return safe


def read_zip(data: bytes, **budget: Any) -> dict[str, bytes]:
    """Budget-check, path-check, then read every file entry into memory (never onto disk)."""
    infos = check_zip_budget(data, **budget)
    names = safe_extract_names([info.filename for info in infos])
    files: dict[str, bytes] = {}
    limit = budget.get("max_total", MAX_TOTAL)
    read_total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info, name in zip(infos, names, strict=True):
            if info.is_dir():
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                raise FormatError(f"无法读取压缩文件中的“{name}”（文件损坏或已加密）") from exc
            if len(content) > info.file_size:  # lying header: refuse rather than trust it
                raise FormatError(f"压缩文件中的“{name}”实际大小与声明不符，已拒绝")
            read_total += len(content)
            if read_total > limit:
                raise FormatError("压缩文件解压后超过上限，已拒绝")
            files[name] = content
    return files


def parse_xml(data: bytes | str, *, what: str = "XML 文件") -> Any:
    """defusedxml with DTDs forbidden. Returns the root Element; FormatError for hostile or broken XML."""
    if len(data) > MAX_XML_BYTES:
        raise FormatError(f"{what}超过 {MAX_XML_BYTES // (1024 * 1024)} MB，已拒绝")
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FormatError(f"{what}包含 DTD 或实体声明（可能是“十亿笑声”或外部实体攻击），出于安全原因已拒绝") from exc
    except SafeET.ParseError as exc:
        line = getattr(exc, "position", (None, None))[0]
        where = f"第{line}行附近" if line else ""
        raise FormatError(f"{what}不是格式正确的 XML：{where}无法解析") from exc
