"""Every import format read from the project's own fixtures (tests/data/formats), so none goes untested on a
fresh clone where ../shared/formats/samples is absent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lawtrain.banks.formats.detect import detect_format, parse_file
from lawtrain.banks.formats.records import Citation
from lawtrain.banks.formats.validate import validate_records

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
POLICY = "安全第一、预防为主、综合治理"


def build_xlsx() -> bytes:
    """bank.xlsx is bank.csv saved as a workbook (one sheet named 题目)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    for row in csv.reader(io.StringIO((DATA / "bank.csv").read_text(encoding="utf-8"))):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def load(name: str):
    data = (DATA / name).read_bytes()
    result = parse_file(data, name)
    assert [str(p) for p in result.problems + validate_records(result.records)] == []
    return detect_format(data, name), result.records


@pytest.mark.parametrize("name", ["bank.csv", "bank.xlsx"])
def test_spreadsheets_give_every_type_with_points_difficulty_and_basis(name):
    fmt, records = load(name)
    assert fmt == name.split(".")[-1]
    assert [r.type for r in records] == ["single", "multiple", "true_false", "fill_blank"]
    assert [r.answer for r in records] == [["A"], ["A", "B", "C"], ["false"], [["高"]]]
    assert records[0].options[0] == POLICY and records[0].external_id == "FX-01"
    assert records[1].basis == [Citation("安全生产法", 53), Citation("安全生产法", 54), Citation("安全生产法", 55)]
    assert records[3].basis == [Citation("突发事件应对法", 63)]
    assert records[1].points == 2 and records[0].tags == ["方针"]


def test_the_xlsx_fixture_is_the_csv_saved_as_a_workbook():
    from openpyxl import load_workbook

    sheet = load_workbook(DATA / "bank.xlsx").active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == list(csv.reader(io.StringIO((DATA / "bank.csv").read_text(encoding="utf-8"))))


def test_gift_reads_categories_weights_feedback_and_missing_word():
    fmt, records = load("bank.gift.txt")
    assert fmt == "gift"
    assert [r.type for r in records] == ["single", "multiple", "true_false", "fill_blank"]
    assert records[0].explanation == "见安全生产法第三条。" and records[0].title == "FX-01"
    assert records[1].answer == ["A", "B"]  # the negative-weight option is wrong
    assert records[3].answer == [["高", "高级"]] and "____" in records[3].stem
    assert records[0].category == "安全生产法/总则"


def test_aiken_reads_both_option_styles():
    fmt, records = load("bank.aiken.txt")
    assert fmt == "aiken"
    assert [(r.type, r.answer, len(r.options)) for r in records] == [("single", ["A"], 4)] * 2
    assert records[1].options[0] == "一级"


def test_moodle_xml_reads_every_supported_type():
    fmt, records = load("bank.moodle.xml")
    assert fmt == "moodle_xml"
    assert [(r.type, r.answer) for r in records] == [("single", ["A"]), ("multiple", ["A", "B"]),
                                                     ("true_false", ["false"]), ("fill_blank", [["高"]])]
    assert records[0].points == 2 and records[0].stem == "安全生产工作坚持的方针是？"


@pytest.mark.parametrize(("name", "qtype", "answer"), [("bank.qti.xml", "single", ["A"]),
                                                        ("bank.qti-text.xml", "fill_blank", [["高"]])])
def test_qti_2_items(name, qtype, answer):
    fmt, records = load(name)
    assert fmt == "qti"
    assert [(r.type, r.answer) for r in records] == [(qtype, answer)]


def test_lawtrain_json_keeps_the_revision_a_legacy_bank_is_numbered_against():
    path = Path(__file__).resolve().parents[2] / "question_banks" / "emergency_response_law_2007" / "bank.json"
    result = parse_file(path.read_bytes(), path.name)
    assert (result.law_name, str(result.law_revision)) == ("突发事件应对法", "2007-08-30")
    assert detect_format(path.read_bytes(), path.name) == "json" and len(result.records) == 16
    bad = parse_file(path.read_bytes().replace(b'"2007-08-30"', b'"2007-13-30"'), path.name)
    assert [p.message for p in bad.errors] == ["law_revision 应为 YYYY-MM-DD 格式的日期，收到“2007-13-30”"]
