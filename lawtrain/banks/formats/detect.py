"""Format detection (content first, then extension), parse dispatch and write dispatch."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from lawtrain.banks.formats.common import decode_text
from lawtrain.banks.formats.records import FormatError, ParseResult, QuestionRecord, flatten_cases, has_cases

FORMATS = ("xlsx", "csv", "gift", "aiken", "moodle_xml", "qti", "json")
WRITABLE = ("xlsx", "csv", "gift", "moodle_xml", "json")
EXTENSIONS = {"xlsx": ".xlsx", "csv": ".csv", "gift": ".gift.txt", "aiken": ".txt", "moodle_xml": ".xml",
              "qti": ".zip", "json": ".json"}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "gift": "text/plain; charset=utf-8",
    "aiken": "text/plain; charset=utf-8",
    "moodle_xml": "application/xml",
    "qti": "application/zip",
    "json": "application/json",
}
LABELS = {"xlsx": "Excel 模板（.xlsx）", "csv": "CSV 模板（.csv）", "gift": "GIFT（Moodle）", "aiken": "Aiken",
          "moodle_xml": "Moodle XML", "qti": "IMS QTI 2.x", "json": "LawTrain JSON"}

_BINARY_SIGNATURES = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文档"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（.xls/.doc）"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"MZ", "可执行程序"),
)
_EXTENSION_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".gift": "gift", ".xml": "moodle_xml",
                      ".json": "json", ".zip": "qti", ".aiken": "aiken"}
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:\s*[A-Z]\s*$", re.MULTILINE)
_GIFT_HINT = re.compile(r"\{\s*(?:[=~#]|T\s*}|F\s*}|TRUE\s*}|FALSE\s*})|^::|^\$CATEGORY:", re.MULTILINE)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FormatError("压缩文件已损坏，无法识别（如果是 Excel 文件，请重新另存为 .xlsx）") from exc
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
        raise FormatError("这是 Word 文档（.docx），不是题库文件：请使用 Excel 模板或其他支持的格式")
    if any(n.rsplit("/", 1)[-1].lower() == "imsmanifest.xml" for n in names) or any(
        n.lower().endswith(".xml") for n in names
    ):
        return "qti"
    raise FormatError("压缩包中没有找到题目文件（需要 QTI 题目包的 imsmanifest.xml 或 .xml 题目文件）")


def detect_format(data: bytes, filename: str) -> str:
    """One of :data:`FORMATS`, decided by content first and extension second; FormatError otherwise."""
    if not data or not data.strip():
        raise FormatError("文件是空的")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    for signature, label in _BINARY_SIGNATURES:
        if data.startswith(signature):
            hint = "请另存为 .xlsx 后再上传" if "Office" in label else "请检查是否选错了文件或改了扩展名"
            raise FormatError(f"文件“{filename}”的内容是{label}，不是题库文件：{hint}")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError(f"文件“{filename}”是无法识别的二进制文件，不是题库文件：请检查是否选错了文件或改了扩展名")
    text = decode_text(data[:200_000])
    head = text.lstrip("\ufeff \t\n")
    extension = PurePath(filename.lower()).suffix
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("<"):
        sample = head[:5000]
        if re.search(r"<quiz[\s/>]", sample):
            return "moodle_xml"
        if re.search(r"<(?:\w+:)?(assessmentItem|questestinterop|assessmentTest|manifest)[\s/>]", sample):
            return "qti"
        if extension == ".xml":
            raise FormatError("无法识别的 XML 文件：既不是 Moodle XML（<quiz>）也不是 QTI（<assessmentItem>）")
    first_line = head.split("\n", 1)[0]
    from lawtrain.banks.formats.spreadsheet import _read_header

    for delimiter in (",", "\t"):
        if _read_header(first_line.split(delimiter)) is not None:
            return "csv"
    if extension == ".csv":
        return "csv"
    if _AIKEN_ANSWER.search(text) and not _GIFT_HINT.search(text):
        return "aiken"
    if _GIFT_HINT.search(text) or extension == ".gift":
        return "gift"
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    if extension in _EXTENSION_FORMATS and extension not in (".xlsx", ".xlsm", ".zip"):
        return _EXTENSION_FORMATS[extension]
    raise FormatError(
        f"无法识别文件“{filename}”的格式：支持 Excel/CSV 模板、GIFT、Aiken、Moodle XML、QTI 2.x 和 LawTrain JSON"
    )


def _parser(fmt: str) -> Callable[[bytes, str], ParseResult]:
    if fmt == "xlsx":
        from lawtrain.banks.formats.spreadsheet import parse_xlsx

        return parse_xlsx
    if fmt == "csv":
        from lawtrain.banks.formats.spreadsheet import parse_csv

        return parse_csv
    if fmt == "gift":
        from lawtrain.banks.formats.gift import parse_gift

        return parse_gift
    if fmt == "aiken":
        from lawtrain.banks.formats.aiken import parse_aiken

        return parse_aiken
    if fmt == "moodle_xml":
        from lawtrain.banks.formats.moodle_xml import parse_moodle_xml

        return parse_moodle_xml
    if fmt == "qti":
        from lawtrain.banks.formats.qti import parse_qti

        return parse_qti
    if fmt == "json":
        from lawtrain.banks.formats.lawtrain_json import parse_json

        return parse_json
    raise FormatError(f"不支持的格式“{fmt}”（支持：{'、'.join(FORMATS)}）")


def parse_file(data: bytes, filename: str, fmt: str | None = None) -> ParseResult:
    """Parse ``data`` as ``fmt`` (detected when None). FormatError only when the file as a whole is unreadable."""
    chosen = fmt or detect_format(data, filename)
    parser = _parser(chosen)
    if chosen not in ("xlsx", "qti") and data.startswith(b"PK\x03\x04"):
        raise FormatError(f"文件是压缩包（zip/xlsx），不能按 {LABELS.get(chosen, chosen)} 读取")
    return parser(data, filename)


CASES_FLATTENED_NOTE = ("说明：本格式不支持案例分析题，每个案例按其小题导出，案情以“【案例】”开头附在每道小题题干之前"
                        "（小题题干以“【问题】”开头）；重新导入后为互不关联的普通题目。")


def write_file(fmt: str, records: list[QuestionRecord], *, bank_name: str, bank_description: str = "") -> bytes:
    """Write records as `fmt`. LawTrain JSON and the spreadsheet template keep cases; the other formats get each
    case as its sub-questions with the case text prepended to each stem, and a note in the file saying so."""
    if fmt not in ("json", "xlsx", "csv") and has_cases(records):
        records = flatten_cases(records)
        bank_description = f"{bank_description}\n{CASES_FLATTENED_NOTE}".strip()
    meta = {"name": bank_name, "description": bank_description}
    if fmt == "xlsx":
        from lawtrain.banks.formats.spreadsheet_writer import write_xlsx

        return write_xlsx(meta, records)
    if fmt == "csv":
        from lawtrain.banks.formats.spreadsheet_writer import write_csv

        return write_csv(meta, records)
    if fmt == "gift":
        from lawtrain.banks.formats.gift import write_gift

        return write_gift(records, bank_name=bank_name, bank_description=bank_description)
    if fmt == "moodle_xml":
        from lawtrain.banks.formats.moodle_xml import write_moodle_xml

        return write_moodle_xml(records, bank_name=bank_name, bank_description=bank_description)
    if fmt == "json":
        from lawtrain.banks.formats.lawtrain_json import write_json

        return write_json(records, bank_name=bank_name, bank_description=bank_description)
    raise FormatError(f"不能导出为“{fmt}”（可导出：{'、'.join(WRITABLE)}）")
