"""Figures by law over a known bureau with two laws: the annual summary's per-law lines and the law filter."""

from __future__ import annotations

from datetime import date

import pytest

from lawtrain.reports import builders, queries
from lawtrain.reports.queries import ReportFilter
from tests.factories import make_two_law_population

TODAY = date(2025, 12, 16)


@pytest.fixture
def pop(session):
    return make_two_law_population(session)


def _law(x):
    return (x.law, x.learners, x.hours, x.modules_completed, x.sittings, x.passed_sittings, x.pass_rate,
            x.certificates)


def test_annual_counts_sittings_passes_and_certificates_by_law(session, now, pop):
    a = queries.annual(session, 2025, root=None, today=TODAY, now=now)
    assert (a.staff, a.trained, a.hours, a.modules_completed) == (8, 6, 2.0, 7)
    assert (a.exams_held, a.sittings, a.examinees, a.passed_sittings, a.passed_people) == (2, 10, 8, 7, 6)
    assert a.certificates == 6  # r1 e1 (安全生产法 exam), o1 z3 (消防法 exam), z1 o1 (training); e2's revoked
    # 安全生产法: 7 sittings of its exam (5 passed); certificates r1 e1 (exam), z1 and o1 (training).
    # 消防法: 3 sittings (o1 85, z3 75 passed); certificates o1 z3 (exam), o1 (training on both laws).
    assert [_law(x) for x in a.laws] == [("安全生产法", 4, 1.7, 7, 7, 5, 71.4, 4),
                                         ("消防法", 2, 0.3, 0, 3, 2, 66.7, 3)]


def test_annual_by_law_is_scoped_to_a_leaders_subtree(session, now, pop):
    a = queries.annual(session, 2025, root=pop["team"], today=TODAY, now=now)
    # 执法大队 and below: e1 (80, 70) e2 (50) z1 (90) z2 (66) sat 安全生产法; z3 sat 消防法 (75).
    assert [_law(x) for x in a.laws] == [("安全生产法", 4, 1.7, 7, 5, 4, 80.0, 2),
                                         ("消防法", 0, 0.0, 0, 1, 1, 100.0, 1)]


def test_annual_document_table_and_paragraph_by_law(session, now, pop):
    a = queries.annual(session, 2025, root=None, today=TODAY, now=now)
    doc = builders.annual_document(a, "区应急局", "")
    by_law = doc.tables[1]
    assert list(by_law.headers) == ["法律", "学习人数", "学时（小时）", "完成模块", "参考人次", "合格人次",
                                    "合格率（按人次）", "颁发证书（张）", "考试答题（题次）", "答题正确率"]
    assert [[str(v) for v in r] for r in by_law.rows] == [
        ["《安全生产法》", "4", "1.7", "7", "7", "5", "71% (5/7)", "4", "0", "—"],
        ["《消防法》", "2", "0.3", "0", "3", "2", "67% (2/3)", "3", "0", "—"]]
    # Study under an hour is written in minutes, never "0.3 小时"; a law with nothing to report is left out.
    assert doc.paragraphs[0].endswith(
        "其中，《安全生产法》4 人学习 1.7 小时，完成学习模块 7 个，参考 7 人次，合格率（按人次）71%，颁发证书 4 张；"
        "《消防法》2 人学习 20 分钟，参考 3 人次，合格率（按人次）67%，颁发证书 3 张。")
    assert "参考 8 人、10 人次，合格 6 人、7 人次，合格率（按人）75%，合格率（按人次）70%" in doc.paragraphs[0]
    assert "颁发合格证书 6 张。" in doc.paragraphs[0] and "0.0" not in doc.paragraphs[0]
    assert "各计一次" in doc.notes[0]


def _fig(row):
    return (row.assigned, row.studied, row.minutes, row.attempted, row.passed, row.average, row.median,
            row.certificates)


def test_completion_filtered_by_law_counts_only_that_laws_exam_study_and_certificates(session, now, pop):
    fire = queries.completion_report(session, ReportFilter(year=2025, law="消防法"), root=None, today=TODAY,
                                     now=now, people="all")
    # Only the 消防法 exam (o1 85, o2 55, z3 75), its study time (o1 15 min, o2 5 min), its certificates
    # (o1 and z3 for the exam, o1's training certificate on both laws); nobody completed its module.
    assert _fig(fire.total) == (8, 0, 20, 3, 2, 71.7, 75.0, 3)
    rows = {r.name: r for r in fire.departments}
    assert _fig(rows["办公室"]) == (2, 0, 20, 2, 1, 70.0, 70.0, 2)
    assert _fig(rows["执法大队"]) == (5, 0, 0, 1, 1, 75.0, 75.0, 1)
    assert {p.name for p in fire.people if p.attempted} == {"员工o1", "员工o2", "员工z3"}

    safety = queries.completion_report(session, ReportFilter(year=2025, law="安全生产法"), root=None, today=TODAY,
                                       now=now, people="none")
    # The 安全生产法 exam's six takers (e1's best of 80 and 70), its 100 minutes, r1 e1 z1 o1's certificates.
    assert _fig(safety.total) == (8, 3, 100, 6, 4, 71.0, 73.0, 4)  # e1 z1 z3 completed the assignment
    assert queries.person_attempts(session, pop["people"]["o1"].id, ReportFilter(law="消防法"))[0][1] \
        == "2025年消防法考试"
    assert [t for _a, t in queries.person_attempts(session, pop["people"]["o1"].id, ReportFilter(law="安全生产法"))] \
        == ["2025年安全生产法考试"]


def test_exam_laws_reads_rules_and_fixed_question_citations(session, pop):
    from lawtrain.exams.models import ExamFixedQuestion
    from tests.factories import make_bank, make_exam, make_question

    question = make_question(session, make_bank(session), basis=(("消防法", 12), ("安全生产法", 3)))
    fixed = make_exam(session, title="固定试题考试")
    session.add(ExamFixedQuestion(exam_id=fixed.id, question_id=question.id, position=1, points=1.0))
    session.commit()
    pairs = set(session.execute(queries.exam_laws()).all())
    assert pairs == {(pop["exam"].id, "安全生产法"), (pop["fire_exam"].id, "消防法"), (fixed.id, "消防法"),
                     (fixed.id, "安全生产法")}
    assert set(session.scalars(queries.exams_on_law("消防法"))) == {pop["fire_exam"].id, fixed.id}


def test_an_exam_drawing_on_a_laws_bank_counts_under_that_law(session):
    """The demo's exams name banks, not laws: they count under the banks' laws (ids 3 and 13 must not be
    confused with 1 or 33 in the rule's JSON list)."""
    from tests.factories import make_bank, make_exam

    banks = [make_bank(session, name=f"题库{i}", law_name=law)
             for i, law in enumerate(["安全生产法", "消防法", "行政处罚法"] + [None] * 11)]
    single = make_exam(session, bank=banks[0], rules=(("single", 2, 5.0),))
    mixed = make_exam(session, rules=(("single", 2, 5.0),))
    mixed.rules[0].banks = [banks[1].id, banks[13].id]  # 消防法 and a bank on no law
    session.commit()
    pairs = set(session.execute(queries.exam_laws()).all())
    assert {(single.id, "安全生产法"), (mixed.id, "消防法")} <= pairs
    assert not {p for p in pairs if p[0] in (single.id, mixed.id)} - {(single.id, "安全生产法"), (mixed.id, "消防法")}
    assert set(session.scalars(queries.exams_on_law("消防法"))) == {mixed.id}
    assert set(session.scalars(queries.exams_on_law("行政处罚法"))) == set()
