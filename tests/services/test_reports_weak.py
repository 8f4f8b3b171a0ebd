"""Weak articles over a known bureau: the heat map by article and rolled up by chapter, and remedial training."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lawtrain.courses.models import AssignmentDepartment, TrainingAssignment
from lawtrain.reports import builders, queries, services
from lawtrain.reports.queries import WEAK_BY_CHAPTER, ReportFilter
from tests.factories import CHAPTER_2, CHAPTER_3, make_course_module, make_user, make_weak_population

LAW = "安全生产法"


@pytest.fixture
def pop(session):
    return make_weak_population(session)


def _grid(weak):
    """{department name: {column: (correct, answered)}}"""
    return {d.name: {key: (c.correct, c.answered) for (dept_id, _law, key), c in weak.cells.items()
                     if dept_id == d.id} for d in weak.departments}


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
    assert [list(r) for r in grid.rows][0] == ["区应急局", "57% (4/7)", "33% (1/3)", "50% (1/2)"]
    assert list(detail.headers) == ["部门", "法律", "章", "作答次数", "答对次数", "正确率（%）"]
    assert [list(r) for r in detail.rows][:2] == [["区应急局", LAW, CHAPTER_2, 7, 4, "57.1"],
                                                 ["区应急局", LAW, CHAPTER_3, 3, 1, "33.3"]]
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
