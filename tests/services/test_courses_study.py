"""Study time from heartbeats, the end-of-module check, the training gate, the ledger and assignments."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from lawtrain.courses.assignments import assigned_user_ids, assignments_for_user, create_assignment
from lawtrain.courses.gate import check_gate
from lawtrain.courses.models import StudyRecord, StudyTimeEntry
from lawtrain.courses.queries import assignment_progress, ledger, my_assignments
from lawtrain.courses.study import add_study_time, module_check_pool, record_heartbeat, record_module_check
from tests.factories import make_assignment, make_course_module, make_department, make_user


def _beats(session, user, module, start, offsets):
    return [record_heartbeat(session, user, module, now=start + timedelta(seconds=s)) for s in offsets]


def test_heartbeat_crediting_rules(session, now):
    user = make_user(session)
    module = make_course_module(session, min_minutes=2)
    make_assignment(session, modules=[module], users=[user])
    results = _beats(session, user, module, now, [0, 15, 20, 30, 60, 120, 135])
    # first starts the clock; +15; 5 s later too fast; +15 (from the last credited beat); a 30 s gap is capped
    # at 20; after a 60 s silence (page hidden) the clock only restarts; +15
    assert [(r.credited, r.status) for r in results] == [
        (0, "started"), (15, "credited"), (0, "too_fast"), (15, "credited"), (20, "credited"), (0, "started"),
        (15, "credited")]
    record = session.scalar(select(StudyRecord))
    assert record.seconds == 65
    entry = session.scalar(select(StudyTimeEntry))
    assert (entry.law_name, entry.channel, entry.seconds) == ("安全生产法", "reading", 65)


def test_no_credit_when_not_assigned_or_complete(session, now):
    user = make_user(session)
    closed = make_course_module(session)
    open_module = make_course_module(session, is_open=True, min_minutes=1)
    assert [r.status for r in _beats(session, user, closed, now, [0, 15])] == ["not_assigned", "not_assigned"]
    assert session.scalar(select(StudyRecord).where(StudyRecord.module_id == closed.id)) is None
    record_module_check(session, user, open_module, passed=True, score=80.0, now=now)
    _beats(session, user, open_module, now, range(0, 20 * 7, 20))  # 6 x 20 s = 120 s
    record = session.scalar(select(StudyRecord).where(StudyRecord.module_id == open_module.id))
    assert record.seconds == 60 and record.completed_at is not None  # later beats credit nothing
    after = record_heartbeat(session, user, open_module, now=now + timedelta(minutes=10))
    assert (after.credited, after.status, after.complete) == (0, "complete", True)


def test_completion_needs_time_and_check(session, now):
    user = make_user(session)
    module = make_course_module(session, is_open=True, min_minutes=1)
    _beats(session, user, module, now, [0, 20, 40, 60])
    record = session.scalar(select(StudyRecord))
    assert record.seconds == 60 and record.completed_at is None
    record_module_check(session, user, module, passed=False, score=40.0, now=now + timedelta(minutes=2))
    assert record.completed_at is None and record.check_attempts == 1
    record_module_check(session, user, module, passed=True, score=100.0, now=now + timedelta(minutes=3))
    assert record.completed_at == now + timedelta(minutes=3) and record.check_best_score == 100.0
    assert module_check_pool(session, module) == (["安全生产法"], "安全生产法", [1, 2, 3])


def test_gate_messages(session, now):
    user = make_user(session)
    module = make_course_module(session, title="总则：方针、体制与责任", is_open=True, min_minutes=1)
    gate = {"modules": [module.id], "minutes": {"安全生产法": 30}}
    add_study_time(session, user.id, "安全生产法", "reading", 18 * 60, now)
    add_study_time(session, user.id, "安全生产法", "exam", 60 * 60, now)  # exam time does not count
    session.commit()
    result = check_gate(session, user.id, gate)
    assert not result.ok
    assert result.missing == ["学习模块“总则：方针、体制与责任”", "安全生产法 学习时长还差 12 分钟"]
    add_study_time(session, user.id, "安全生产法", "practice", 12 * 60, now)
    session.add(StudyRecord(user_id=user.id, module_id=module.id, seconds=60, completed_at=now))
    session.commit()
    assert check_gate(session, user.id, gate).ok
    assert check_gate(session, user.id, {}).ok


def test_add_study_time_keeps_one_row_per_day(session):
    user = make_user(session)
    morning = datetime(2025, 6, 16, 1, 0)  # 09:00 Shanghai
    add_study_time(session, user.id, "行政处罚法", "practice", 30, morning)
    add_study_time(session, user.id, "行政处罚法", "practice", 45, morning + timedelta(hours=3))
    add_study_time(session, user.id, "行政处罚法", "practice", 10, datetime(2025, 6, 16, 17, 0))  # next day local
    session.commit()
    rows = session.scalars(select(StudyTimeEntry).order_by(StudyTimeEntry.day)).all()
    assert [(r.day, r.seconds) for r in rows] == [(date(2025, 6, 16), 75), (date(2025, 6, 17), 10)]


def test_assignments_by_department_subtree(session, now):
    bureau = make_department(session, path="区应急局")
    team = make_department(session, path="区应急局/执法大队")
    other = make_department(session, path="另一单位")
    inside = make_user(session, department=team)
    outside = make_user(session, department=other)
    named = make_user(session, roles=["leader"], department=other)
    leader_inside = make_user(session, roles=["leader"], department=team)
    m1, m2 = make_course_module(session), make_course_module(session)
    a = create_assignment(session, title="年度学习", module_ids=[m1.id, m2.id], law_name=None,
                          department_ids=[bureau.id], user_ids=[], usernames=[named.username],
                          due_date=date(2025, 7, 1), note=None, actor=None, now=now)
    assert assigned_user_ids(session, a) == {inside.id, named.id}
    assert [x.id for x in assignments_for_user(session, inside)] == [a.id]
    assert assignments_for_user(session, outside) == [] and assignments_for_user(session, leader_inside) == []
    session.add(StudyRecord(user_id=inside.id, module_id=m1.id, seconds=600, completed_at=now))
    session.commit()
    rows = my_assignments(session, inside, date(2025, 7, 2))
    assert (rows[0].done, rows[0].module_count, rows[0].minutes, rows[0].overdue) == (1, 2, 10, True)
    progress = {p.user.id: (p.done, p.overdue) for p in assignment_progress(session, a, date(2025, 6, 20))}
    assert progress == {inside.id: (1, False), named.id: (0, False)}
    team_only = assignment_progress(session, a, date(2025, 6, 20), root=team)
    assert [p.user.id for p in team_only] == [inside.id]


def test_whole_law_assignment_covers_later_modules(session, now):
    user = make_user(session)
    a = make_assignment(session, law_name="行政处罚法", users=[user])
    module = make_course_module(session, law_name="行政处罚法")
    assert record_heartbeat(session, user, module, now=now).status == "started"
    assert a.id in [x.id for x in assignments_for_user(session, user)]


def test_ledger_per_law_and_channel(session, now):
    a, b = make_user(session), make_user(session)
    add_study_time(session, a.id, "安全生产法", "reading", 600, now)
    add_study_time(session, a.id, "安全生产法", "exam", 1200, now)
    add_study_time(session, b.id, "行政处罚法", "practice", 300, now)
    add_study_time(session, b.id, "行政处罚法", "practice", 300, datetime(2024, 5, 1))
    session.commit()
    laws, rows = ledger(session, 2025)
    by_user = {r.user.id: r for r in rows}
    assert set(laws) == {"安全生产法", "行政处罚法"}
    assert by_user[a.id].minutes == {("安全生产法", "reading"): 10, ("安全生产法", "exam"): 20}
    assert by_user[b.id].total == 5
    _, own = ledger(session, 2025, user_id=b.id)
    assert [r.user.id for r in own] == [b.id]
