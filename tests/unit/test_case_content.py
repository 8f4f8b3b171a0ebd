"""The shipped case-analysis content (question_banks/*/cases.json) and its 以案释法 modules.

Pure checks on the files themselves (the engine's import of them is tested in tests/services/test_banks_cases.py):
a case text plus 2–6 sub-questions, each exactly an ordinary LawTrain JSON question that the parser and validator
accept without a single problem, citing the articles that decide it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lawtrain.banks.formats.common import int_to_cn
from lawtrain.banks.formats.lawtrain_json import FORMAT_NAME, parse_json, record_to_dict
from lawtrain.banks.formats.records import QuestionRecord
from lawtrain.banks.formats.validate import validate_records
from lawtrain.courses.modules import parse_module

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
LAWS = {  # folder -> (law, id prefix, 以案释法 module)
    "work_safety_law": ("安全生产法", "WSL", "10-cases"),
    "emergency_response_law": ("突发事件应对法", "ERL", "09-cases"),
    "administrative_penalty_law": ("行政处罚法", "APL", "10-cases"),
}
CITABLE = {"安全生产法", "突发事件应对法", "行政处罚法", "行政复议法", "生产安全事故报告和调查处理条例",
           "生产安全事故应急条例"}
QUESTION_KEYS = set(record_to_dict(QuestionRecord(type="single", stem="x")))
CASE_KEYS = {"external_id", "type", "case_text", "difficulty", "tags", "items"}
CASE_POINTS = 10  # every shipped case is worth the same, so an exam rule drawing N cases has a known total
_MARKUP = re.compile(r"[\s|*#:\-]")


def _load(folder: str) -> dict:
    return json.loads((BANKS / folder / "cases.json").read_text(encoding="utf-8"))


def _cases(folder: str) -> list[dict]:
    return _load(folder)["questions"]


def _items(folder: str) -> list[dict]:
    return [item for case in _cases(folder) for item in case["items"]]


@pytest.mark.parametrize("folder", LAWS)
def test_document_names_the_law_and_its_case_bank(folder):
    law, _, _ = LAWS[folder]
    document = _load(folder)
    assert document["format"] == FORMAT_NAME and document["version"] == 2
    assert document["bank"]["name"] == f"{law} 案例分析" and document["bank"]["law"] == law
    assert document["bank"]["description"].strip()


@pytest.mark.parametrize("folder", LAWS)
def test_at_least_fifteen_well_formed_cases(folder):
    _, prefix, _ = LAWS[folder]
    cases = _cases(folder)
    assert len(cases) >= 15
    assert [c["external_id"] for c in cases] == [f"{prefix}-CASE-{n:02d}" for n in range(1, len(cases) + 1)]
    for case in cases:
        where = case["external_id"]
        assert set(case) == CASE_KEYS, where
        assert case["type"] == "case", where
        assert 150 <= len(_MARKUP.sub("", case["case_text"])) <= 400, where
        assert 1 <= case["difficulty"] <= 5, where
        assert case["tags"] and all(isinstance(t, str) and t.strip() for t in case["tags"]), where
        assert 2 <= len(case["items"]) <= 6, where
        assert [i["external_id"] for i in case["items"]] == [f"{where}-{n}" for n in range(1, len(case["items"]) + 1)]
        assert sum(i["points"] for i in case["items"]) == CASE_POINTS, where


@pytest.mark.parametrize("folder", LAWS)
def test_every_sub_question_is_an_ordinary_question_the_importer_accepts(folder):
    items = _items(folder)
    assert all(set(item) == QUESTION_KEYS for item in items)
    as_bank = json.dumps({"format": FORMAT_NAME, "version": 1, "bank": {"name": "x"}, "questions": items},
                         ensure_ascii=False).encode("utf-8")
    parsed = parse_json(as_bank, f"{folder}/cases.json")
    assert parsed.problems == []
    assert len(parsed.records) == len(items)
    assert validate_records(parsed.records) == []  # no errors, no warnings, no duplicate stems or ids
    assert [record_to_dict(r) for r in parsed.records] == items  # nothing is lost or normalised away


@pytest.mark.parametrize("folder", LAWS)
def test_every_sub_question_cites_and_explains_its_articles(folder):
    law, _, _ = LAWS[folder]
    for item in _items(folder):
        where = item["external_id"]
        assert item["basis"], where
        assert item["points"] > 0 and 1 <= item["difficulty"] <= 5, where
        for citation in item["basis"]:
            assert citation["law"] in CITABLE and citation["article"] > 0, where
            assert f"第{int_to_cn(citation['article'])}条" in item["explanation"], (where, citation)
            if citation["law"] != law:  # another law or regulation is named where it is relied on
                assert citation["law"] in item["explanation"], (where, citation)


def test_sub_question_types_are_mixed():
    types = {item["type"] for folder in LAWS for item in _items(folder)}
    assert types == {"single", "multiple", "true_false", "fill_blank"}
    assert sum(len(_cases(folder)) for folder in LAWS) >= 45


@pytest.mark.parametrize("folder", LAWS)
def test_case_module_loads_and_feeds_the_laws_bank(folder):
    law, _, stem = LAWS[folder]
    path = BANKS / folder / "modules" / f"{stem}.md"
    module = parse_module(path.read_text(encoding="utf-8"), source_path=str(path), law_slug=folder, stem=stem)
    bank_name = json.loads((BANKS / folder / "bank.json").read_text(encoding="utf-8"))["bank"]["name"]
    assert module.law_name == law and module.banks == (bank_name,)
    assert module.title.startswith("以案释法")
    assert module.articles
    body = module.body
    assert body.count("**案情。**") == body.count("**处理结果。**") and 3 <= body.count("**案情。**") <= 5
    for label in ("**争议焦点。**", "**条文。**"):
        assert body.count(label) == body.count("**案情。**")
    assert "## 课后小测" in body and "参考答案" in body


def test_demo_exam_spec_adds_up_and_draws_only_what_is_shipped():
    spec = json.loads((BANKS / "demo_exams" / "enforcement-qualification.json").read_text(encoding="utf-8"))
    pools: dict[str, list[dict]] = {}
    for folder in LAWS:
        for name in ("bank.json", "cases.json"):
            document = json.loads((BANKS / folder / name).read_text(encoding="utf-8"))
            pools[document["bank"]["name"]] = document["questions"]
    total = 0.0
    for section in spec["sections"]:
        for rule in section["rules"]:
            pool = [q for bank in rule["banks"] for q in pools[bank] if q["type"] == rule["type"]]
            assert len(pool) >= rule["count"], rule
            each = rule["points"] if rule["type"] != "case" else sum(i["points"] for i in pool[0]["items"])
            total += rule["count"] * each
    assert total == spec["exam"]["total_points"] == 100 and spec["exam"]["duration_minutes"] == 90
    cases = {c["external_id"]: c for folder in LAWS for c in _cases(folder)}
    assert len(spec["fixed_paper_cases"]) == 2 and set(spec["fixed_paper_cases"]) <= set(cases)
    assert all(sum(i["points"] for i in cases[cid]["items"]) == CASE_POINTS for cid in spec["fixed_paper_cases"])
