"""Completion figures over a known bureau: every figure, the roll-up, three report modes, scoping."""

from __future__ import annotations

from datetime import date

import pytest

from lawtrain.reports import queries
from lawtrain.reports.queries import ReportFilter
from tests.factories import make_report_population

TODAY = date(2025, 6, 16)


@pytest.fixture
def pop(session):
    return make_report_population(session)


def _report(session, now, f, root=None, people="direct"):
    return queries.completion_report(session, f, root=root, today=TODAY, now=now, people=people)


def _fig(row):
    return (row.assigned, row.studied, row.minutes, row.attempted, row.passed, row.average, row.median,
            row.certificates, row.overdue)


def test_exam_report_rolls_departments_up_the_tree(session, now, pop):
    report = _report(session, now, ReportFilter(exam_id=pop["exam"].id))
    assert report.node.id == pop["root"].id
    # assigned, studied (every module of the assignments due: e1 z1 z3, not e2 or z2), minutes, attempted,
    # passed, average, median, certificates, overdue
    assert _fig(report.total) == (8, 3, 100, 6, 4, 71.0, 73.0, 2, 0)
    assert (report.total.trained, report.total.sittings, report.total.passed_sittings) == (4, 7, 5)
    assert report.total.sitting_pass_rate == round(500 / 7, 1)
    assert report.total.pass_rate == 66.7 and report.total.participation_rate == 75.0
    rows = {r.name: r for r in report.departments}
    assert list(rows) == ["执法大队", "办公室"]
    assert _fig(rows["执法大队"]) == (5, 3, 100, 4, 3, 71.5, 73.0, 1, 0)
    assert rows["执法大队"].has_children and not rows["办公室"].has_children
    assert _fig(rows["办公室"]) == (2, 0, 0, 1, 0, 40.0, 40.0, 0, 0)
    assert rows["办公室"].pass_rate == 0.0
    # People directly in the bureau: only r1.
    assert [(p.name, p.average, p.passed, p.certificates) for p in report.people] == [("员工r1", 100.0, 1, 1)]


def test_drill_down_to_a_squad_lists_its_people(session, now, pop):
    report = _report(session, now, ReportFilter(exam_id=pop["exam"].id, department_id=pop["squad"].id))
    assert [d.name for d in report.breadcrumbs] == ["区应急局", "执法大队", "一中队"]
    assert _fig(report.total) == (3, 2, 60, 2, 2, 78.0, 78.0, 0, 0)
    assert report.departments == []
    people = {p.name: p for p in report.people}
    assert set(people) == {"员工z1", "员工z2", "员工z3"}
    assert (people["员工z2"].average, people["员工z2"].passed, people["员工z2"].studied) == (66.0, 1, 0)
    assert (people["员工z3"].attempted, people["员工z3"].average, people["员工z3"].minutes) == (0, None, 40)


def test_assignment_report_counts_completion_and_overdue(session, now, pop):
    report = _report(session, now, ReportFilter(assignment_id=pop["assignment"].id))
    assert report.required_modules == 2
    # The assignment covers the staff of 执法大队 and below: e1 e2 z1 z2 z3 (not leader2).
    assert (report.total.assigned, report.total.studied, report.total.overdue) == (5, 3, 2)
    assert report.total.completion_rate == 60.0
    rows = {r.name: r for r in report.departments}
    assert (rows["执法大队"].assigned, rows["执法大队"].studied, rows["执法大队"].overdue) == (5, 3, 2)
    assert rows["办公室"].assigned == 0 and rows["办公室"].completion_rate is None


def test_year_report_counts_overdue_assignments(session, now, pop):
    report = _report(session, now, ReportFilter(year=2025), people="all")
    # 学习完成: e1 z1 z3 completed both modules of the assignment due 2025-06-01; e2 and z2 are overdue.
    assert (report.total.assigned, report.total.studied, report.total.overdue) == (8, 3, 2)
    assert {p.name for p in report.people if p.studied} == {"员工e1", "员工z1", "员工z3"}
    assert {p.name for p in report.people if p.trained} == {"员工e1", "员工z1", "员工e2", "员工z3"}
    assert (report.total.attempted, report.total.passed, report.total.certificates) == (6, 4, 2)
    assert {p.name for p in report.people if p.overdue} == {"员工e2", "员工z2"}
    assert len(report.people) == 8
    # Another year: nothing happened.
    other = _report(session, now, ReportFilter(year=2024))
    assert (other.total.assigned, other.total.attempted, other.total.studied, other.total.overdue) == (8, 0, 0, 0)


def test_date_range_keeps_only_attempts_inside_it(session, now, pop):
    report = _report(session, now, ReportFilter(exam_id=pop["exam"].id, date_from=date(2025, 3, 1),
                                                date_to=date(2025, 3, 31)))
    # Only e1's March attempt (70) is inside the range.
    assert (report.total.attempted, report.total.passed, report.total.average) == (1, 1, 70.0)


def test_leader_root_limits_everything_to_the_subtree(session, now, pop):
    report = _report(session, now, ReportFilter(exam_id=pop["exam"].id), root=pop["team"])
    assert report.node.id == pop["team"].id
    assert report.total.assigned == 5
    assert [r.name for r in report.departments] == ["一中队"]
    assert queries.in_scope(session, pop["team"], department_id=pop["squad"].id)
    assert not queries.in_scope(session, pop["team"], department_id=pop["office"].id)
    assert not queries.in_scope(session, pop["team"], user_id=pop["people"]["o1"].id)
    assert queries.in_scope(session, None, user_id=pop["people"]["o1"].id)


def test_dashboard_histogram_and_trend(session, now, pop):
    dash = queries.dashboard(session, year=2025, root=None, today=TODAY, now=now)
    # best scores 100 80 50 90 66 40 -> bands 40-49, 50-59, 60-69, 80-89, 90-100 (twice)
    assert dash.histogram == [0, 0, 0, 0, 1, 1, 1, 0, 1, 2]
    assert dash.trend[2] == (1, 1)  # March: e1's 70
    assert dash.trend[5] == (6, 4)  # June
    assert sum(n for n, _ in dash.trend) == 7


def test_annual_summary_figures(session, now, pop):
    a = queries.annual(session, 2025, root=None, today=TODAY, now=now)
    assert (a.staff, a.trained, a.hours, a.modules_completed) == (8, 4, round(6000 / 3600, 1), 7)
    assert (a.exams_held, a.sittings, a.examinees, a.passed_sittings, a.passed_people) == (1, 7, 6, 5, 4)
    assert a.pass_rate == round(500 / 7, 1)
    assert a.certificates == 2
    assert [(x.law, x.learners, x.modules_completed) for x in a.laws] == [("安全生产法", 4, 7)]


def test_exams_for_analysis_counts_attempts_in_the_viewers_subtree(session, pop):
    def counts(root):
        return [(exam.title, n) for exam, n in queries.exams_for_analysis(session, root=root)]

    assert counts(None) == [("2025年安全生产法考试", 7)]
    assert counts(pop["team"]) == [("2025年安全生产法考试", 5)]  # e1 twice, e2, z1, z2
    assert counts(pop["squad"]) == [("2025年安全生产法考试", 2)]
    assert counts(pop["office"]) == [("2025年安全生产法考试", 1)]
