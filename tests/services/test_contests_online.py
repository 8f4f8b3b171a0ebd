"""Online contests on the exam engine: entering, ranking in SQL, prizes, guests, the frozen rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.contests import online_queries, online_services
from lawtrain.contests.online_models import OnlineContestGuest, OnlineContestPrize
from lawtrain.exams import availability
from lawtrain.exams.models import Attempt, AttemptQuestion
from tests import factories
from tests.services.contests_online_helpers import contest_data, make_contest, sit
from tests.services.exams_helpers import count_statements

pytestmark = pytest.mark.usefixtures("in_request")


@pytest.fixture
def org(session):
    bureau = factories.make_department(session, path="区应急局")
    a = factories.make_department(session, "执法大队", parent=bureau)
    b = factories.make_department(session, "办公室", parent=bureau)
    trainer = factories.make_user(session, roles=["trainer"], department=bureau)
    return bureau, a, b, trainer


def test_a_contest_owns_a_hidden_exam_that_exam_lists_leave_out(session, org, now):
    bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now)
    staff = factories.make_user(session, department=a)
    assert contest.exam.kind == "contest"
    assert availability.exams_for_user(session, staff, now) == []
    assert [c.id for c in online_queries.contests_for_user(session, staff)] == [contest.id]
    assert online_queries.window_state(contest, now) == "open"


def test_ranking_is_score_then_time_then_submission_in_one_statement(session, org, now):
    _bureau, a, b, trainer = org
    contest = make_contest(session, trainer, now)
    people = [factories.make_user(session, department=d, display_name=n)
              for d, n in ((a, "张小伟"), (a, "李四"), (b, "王五"), (b, "赵六"))]
    sit(session, contest, people[0], now, right=3, minutes=5)      # 75, 5 min
    sit(session, contest, people[1], now, right=4, minutes=9)      # 100
    sit(session, contest, people[2], now, right=3, minutes=4)      # 75, 4 min: before 张小伟
    sit(session, contest, people[3], now + timedelta(minutes=1), right=3, minutes=4)  # 75, 4 min, later
    session.refresh(contest)
    with count_statements() as counted:
        rows = online_queries.leaderboard(session, contest, limit=10, masked=True)
    assert counted["n"] == 1, counted["sql"]
    assert [r["name"] for r in rows] == ["李*", "王*", "赵*", "张*伟"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert rows[1]["seconds"] == 240 and rows[0]["score"] == 100
    assert rows[0]["unit"] == "执法大队"
    plain = online_queries.leaderboard(session, contest, limit=2, masked=False)
    assert [r["name"] for r in plain] == ["李四", "王五"]


def test_submission_time_only_tie_break(session, org, now):
    _bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now, tie_break="submitted")
    slow_early, quick_late = factories.make_user(session, department=a), factories.make_user(session, department=a)
    sit(session, contest, slow_early, now, right=2, minutes=10)        # submitted now+10
    sit(session, contest, quick_late, now + timedelta(minutes=9), right=2, minutes=2)  # now+11
    rows = online_queries.leaderboard(session, contest, limit=5, masked=False)
    assert [r["user_id"] for r in rows] == [slow_early.id, quick_late.id]


def test_entering_twice_outside_the_window_or_not_eligible_is_refused_and_stores_nothing(session, org, now):
    bureau, a, b, trainer = org
    contest = make_contest(session, trainer, now, all_staff=False, department_ids=[a.id])
    inside, outside = factories.make_user(session, department=a), factories.make_user(session, department=b)
    with pytest.raises(online_services.ContestUnavailable, match="参赛范围"):
        online_services.enter_contest(session, contest, outside, now)
    with pytest.raises(online_services.ContestUnavailable, match="尚未开始"):
        online_services.enter_contest(session, contest, inside, now - timedelta(hours=2))
    with pytest.raises(online_services.ContestUnavailable, match="已结束"):
        online_services.enter_contest(session, contest, inside, now + timedelta(days=2))
    assert session.scalar(select(func.count(Attempt.id))) == 0
    first, resumed = online_services.enter_contest(session, contest, inside, now)
    again, resumed_again = online_services.enter_contest(session, contest, inside, now + timedelta(seconds=5))
    assert (again.id, resumed, resumed_again) == (first.id, False, True)  # a parallel start: the same paper
    sit_rows = session.scalar(select(func.count(AttemptQuestion.id)))
    from lawtrain.exams import attempts

    attempts.submit_attempt(session, first, now + timedelta(minutes=3))
    with pytest.raises(online_services.ContestUnavailable, match="已参加过"):
        online_services.enter_contest(session, contest, inside, now + timedelta(minutes=4))
    assert session.scalar(select(func.count(Attempt.id))) == 1
    assert session.scalar(select(func.count(AttemptQuestion.id))) == sit_rows


def test_close_assigns_prizes_by_tiers_and_minimum(session, org, now):
    _bureau, a, b, trainer = org
    contest = make_contest(session, trainer, now)  # 一等奖 1, 二等奖 1, 优秀奖 50% (of 4 = 2); min 50
    people = [factories.make_user(session, department=a if i < 2 else b) for i in range(4)]
    for person, right in zip(people, (4, 3, 2, 1), strict=True):
        sit(session, contest, person, now, right=right, minutes=5)
    n = online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(hours=2))
    prizes = {p.user_id: (p.rank, p.prize) for p in session.scalars(select(OnlineContestPrize))}
    assert n == 3
    assert prizes == {people[0].id: (1, "一等奖"), people[1].id: (2, "二等奖"), people[2].id: (3, "优秀奖")}
    assert contest.status == "closed" and contest.exam.closes_at == now + timedelta(hours=2)
    with pytest.raises(online_services.ContestError):
        online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(hours=3))
    units = online_queries.unit_ranking(online_queries.department_ranking(session, contest))
    by_name = {u.name: u for u in units}
    assert by_name["执法大队"].entrants == 2 and by_name["执法大队"].winners == 2
    assert by_name["执法大队"].average == pytest.approx(87.5)


def test_closing_early_finishes_open_papers(session, org, now):
    _bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now)
    staff = factories.make_user(session, department=a)
    attempt, _ = online_services.enter_contest(session, contest, staff, now)
    online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(minutes=2))
    assert attempt.status == "submitted" and attempt.finish_reason == "timeout"


def test_department_ranking_counts_eligible_staff_and_uses_a_fixed_number_of_statements(session, org, now):
    bureau, a, b, trainer = org
    contest = make_contest(session, trainer, now)
    team = [factories.make_user(session, department=a) for _ in range(3)]
    factories.make_user(session, department=b)
    sit(session, contest, team[0], now, right=4, minutes=3)
    session.refresh(contest)
    contest.departments  # noqa: B018 (loaded before counting)
    with count_statements() as counted:
        rows = online_queries.department_ranking(session, contest)
    assert counted["n"] == 3
    by_name = {r.name: r for r in rows}
    assert (by_name["执法大队"].eligible, by_name["执法大队"].entrants) == (3, 1)
    assert by_name["执法大队"].rate == pytest.approx(1 / 3)
    assert by_name["区应急局"].eligible == 4  # the trainer is not staff


def test_guest_registers_once_per_mobile_and_reaches_only_that_contest(session, org, now):
    _bureau, _a, _b, trainer = org
    contest = make_contest(session, trainer, now, allow_guests=True, units=["罗店镇", "月浦镇"])
    other = make_contest(session, trainer, now, bank=False, title="另一场")
    data = online_services.GuestData("陈小红", "罗店镇", "138 0013 8000")
    with pytest.raises(online_services.ContestError, match="手机号码"):
        online_services.register_guest(session, contest, online_services.GuestData("陈", "罗店镇", "12345"), now=now)
    with pytest.raises(online_services.ContestError, match="名单"):
        online_services.register_guest(session, contest, online_services.GuestData("陈", "别处", "13800138001"),
                                       now=now)
    with pytest.raises(online_services.ContestUnavailable):
        online_services.register_guest(session, other, data, now=now)
    guest = online_services.register_guest(session, contest, data, now=now, ip="10.0.0.9")
    with pytest.raises(online_services.ContestError, match="已报名"):
        online_services.register_guest(session, contest, online_services.GuestData("别人", "月浦镇", "13800138000"),
                                       now=now)
    assert guest.roles == {"guest"}
    assert [c.id for c in online_queries.contests_for_user(session, guest)] == [contest.id]
    with pytest.raises(online_services.ContestUnavailable):
        online_services.enter_contest(session, other, guest, now)
    sit(session, contest, guest, now, right=4, minutes=2)
    assert online_queries.leaderboard(session, contest, limit=5, masked=True)[0]["unit"] == "罗店镇"


def test_purge_masks_guests_after_the_contest_and_is_audited(session, org, now):
    _bureau, _a, _b, trainer = org
    contest = make_contest(session, trainer, now, allow_guests=True)
    guest = online_services.register_guest(session, contest, online_services.GuestData("陈小红", "某公司",
                                                                                       "13900139000"), now=now)
    with pytest.raises(online_services.ContestError):
        online_services.purge_guests(session, contest, actor=trainer, now=now)
    online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(days=2))
    assert online_services.purge_guests(session, contest, actor=trainer, now=now + timedelta(days=3)) == 1
    row = session.scalar(select(OnlineContestGuest))
    assert (row.name, row.ip) == ("陈*红", None) and "139" not in row.mobile
    assert session.get(User, guest.id).display_name == "陈*红" and not session.get(User, guest.id).is_active_account
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "contest.purge_guests"))


def test_rules_are_frozen_once_open_only_the_end_and_texts_may_change(session, org, now):
    _bureau, _a, _b, trainer = org
    contest = make_contest(session, trainer, now)
    later = contest_data(now, title="安全生产月知识竞赛（更正）", closes_at=now + timedelta(days=2))
    online_services.save_contest(session, contest, later, actor=trainer, now=now)
    assert contest.title.endswith("（更正）") and contest.closes_at == now + timedelta(days=2)
    for change in (dict(duration_minutes=30), dict(min_score=0), dict(closes_at=now + timedelta(hours=5))):
        with pytest.raises(online_services.ContestError, match="冻结"):
            online_services.save_contest(session, contest, contest_data(
                now, title=contest.title, **{"closes_at": now + timedelta(days=2), **change}), actor=trainer, now=now)
    assert contest.exam.duration_minutes == 15


def test_close_overdue_job_closes_contests(app, session, org, now, runner):
    _bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now - timedelta(days=3), closes_at=now - timedelta(days=2))
    staff = factories.make_user(session, department=a)
    sit(session, contest, staff, now - timedelta(days=3), right=4, minutes=3)
    result = runner.invoke(args=["close-overdue"])
    assert result.exit_code == 0, result.output
    assert "1 场网络竞赛" in result.output
    session.expire_all()
    assert contest.status == "closed"
    assert session.scalar(select(OnlineContestPrize.prize)) == "一等奖"


def test_closing_issues_award_certificates_once(session, org, now):
    from lawtrain.certificates.models import Certificate

    _bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now, participation_certificates=True)
    people = [factories.make_user(session, department=a) for _ in range(3)]
    for person, right in zip(people, (4, 3, 1), strict=True):
        sit(session, contest, person, now, right=right, minutes=5)
    online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(days=2))
    certs = session.scalars(online_queries.award_certificates(contest.id)).all()
    assert [(c.user_id, c.award_prize, c.award_rank) for c in certs] == [
        (people[0].id, "一等奖", 1), (people[1].id, "二等奖", 2), (people[2].id, "参与证书", None)]
    assert {c.exam_title for c in certs} == {contest.title}
    assert session.scalar(select(func.count(Certificate.id))) == 3


def test_purge_guests_command(app, session, org, now, runner):
    _bureau, _a, _b, trainer = org
    contest = make_contest(session, trainer, now, allow_guests=True)
    online_services.register_guest(session, contest, online_services.GuestData("陈小红", "某公司", "13900139000"),
                                   now=now)
    refused = runner.invoke(args=["purge-contest-guests", str(contest.id)])
    assert refused.exit_code != 0 and "结束" in refused.output
    online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(days=2))
    done = runner.invoke(args=["purge-contest-guests", str(contest.id)])
    assert done.exit_code == 0 and "1 名" in done.output, done.output
    session.expire_all()
    assert session.scalar(select(OnlineContestGuest.mobile)).startswith("purged-")


def test_contest_papers_stay_out_of_the_exam_reports(session, org, now):
    from lawtrain.reports.queries.filters import ReportFilter, attempt_conditions

    _bureau, a, _b, trainer = org
    contest = make_contest(session, trainer, now)
    sit(session, contest, factories.make_user(session, department=a), now, right=4, minutes=3)
    f = ReportFilter(year=now.year)
    assert session.scalar(select(func.count(Attempt.id)).where(*attempt_conditions(f))) == 0
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_a_guest_comes_back_by_name_and_number_only_once_their_paper_is_in(session, org, now):
    _bureau, _a, _b, trainer = org
    contest = make_contest(session, trainer, now, allow_guests=True)
    data = online_services.GuestData("陈小红", "某公司", "13900139000")
    guest = online_services.register_guest(session, contest, data, now=now)
    with pytest.raises(online_services.ContestError, match="已报名"):  # paper not in yet: nobody else may answer
        online_services.register_guest(session, contest, data, now=now)
    sit(session, contest, guest, now, right=2, minutes=3)
    users = session.scalar(select(func.count(User.id)))
    assert online_services.register_guest(session, contest, online_services.GuestData("陈小红", "", "13900139000"),
                                          now=now).id == guest.id
    assert session.scalar(select(func.count(User.id))) == users
    with pytest.raises(online_services.ContestError, match="已报名"):  # another name with that number
        online_services.register_guest(session, contest, online_services.GuestData("别人", "x", "13900139000"),
                                       now=now)
    online_services.close_contest(session, contest, actor=trainer, now=now + timedelta(days=2))
    later = online_services.register_guest(session, contest, data, now=now + timedelta(days=3))
    assert later.id == guest.id
    with pytest.raises(online_services.ContestUnavailable, match="已结束"):  # no new registrations after
        online_services.register_guest(session, contest, online_services.GuestData("新人", "x", "13900139001"),
                                       now=now + timedelta(days=3))
