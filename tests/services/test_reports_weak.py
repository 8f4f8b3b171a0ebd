"""Weak articles over a known bureau: the heat map by article and rolled up by chapter, and remedial training."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from lawtrain.courses.models import AssignmentDepartment, TrainingAssignment
from lawtrain.reports import builders, queries, services
from lawtrain.reports.queries import WEAK_BY_CHAPTER, ReportFilter
from lawtrain.reports.stats import Evidence
from tests.factories import (
    CHAPTER_2,
    CHAPTER_3,
    make_attempt,
    make_attempt_question,
    make_bank,
    make_course_module,
    make_exam,
    make_question,
    make_user,
    make_weak_population,
)

LAW = "安全生产法"


@pytest.fixture
def pop(session):
    return make_weak_population(session)


def _grid(weak):
    """{department name: {column: (correct, answered)}}"""
    return {d.name: {key: (c.correct, c.answered) for (dept_id, _law, key), c in weak.cells.items()
                     if dept_id == d.id} for d in weak.departments}


def test_a_few_answers_per_cell_flag_nothing(session, pop):
    """1–4 answers per cell: every cell is 样本不足, none 薄弱, however low its rate."""
    for by in ("article", WEAK_BY_CHAPTER):
        weak = queries.weak_articles(session, ReportFilter(year=2025), root=None, by=by, limit=None)
        assert weak.cells and {weak.status(c) for c in weak.cells.values()} == {"insufficient"}
    lenient = queries.weak_articles(session, ReportFilter(year=2025), root=None,
                                    evidence=Evidence(min_answers=1, min_people=1))
    # Even counted, 0/1 is not 薄弱: its Wilson upper bound (79%) is above 60%.
    assert lenient.cells and "weak" not in {lenient.status(c) for c in lenient.cells.values()}


def test_a_cell_with_enough_evidence_is_flagged_by_its_upper_bound(session, pop):
    question = make_question(session, make_bank(session), basis=((LAW, 40),))
    team = [make_user(session, roles=["staff"], department=pop["team"]) for _ in range(6)]
    exam = make_exam(session, departments=[pop["root"]])
    for i, user in enumerate(team):
        for n in range(2):  # 12 answers from 6 people, 2 right: 17%, upper bound 45% < 60%
            attempt = make_attempt(session, exam, user, score=50, number=n + 1,
                                   submitted_at=datetime(2025, 6, 10, 2, 0))
            make_attempt_question(session, attempt, question, correct=(i == 0))
    weak = queries.weak_articles(session, ReportFilter(year=2025), root=None)
    cell = weak.cells[(pop["team"].id, LAW, 40)]
    assert (cell.answered, cell.correct, cell.people) == (12, 2, 6)
    assert weak.status(cell) == "weak" and cell.interval[1] < 60
    assert weak.columns[0] == (LAW, 21) or (LAW, 40) in weak.columns


def test_by_article(session, pop):
    weak = queries.weak_articles(session, ReportFilter(year=2025), root=None)
    assert weak.by == "article" and weak.columns == [(LAW, 21), (LAW, 22), (LAW, 24), (LAW, 99)]
    assert _grid(weak) == {
        "区应急局": {21: (3, 5), 22: (2, 4), 24: (1, 3), 99: (1, 2)},
        "执法大队": {21: (2, 4), 22: (2, 4), 24: (1, 2), 99: (1, 1)},
        "办公室": {21: (1, 1), 24: (0, 1), 99: (0, 1)},
    }
    assert weak.modules == {(LAW, 21): 1, (LAW, 22): 1, (LAW, 23): 1}  # m1 cites 21 and 22, m2 cites 23


def test_by_chapter_rolls_articles_up_and_counts_a_question_once(session, pop):
    weak = queries.weak_articles(session, ReportFilter(year=2025), root=None, by=WEAK_BY_CHAPTER)
    # Chapters in the law's order; article 99, not in the library, falls in "" (no chapter), last.
    assert weak.by == "chapter" and weak.columns == [(LAW, CHAPTER_2), (LAW, CHAPTER_3), (LAW, "")]
    # 第二章: q21, q22 and q21+22 — e1's q21+22 counts once, not once per article.
    assert _grid(weak) == {
        "区应急局": {CHAPTER_2: (4, 7), CHAPTER_3: (1, 3), "": (1, 2)},
        "执法大队": {CHAPTER_2: (3, 6), CHAPTER_3: (1, 2), "": (1, 1)},
        "办公室": {CHAPTER_2: (1, 1), CHAPTER_3: (0, 1), "": (0, 1)},
    }
    assert weak.overall[(LAW, CHAPTER_2)].rate == 57.1
    assert weak.modules == {(LAW, CHAPTER_2): 2}  # m1 (21, 22) and m2 (23); nothing teaches 第三章


def test_by_chapter_keeps_the_weakest_and_follows_scope_and_law(session, pop):
    weakest = queries.weak_articles(session, ReportFilter(year=2025), root=None, by=WEAK_BY_CHAPTER, limit=1)
    assert weakest.columns == [(LAW, CHAPTER_3)]  # 33% is the lowest
    team = queries.weak_articles(session, ReportFilter(year=2025), root=pop["team"], by=WEAK_BY_CHAPTER)
    assert [d.name for d in team.departments] == ["执法大队", "一中队"]
    assert _grid(team)["一中队"] == {CHAPTER_2: (1, 2), "": (1, 1)}
    other = queries.weak_articles(session, ReportFilter(year=2025, law="消防法"), root=None, by=WEAK_BY_CHAPTER)
    assert other.columns == [] and other.cells == {}


def test_weak_document_by_chapter(session, pop):
    weak = queries.weak_articles(session, ReportFilter(year=2025), root=None, by=WEAK_BY_CHAPTER)
    doc = builders.weak_document(weak, "")
    grid, detail = doc.tables
    assert list(grid.headers) == ["部门", f"《{LAW}》{CHAPTER_2}", f"《{LAW}》{CHAPTER_3}", f"《{LAW}》未分章条文"]
    assert [str(v) for v in grid.rows[0]] == ["区应急局", "57% (4/7)", "33% (1/3)", "50% (1/2)"]
    assert list(detail.headers) == ["部门", "法律", "章", "作答次数", "答对次数", "涉及人数", "正确率",
                                    "95% 区间下限（%）", "95% 区间上限（%）", "判定"]
    # 7 answers from 4 people: 样本不足 (10 answers from 5 people are needed), whatever the rate.
    assert [[str(v) for v in r] for r in detail.rows][:2] == [
        ["区应急局", LAW, CHAPTER_2, "7", "4", "4", "57% (4/7)", "25", "84.2", "样本不足"],
        ["区应急局", LAW, CHAPTER_3, "3", "1", "3", "33% (1/3)", "6.1", "79.2", "样本不足"]]
    assert doc.filename == "weak-chapters" and doc.notes


def test_remedial_training_for_a_chapter_assigns_modules_teaching_any_of_its_articles(session, now, pop):
    trainer = make_user(session, roles=["trainer"])
    far = make_course_module(session, articles=(99,))  # teaches no article of 第二章
    assignment = services.assign_remedial_training(session, department_id=pop["team"].id, law=LAW,
                                                   chapter=CHAPTER_2, due_date=None, actor=trainer, now=now)
    assert assignment.title == f"补学：《{LAW}》{CHAPTER_2}（执法大队）"
    module_ids = {m.module_id for m in assignment.module_links}
    assert module_ids == {pop["modules"][0].id, pop["modules"][1].id} and far.id not in module_ids
    assert session.scalars(select(AssignmentDepartment.department_id)
                           .where(AssignmentDepartment.assignment_id == assignment.id)).all() == [pop["team"].id]
    with pytest.raises(services.ReportError, match="没有讲授《安全生产法》第三章"):
        services.assign_remedial_training(session, department_id=pop["team"].id, law=LAW, chapter=CHAPTER_3,
                                          due_date=None, actor=trainer, now=now)
    assert session.scalar(select(TrainingAssignment.id).where(TrainingAssignment.title.contains("第三章"))) is None
