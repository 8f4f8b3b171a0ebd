"""Attempt state machine: start/resume, save with seq, deadline and grace, overdue close, submit, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawtrain import signals
from lawtrain.exams import attempts, authoring, availability, errors, papers
from lawtrain.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptStateError,
    ExamAssignee,
    PaperPregen,
    WrongBookEntry,
)
from lawtrain.extensions import db
from tests import factories
from tests.services.exams_helpers import count_statements, exam_bank, paper, right_response, wrong_response

RULES = (("single", 4, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


@pytest.fixture
def setup(session):
    bank = exam_bank(session)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=RULES, users=[user])
    return exam, user


def types(session, attempt):
    from lawtrain.banks.models import Question

    return {q.id: q.type for q in session.scalars(select(Question))}


def test_start_draws_a_frozen_paper_and_resume_returns_it(session, setup, now):
    exam, user = setup
    attempt, resumed = attempts.start_attempt(session, exam, user, now, seed=7)
    assert not resumed and attempt.status == "in_progress" and attempt.number == 1
    assert attempt.deadline_at == now + timedelta(minutes=30)
    rows = paper(session, attempt)
    assert len(rows) == 9 and sum(r.points for r in rows) == 60
    again, resumed = attempts.start_attempt(session, exam, user, now + timedelta(minutes=3))
    assert resumed and again.id == attempt.id
    assert [(r.question_id, r.option_order) for r in paper(session, again)] == [
        (r.question_id, r.option_order) for r in rows]
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert kinds == ["started", "resumed"]


def test_deadline_is_capped_by_the_window_close(session, setup, now):
    exam, user = setup
    exam.closes_at = now + timedelta(minutes=10)
    session.commit()
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    assert attempt.deadline_at == now + timedelta(minutes=10)


def test_not_assigned_or_outside_window_or_used_up(session, setup, now):
    exam, user = setup
    stranger = factories.make_user(session)
    with pytest.raises(errors.ExamNotFound):
        availability.visible_exam(session, exam.id, stranger)
    with pytest.raises(errors.ExamUnavailable, match="尚未开始"):
        attempts.start_attempt(session, exam, user, exam.opens_at - timedelta(days=1))
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    attempts.submit_attempt(session, attempt, now + timedelta(minutes=5))
    with pytest.raises(errors.ExamUnavailable, match="作答次数"):
        attempts.start_attempt(session, exam, user, now + timedelta(minutes=6))


def test_department_assignment_covers_the_subtree(session, now):
    bank = exam_bank(session)
    bureau = factories.make_department(session, path="区应急局")
    team = factories.make_department(session, path="区应急局/执法大队")
    user = factories.make_user(session, department=team)
    exam = factories.make_exam(session, bank=bank, departments=[bureau])
    assert availability.visible_exam(session, exam.id, user) is exam
    assert [s.exam.id for s in availability.exams_for_user(session, user, now)] == [exam.id]


def test_seq_ordering_older_save_never_overwrites(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    qid = paper(session, attempt)[0].question_id
    assert attempts.save_answer(session, attempt, qid, ["B"], 5, now).saved
    stale = attempts.save_answer(session, attempt, qid, ["C"], 3, now)
    assert not stale.saved
    assert session.scalar(select(Answer.response).where(Answer.attempt_id == attempt.id)) == ["B"]
    assert attempts.save_answer(session, attempt, qid, ["D"], 6, now).saved
    session.refresh(attempt)
    assert session.scalar(select(Answer.response).where(Answer.attempt_id == attempt.id)) == ["D"]
    assert attempt.last_seq == 6


def test_question_not_on_paper_is_refused(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    with pytest.raises(errors.NotOnPaper):
        attempts.save_answer(session, attempt, 999999, ["A"], 1, now)


def test_save_within_grace_accepted_after_grace_refused_answers_unchanged(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    qid = paper(session, attempt)[0].question_id
    deadline = attempt.deadline_at
    assert attempts.save_answer(session, attempt, qid, ["A"], 1, deadline + timedelta(seconds=59)).saved
    with pytest.raises(errors.AttemptClosed):
        attempts.save_answer(session, attempt, qid, ["B"], 2, deadline + timedelta(seconds=61))
    assert session.scalar(select(Answer.response).where(Answer.attempt_id == attempt.id)) == ["A"]
    session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.submitted_at == deadline  # closed lazily at the deadline


def test_overdue_attempt_graded_from_saved_answers_at_deadline(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    qtypes = types(session, attempt)
    rows = paper(session, attempt)
    for seq, row in enumerate(rows, start=1):  # all right but the last
        qtype = qtypes[row.question_id]
        response = right_response(row, qtype) if seq < len(rows) else wrong_response(row, qtype)
        attempts.save_answer(session, attempt, row.question_id, response, seq, now + timedelta(minutes=1))
    assert attempts.close_overdue(session, attempt.deadline_at + timedelta(seconds=30)) == 0
    assert attempts.close_overdue(session, attempt.deadline_at + timedelta(hours=3)) == 1
    session.refresh(attempt)
    last_points = rows[-1].points
    assert attempt.status == "submitted" and attempt.finish_reason == "timeout"
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == 60 - last_points and attempt.max_score == 60
    assert attempt.passed is True
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "auto_closed" in kinds
    assert session.scalar(select(func.count(WrongBookEntry.id))) == 1


def test_double_submit_one_result_one_attempt_used(session, setup, now):
    exam, user = setup
    calls = []

    def heard(_sender, *, attempt, previous_passed, **_kw):
        calls.append((attempt.id, previous_passed))

    with signals.attempt_graded.connected_to(heard):
        attempt, _ = attempts.start_attempt(session, exam, user, now)
        first = attempts.submit_attempt(session, attempt, now + timedelta(minutes=5))
        score, submitted_at = first.score, first.submitted_at
        second = attempts.submit_attempt(session, attempt, now + timedelta(minutes=6))
    assert second.score == score and second.submitted_at == submitted_at == now + timedelta(minutes=5)
    assert calls == [(attempt.id, None)]
    assert session.scalar(select(func.count(Attempt.id))) == 1
    with pytest.raises(errors.AttemptClosed):
        attempts.save_answer(session, attempt, paper(session, attempt)[0].question_id, ["A"], 99, now)


def test_state_machine_refuses_wrong_transitions(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    attempt.mark_submitted(now, "submitted")
    with pytest.raises(AttemptStateError):
        attempt.expire()
    with pytest.raises(AttemptStateError):
        attempt.mark_submitted(now, "submitted")
    session.rollback()


def test_one_open_attempt_enforced_by_the_database(session, setup, now):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    from sqlalchemy.exc import IntegrityError

    session.add(Attempt(exam_id=exam.id, user_id=user.id, number=2, status="in_progress", seed=1, started_at=now,
                        deadline_at=now))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_concurrent_start_losing_insert_returns_the_winner(session, setup, now, monkeypatch):
    """The race where both requests saw no open attempt: the index refuses the second, it resumes the first."""
    exam, user = setup
    winner, _ = attempts.start_attempt(session, exam, user, now)
    monkeypatch.setattr(attempts, "exam_status", lambda *a: availability.ExamStanding(exam, "open", [], 1, None, None))
    attempt, resumed = attempts.start_attempt(session, exam, user, now)  # it saw no attempt at all
    assert resumed and attempt.id == winner.id
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_concurrent_start_from_two_threads_yields_one_attempt(app, session, setup, now):
    exam, user = setup
    exam_id, user_id = exam.id, user.id
    session.commit()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                from lawtrain.auth.models import User
                from lawtrain.exams.models import Exam

                s = db.session
                barrier.wait()
                attempt, _ = attempts.start_attempt(s, s.get(Exam, exam_id), s.get(User, user_id), now)
                results.append(attempt.id)
                s.remove() if hasattr(s, "remove") else None
        except Exception as e:  # noqa: BLE001 - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 2 and results[0] == results[1]
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_save_issues_a_constant_small_number_of_statements(session, now):
    bank = exam_bank(session, singles=40, multiples=4, tfs=4, fills=2)
    counts = {}
    for n in (5, 40):
        user = factories.make_user(session)
        exam = factories.make_exam(session, bank=bank, rules=(("single", n, 1.0),), users=[user])
        attempt, _ = attempts.start_attempt(session, exam, user, now)
        rows = paper(session, attempt)
        attempt = session.get(Attempt, attempt.id)
        with count_statements() as first:
            attempts.save_answer(session, attempt, rows[-1].question_id, ["A"], 1, now)
        with count_statements() as update_:
            attempts.save_answer(session, attempt, rows[-1].question_id, ["B"], 2, now)
        counts[n] = (first["n"], update_["n"])
    print("statements per save (first, update):", counts)
    assert counts[5] == counts[40]
    assert max(counts[40]) <= 8


def test_pregenerated_paper_is_used_at_start(session, setup, now, rng):
    exam, user = setup
    assert papers.pregenerate_papers(session, exam, rng=rng, now=now) == 1
    assert papers.pregenerate_papers(session, exam, rng=rng, now=now) == 0
    pregen = session.scalar(select(PaperPregen))
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    assert attempt.seed == pregen.seed
    assert [r.question_id for r in paper(session, attempt)] == [p["question_id"] for p in pregen.paper]
    assert pregen.used_at == now


def test_override_extends_the_open_attempts_deadline(session, setup, now):
    exam, user = setup
    trainer = factories.make_user(session, roles=["trainer"])
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    authoring.set_override(session, exam, user, extra_minutes=15, opens_at=None, closes_at=None, reason="视力",
                          actor=trainer, now=now)
    session.refresh(attempt)
    assert attempt.deadline_at == now + timedelta(minutes=45)
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "override_granted" in kinds


def test_override_window_lets_a_person_start_later(session, setup, now):
    exam, user = setup
    trainer = factories.make_user(session, roles=["trainer"])
    late = exam.closes_at + timedelta(days=2)
    authoring.set_override(session, exam, user, extra_minutes=0, opens_at=late - timedelta(hours=1),
                          closes_at=late + timedelta(hours=1), reason=None, actor=trainer, now=now)
    attempt, _ = attempts.start_attempt(session, exam, user, late)
    assert attempt.deadline_at == late + timedelta(minutes=30)


def test_tab_switch_count_duration_and_limit(session, setup, now):
    exam, user = setup
    exam.tab_switch_limit = 2
    session.commit()
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    attempts.record_focus(session, attempt, "lost", now)
    attempts.record_focus(session, attempt, "back", now + timedelta(seconds=40))
    assert (attempt.tab_switches, attempt.tab_away_seconds, attempt.status) == (1, 40, "in_progress")
    attempts.record_focus(session, attempt, "lost", now + timedelta(minutes=1))
    assert attempt.status == "submitted" and attempt.finish_reason == "tab_limit"


def test_gate_blocks_start_with_what_is_missing(session, setup, now, monkeypatch):
    exam, user = setup
    exam.gate = {"modules": [1], "minutes": {"安全生产法": 30}}
    session.commit()
    missing = ["学习模块：第一章", "安全生产法 学习30分钟"]
    monkeypatch.setattr(availability, "gate_status", lambda s, uid, gate: (False, missing))
    with pytest.raises(errors.ExamUnavailable) as err:
        attempts.start_attempt(session, exam, user, now)
    assert err.value.reasons == ["学习模块：第一章", "安全生产法 学习30分钟"]
    [status] = availability.exams_for_user(session, user, now)
    assert status.status == "locked" and status.locked_reasons


@pytest.mark.parametrize(
    "release, closes_offset, released, visible",
    [("immediate", 1, False, True), ("after_close", 1, False, False), ("after_close", -1, False, True),
     ("manual", 1, False, False), ("manual", 1, True, True)],
)
def test_release_policy(session, setup, now, release, closes_offset, released, visible):
    exam, user = setup
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    attempts.submit_attempt(session, attempt, now + timedelta(minutes=1))
    exam.release = release
    exam.closes_at = now + timedelta(days=closes_offset)
    exam.released_at = now if released else None
    session.commit()
    assert availability.result_visible(attempt, now + timedelta(minutes=2)) is visible


def test_a_submit_after_the_deadline_is_recorded_as_time_out_not_as_handed_in(session, setup, now):
    """The page submits by itself at 0:00 and its request lands a moment later, inside the grace: the record
    says the time ran out (finished at the deadline), not that the person handed the paper in."""
    exam, user = setup
    early, _ = attempts.start_attempt(session, exam, user, now)
    attempts.submit_attempt(session, early, now + timedelta(minutes=5))
    assert early.finish_reason == "submitted" and early.submitted_at == now + timedelta(minutes=5)
    exam.attempts_allowed = 2
    session.commit()
    late, _ = attempts.start_attempt(session, exam, user, now + timedelta(minutes=6))
    attempts.submit_attempt(session, late, late.deadline_at + timedelta(seconds=3))
    assert late.finish_reason == "timeout" and late.submitted_at == late.deadline_at


def test_a_countdown_that_reaches_zero_a_moment_early_is_a_time_out_but_a_claim_long_before_is_not(
        session, setup, now):
    exam, user = setup
    exam.attempts_allowed = 2
    session.commit()
    first, _ = attempts.start_attempt(session, exam, user, now)
    at = first.deadline_at - timedelta(seconds=2)  # the page's clock ran a little ahead of the server's
    attempts.submit_attempt(session, first, at, time_up=True)
    assert first.finish_reason == "timeout" and first.submitted_at == at
    second, _ = attempts.start_attempt(session, exam, user, at)
    attempts.submit_attempt(session, second, second.deadline_at - timedelta(minutes=10), time_up=True)
    assert second.finish_reason == "submitted"  # ten minutes early is a paper handed in, whatever the page says


def test_the_pools_are_read_before_the_write_only_when_a_paper_will_be_drawn(session, setup, now, rng):
    exam, user = setup
    drawer = papers.drawer_for_start(session, exam, user.id)
    assert drawer is not None and len(drawer(7)) == 9 and drawer(7) == drawer(7)  # a seed gives one paper
    attempt, resumed = attempts.start_attempt(session, exam, user, now, seed=7, drawer=drawer)
    assert not resumed
    assert [r.question_id for r in paper(session, attempt)] == [p.question_id for p in drawer(7)]
    assert papers.drawer_for_start(session, exam, user.id) is None  # an open attempt: resumed, not drawn
    other = factories.make_user(session)
    exam.assignees.append(ExamAssignee(user_id=other.id))
    session.commit()
    papers.pregenerate_papers(session, exam, rng=rng, now=now)
    assert papers.drawer_for_start(session, exam, other.id) is None  # a pre-generated paper waits
