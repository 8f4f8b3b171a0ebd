"""Every file in ../shared/formats/samples (other projects' fixtures, never copied here) imports, or is rejected
with named reasons. Skipped where ../shared is absent; tests/unit/test_formats_own_fixtures.py covers every format
with the project's own files."""

from __future__ import annotations

import io
import os
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from lawtrain.banks.formats import FormatError
from lawtrain.banks.formats.detect import detect_format, parse_file
from lawtrain.banks.formats.validate import validate_records

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "formats" / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is absent (other projects' fixtures "
                                "live beside the checkout, not in it); own fixtures cover every format")


def load(relative: str):
    path = SAMPLES / relative
    return parse_file(path.read_bytes(), path.name)


def zipped(relative: str) -> bytes:
    folder = SAMPLES / relative
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                path = Path(root) / name
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def types(result) -> Counter:
    return Counter(record.type for record in result.records)


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_every_sample_file_is_covered_by_these_tests():
    files = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*") if p.is_file()}
    covered_prefixes = ("aiken/", "gift/", "moodle-xml/", "qti/qti-2.2/", "qti/qti-1.2-canvas/")
    assert files and all(f.startswith(covered_prefixes) for f in files)


@pytest.mark.parametrize(
    ("relative", "fmt"),
    [
        ("aiken/questions.aiken.txt", "aiken"),
        ("aiken/aiken_errors.txt", "aiken"),
        ("gift/examples.txt", "gift"),
        ("gift/questions.gift.txt", "gift"),
        ("gift/questions_in_category.gift.txt", "gift"),
        ("moodle-xml/multichoice.xml", "moodle_xml"),
        ("moodle-xml/truefalse.xml", "moodle_xml"),
        ("moodle-xml/multianswer.xml", "moodle_xml"),
        ("moodle-xml/nested_categories_with_questions.xml", "moodle_xml"),
        ("qti/qti-2.2/choice.xml", "qti"),
        ("qti/qti-2.2/text_entry.xml", "qti"),
        ("qti/qti-1.2-canvas/essay.xml", "qti"),
    ],
)
def test_formats_are_detected_by_content(relative, fmt):
    data = (SAMPLES / relative).read_bytes()
    assert detect_format(data, "upload.bin") == fmt


def test_aiken_questions():
    result = load("aiken/questions.aiken.txt")
    assert types(result) == {"single": 2}
    first, second = result.records
    assert first.stem == "The Moodle project was started by:"
    assert first.options == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"]
    assert first.answer == ["B"]
    assert second.stem.startswith("Moodle's abilities include handling user input that includes <html")
    assert second.answer == ["A"]
    assert not result.problems


def test_aiken_errors_are_named_with_their_lines():
    result = load("aiken/aiken_errors.txt")
    assert [r.stem for r in result.records] == ["A good question", "A second good question"]
    assert result.records[1].options == ["Incorrect (No space)", "Correct (No space)"]
    assert result.records[1].answer == ["B"]
    found = messages(result)
    assert any("第1行" in m and "只有 1 个选项" in m for m in found)
    assert any("第5行" in m and "0 个选项" in m for m in found)
    assert any("第14行" in m and "ANSWER" in m for m in found)
    assert len(result.errors) == 3


def test_gift_examples():
    result = load("gift/examples.txt")
    assert types(result) == {"single": 16, "fill_blank": 9, "true_false": 5, "multiple": 2}
    tomb = result.records[0]
    assert (tomb.stem, tomb.options, tomb.answer) == ("Who's buried in Grant's tomb?", ["Grant", "Jefferson", "no one"],
                                                       ["C"])
    missing_word = result.records[1]
    assert missing_word.stem == "Grant is ____ in Grant's tomb." and missing_word.answer == ["B"]
    short = next(r for r in result.records if r.stem.startswith("Two plus two"))
    assert short.type == "fill_blank" and short.stem == "Two plus two equals ____." and short.answer == [["four", "4"]]
    escaped = next(r for r in result.records if r.stem.startswith("Which answer equals 5"))
    assert escaped.options == ["= 2 + 2", "= 2 + 3", "= 2 + 4"] and escaped.answer == ["B"]
    control = next(r for r in result.records if r.title == "GIFT Control Characters")
    assert control.options == ["~", "=", "#", "{", "}", "\\"] and control.answer == ["F"]
    two = next(r for r in result.records if r.type == "multiple")
    assert two.answer == ["B", "C"]
    found = messages(result)
    assert sum("数值题" in m for m in found) == 8
    assert sum("配对题" in m for m in found) == 3
    assert any("第202行" in m and "“Numerical example”" in m and "数值题" in m for m in found)
    assert not result.errors  # unsupported questions are warnings: the rest can be imported
    # the file repeats its own examples: validation names each duplicate against its first line
    duplicates = [str(p) for p in validate_records(result.records) if "重复" in p.message]
    assert "examples.txt 第25行 字段“题干”：与第8行的题目重复" in duplicates


def test_gift_questions_and_categories():
    result = load("gift/questions.gift.txt")
    assert types(result) == {"single": 1, "multiple": 1, "fill_blank": 1, "true_false": 3}
    colours = next(r for r in result.records if r.type == "multiple")
    assert colours.options == ["yellow", "red", "off-beige", "blue"] and colours.answer == ["A", "C"]
    hitchhiker = next(r for r in result.records if r.stem.startswith("42 is"))
    assert hitchhiker.answer == ["false"]
    assert hitchhiker.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    found = messages(result)
    assert any("“Q8”" in m and "问答题" in m for m in found)
    assert any("“Moodle activities”" in m and "配对题" in m for m in found)
    assert any("“Q5”" in m and "数值题" in m for m in found)

    category = load("gift/questions_in_category.gift.txt")
    assert types(category) == {"single": 1, "fill_blank": 1, "true_false": 1}
    assert {r.category for r in category.records} == {"$course$/Default for New Features"}
    greeting = category.records[0]
    assert greeting.stem == "Listen to this greeting:\n\nWhat language is being spoken?"
    assert greeting.answer == ["B"]


def test_moodle_xml_samples():
    multichoice = load("moodle-xml/multichoice.xml")
    assert types(multichoice) == {"single": 1}
    greeting = multichoice.records[0]
    assert greeting.options == ["English", "French", "German", "Danish"] and greeting.answer == ["B"]
    assert greeting.points == 1.0 and greeting.title == "Greeting"

    truefalse = load("moodle-xml/truefalse.xml")
    assert [r.answer for r in truefalse.records] == [["false"], ["true"]]
    assert truefalse.records[0].stem == (
        "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Education."
    )
    assert any("图片未导入" in m for m in messages(truefalse))

    nested = load("moodle-xml/nested_categories_with_questions.xml")
    assert types(nested) == {"true_false": 4}
    assert [r.category for r in nested.records] == ["$course$/Iota", "$course$/Iota/Kappa",
                                                    "$course$/Iota/Kappa/Lambda", "$course$/Iota/Mu"]
    assert any("“Kappa Essay Question”" in m and "问答题" in m for m in messages(nested))

    cloze = load("moodle-xml/multianswer.xml")
    assert cloze.records == []
    assert any("“cloze with images”" in m and "完形填空" in m for m in messages(cloze))


def test_qti_2_single_items():
    choice = load("qti/qti-2.2/choice.xml")
    assert types(choice) == {"single": 1}
    assert choice.records[0].stem == "Look at the text in the picture.\nWhat does it say?"
    assert choice.records[0].answer == ["A"] and len(choice.records[0].options) == 3

    multiple = load("qti/qti-2.2/choice_multiple.xml")
    assert multiple.records[0].type == "multiple" and multiple.records[0].answer == ["A", "D"]

    true_false = load("qti/qti-2.2/choice_true_false.xml")
    assert true_false.records[0].type == "true_false" and true_false.records[0].answer == ["true"]

    entry = load("qti/qti-2.2/text_entry.xml")
    assert entry.records[0].type == "fill_blank" and entry.records[0].answer == [["York"]]
    assert "Made glorious summer by this sun of ____;" in entry.records[0].stem


def test_qti_2_package():
    result = parse_file(zipped("qti/qti-2.2/package_test_qti_2.2"), "package.zip")
    assert types(result) == {"single": 1, "multiple": 1, "fill_blank": 1, "true_false": 1}
    found = messages(result)
    assert any("essay/essay.xml" in m and "问答题" in m for m in found)
    assert any("fib/fib.xml" in m and "gapMatchInteraction" in m for m in found)
    assert not result.errors


@pytest.mark.parametrize("name", ["essay.xml", "matching.xml", "multiple_answer.xml", "multiple_choice.xml",
                                  "true_false.xml"])
def test_qti_1_2_files_are_rejected_with_a_named_reason(name):
    result = load(f"qti/qti-1.2-canvas/{name}")
    assert result.records == []
    assert any("QTI 1.2" in m and "不受支持" in m for m in messages(result))


def test_broken_qti_1_2_file_is_rejected_as_malformed_xml():
    with pytest.raises(FormatError, match="第45行"):
        load("qti/qti-1.2-canvas/fib.xml")


def test_qti_1_2_package_is_rejected_with_a_named_reason():
    result = parse_file(zipped("qti/qti-1.2-canvas/package_test_qti_1.2_canvas"), "canvas.zip")
    assert result.records == []
    assert any("QTI 1.2" in m and "4 道题未导入" in m for m in messages(result))
