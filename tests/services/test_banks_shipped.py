"""The banks we ship in question_banks/: each parses, validates, is big enough and cites real articles."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from lawtrain.banks.formats.detect import parse_file
from lawtrain.banks.formats.validate import validate_records

REPO = Path(__file__).resolve().parents[2]
LAWS_DIR = REPO / "question_banks" / "laws"
LAW_FILES = {"安全生产法": "work-safety-law.md", "突发事件应对法": "emergency-response-law.md",
             "行政处罚法": "administrative-penalty-law.md"}
ARTICLE_LINE = re.compile(r"^第[一二三四五六七八九十百零]+条")
MINIMUMS = {"single": 50, "multiple": 30, "true_false": 30, "fill_blank": 10}
ALL_BANK_FILES = sorted((REPO / "question_banks").glob("*/bank.json"))
# The banks on the current texts; a legacy bank numbered against a superseded revision is checked on its own.
BANK_FILES = [p for p in ALL_BANK_FILES if parse_file(p.read_bytes(), p.name).law_revision is None]
LEGACY_FILES = [p for p in ALL_BANK_FILES if p not in BANK_FILES]


def article_count(law: str) -> int:
    text = (LAWS_DIR / LAW_FILES[law]).read_text(encoding="utf-8")
    return sum(1 for line in text.splitlines() if ARTICLE_LINE.match(line))


@pytest.mark.skipif(not BANK_FILES, reason="no shipped banks yet")
@pytest.mark.parametrize("path", BANK_FILES, ids=[p.parent.name for p in BANK_FILES])
def test_shipped_bank_is_valid_complete_and_cites_existing_articles(path):
    result = parse_file(path.read_bytes(), path.name)
    problems = result.problems + validate_records(result.records)
    assert [str(p) for p in problems if p.severity == "error"] == []

    types = Counter(r.type for r in result.records)
    assert len(result.records) >= 120
    for qtype, minimum in MINIMUMS.items():
        assert types[qtype] >= minimum, (qtype, types[qtype])

    counts = {law: article_count(law) for law in LAW_FILES if (LAWS_DIR / LAW_FILES[law]).exists()}
    bad = []
    for r in result.records:
        assert r.basis, f"{r.external_id} cites no article"
        for c in r.basis:
            if c.law not in counts or not 1 <= c.article <= counts[c.law]:
                bad.append(f"{r.external_id}: {c.law} 第{c.article}条")
    assert bad == []
    assert len({r.external_id for r in result.records}) == len(result.records), "external IDs must be unique"


def test_every_law_has_a_shipped_bank():
    assert len(BANK_FILES) >= len(LAW_FILES) == 3
    laws = set()
    for path in BANK_FILES:
        records = parse_file(path.read_bytes(), path.name).records
        laws.add(Counter(c.law for r in records for c in r.basis).most_common(1)[0][0])
    assert laws == set(LAW_FILES)


def test_every_article_of_the_three_laws_is_cited_by_a_shipped_question():
    cited = {(c.law, c.article) for path in BANK_FILES
             for r in parse_file(path.read_bytes(), path.name).records for c in r.basis}
    uncited = [f"{law} 第{n}条" for law in LAW_FILES for n in range(1, article_count(law) + 1) if (law, n) not in cited]
    assert uncited == []


def test_the_legacy_bank_is_small_titled_as_such_and_numbered_against_the_2007_text():
    assert len(LEGACY_FILES) == 1
    result = parse_file(LEGACY_FILES[0].read_bytes(), LEGACY_FILES[0].name)
    assert "2007" in result.bank_name and "旧题库" in result.bank_name and 12 <= len(result.records) <= 20
    old_count = sum(1 for line in (LAWS_DIR / "emergency-response-law-2007.md").read_text(encoding="utf-8").splitlines()
                    if ARTICLE_LINE.match(line))
    assert old_count == 70
    assert all(c.law == "突发事件应对法" and 1 <= c.article <= old_count for r in result.records for c in r.basis)
