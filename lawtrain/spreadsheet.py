"""Spreadsheet helpers shared by every import and export: safe cells, CSV decoding, xlsx size budget."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable

# A cell starting with one of these is read as a formula by Excel/WPS (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
XLSX_MAX_ENTRIES = 1000
# Columns read from a sheet: a stray cell at XFD1048576 must not turn every row into 16,384 cells.
XLSX_MAX_COLUMNS = 60


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message is shown to the person."""


# Control characters XML 1.0 (so xlsx) cannot hold; in a CSV a leading NUL also hides a formula (ASVS 1.2.10).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: object) -> object:
    """A value safe to write into a CSV/xlsx cell: control characters dropped, and text that would start a
    formula gets a leading quote."""
    if isinstance(value, str):
        value = _CONTROL_CHARS.sub("", value)
        if value.startswith(_FORMULA_PREFIXES):
            return "'" + value
    return value


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 CSV with a BOM (so Chinese Excel opens it correctly), every cell sanitised."""
    return csv_text([header, *rows]).encode("utf-8-sig")


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV lines (CRLF, as Excel writes them), every cell sanitised and None written empty: the one CSV
    writer, shared by whole-file and streamed exports."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def decode_csv(data: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312)."""
    if b"\x00" in data[:4096]:
        raise SpreadsheetError("文件不是文本格式的 CSV，请另存为 .csv 或 .xlsx 后重试")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise SpreadsheetError("无法识别 CSV 文件的编码，请以 UTF-8 或 GBK 编码保存") from e


def check_zip_budget(data: bytes, *, max_bytes: int = XLSX_MAX_UNCOMPRESSED,
                     max_entries: int = XLSX_MAX_ENTRIES) -> None:
    """Refuse an xlsx (a zip) that is not one, or that would expand beyond the budget (zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise SpreadsheetError("文件不是有效的 Excel（.xlsx）文件") from e
    if len(infos) >= max_entries:
        raise SpreadsheetError(f"Excel 文件内部条目过多（{len(infos)} 个，上限 {max_entries}），请另存后重试")
    total = sum(i.file_size for i in infos)
    if total >= max_bytes:
        raise SpreadsheetError(
            f"Excel 文件解压后过大（{total // (1024 * 1024)} MB，上限 {max_bytes // (1024 * 1024)} MB），请拆分后导入")


def cell_text(value: object) -> str:
    """A cell as trimmed text: 1001.0 -> "1001", None -> "", dates -> 2025-01-16."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value).replace("\u3000", " ").strip()


def read_table(data: bytes, filename: str, *, max_rows: int = 10000) -> list[tuple[int, list[str]]]:
    """The first sheet of an .xlsx or a .csv as (spreadsheet row number, cell texts), blank rows dropped."""
    name = (filename or "").lower()
    if not data:
        raise SpreadsheetError("文件是空的")
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 后再导入")
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        rows = _xlsx_rows(data, max_rows)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(data, max_rows)
    else:
        raise SpreadsheetError("只支持 .xlsx 和 .csv 文件")
    return [(n, cells) for n, cells in rows if any(cells)]


def _too_many(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(f"文件超过 {max_rows} 行，请拆分成多个文件分批导入")


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    import warnings

    from openpyxl import load_workbook

    check_zip_budget(data)
    rows: list[tuple[int, list[str]]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = wb.worksheets[0]
                sheet.reset_dimensions()  # the declared size is the file's claim, not a fact
                for n, values in enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True), start=1):
                    if n > max_rows + 1:
                        raise _too_many(max_rows)
                    rows.append((n, [cell_text(v) for v in values]))
            finally:
                wb.close()
    except SpreadsheetError:
        raise
    except Exception as e:  # openpyxl raises many kinds on a damaged file
        raise SpreadsheetError("无法读取该 Excel 文件，文件可能已损坏，请另存为 .xlsx 后重试") from e
    return rows


def _csv_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    text = decode_csv(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for n, values in enumerate(reader, start=1):
            if n > max_rows + 1:
                raise _too_many(max_rows)
            rows.append((n, [cell_text(v) for v in values]))
    except csv.Error as e:
        raise SpreadsheetError(f"CSV 格式有误：{e}") from e
    return rows
