"""The answer save in one statement (issue 22): the upsert proves the attempt open, the question on the paper and
the seq newer; the database's triggers log the `saved` event and raise last_seq; a save racing a submit is
either graded or refused (SQLite: the write lock; PostgreSQL: the attempt's row lock, re-checked after a wait)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from lawtrain.exams import attempts, errors, queries, timing
from lawtrain.exams.models import Answer, Attempt, AttemptEvent, AttemptQuestion
from lawtrain.extensions import db
from tests import factories
from tests.services.exams_helpers import count_statements, exam_bank, paper, right_response

pytestmark = pytest.mark.usefixtures("in_request")
RULES = (("single", 4, 5.0), ("true_false", 2, 5.0))


@pytest.fixture
def sitting(session, now):
    bank = exam_bank(session)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=RULES, users=[user])
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    return attempt, paper(session, attempt)


def _saved_events(session, attempt_id):
    return [(e.at, e.detail) for e in session.scalars(
        select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "saved")
        .order_by(AttemptEvent.id))]


def test_a_save_is_one_statement_and_the_database_logs_it(session, sitting, now):
    attempt, rows = sitting
    qid = rows[0].question_id
    with count_statements() as first:
        assert attempts.save_answer(session, attempt, qid, ["A"], 1, now).saved
    session.refresh(attempt)  # the API loads the attempt before the write (the read phase)
    with count_statements() as update:
        assert attempts.save_answer(session, attempt, qid, ["B"], 2, now + timedelta(seconds=5)).saved
    for counted in (first, update):  # the upsert, then COMMIT (not a statement on the cursor)
        assert counted["n"] == 1 and counted["sql"][0].lstrip().upper().startswith("INSERT INTO ANSWERS")
    assert _saved_events(session, attempt.id) == [
        (now, {"question_id": qid, "seq": 1}), (now + timedelta(seconds=5), {"question_id": qid, "seq": 2})]
    session.refresh(attempt)
    assert attempt.last_seq == 2


def test_a_stale_seq_writes_nothing_and_logs_nothing(session, sitting, now):
    attempt, rows = sitting
    qid = rows[0].question_id
    attempts.save_answer(session, attempt, qid, ["B"], 5, now)
    assert attempts.save_answer(session, attempt, qid, ["C"], 3, now).saved is False
    assert attempts.save_answer(session, attempt, qid, ["D"], 5, now).saved is False  # a retry of seq 5
    assert session.scalar(select(Answer.response).where(Answer.attempt_id == attempt.id)) == ["B"]
    assert len(_saved_events(session, attempt.id)) == 1
    # a seq lower than another question's keeps last_seq where it is
    assert attempts.save_answer(session, attempt, rows[1].question_id, ["A"], 4, now).saved
    session.refresh(attempt)
    assert attempt.last_seq == 5


def test_closed_late_and_foreign_saves_are_refused_without_a_trace(session, sitting, now):
    attempt, rows = sitting
    with pytest.raises(errors.NotOnPaper):
        attempts.save_answer(session, attempt, 999_999, ["A"], 1, now)
    late = attempt.deadline_at + timedelta(seconds=timing.DEFAULT_GRACE_SECONDS + 1)
    with pytest.raises(errors.AttemptClosed):
        attempts.save_answer(session, attempt, rows[0].question_id, ["A"], 2, late)
    session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.submitted_at == attempt.deadline_at  # closed by the refusal
    with pytest.raises(errors.AttemptClosed):  # and a closed attempt stays closed, even inside the grace
        attempts.save_answer(session, attempt, rows[0].question_id, ["A"], 3, now)
    assert session.scalar(select(Answer.id).where(Answer.attempt_id == attempt.id)) is None
    assert _saved_events(session, attempt.id) == []


def test_the_form_save_logs_each_stored_answer(session, sitting, now):
    attempt, rows = sitting
    changed = attempts.save_all(session, attempt, {rows[0].question_id: ["A"], rows[1].question_id: ["B"]}, now)
    assert changed == 2
    assert sorted(d["question_id"] for _at, d in _saved_events(session, attempt.id)) == sorted(
        [rows[0].question_id, rows[1].question_id])
    session.refresh(attempt)
    assert attempt.last_seq == 2


def test_the_triggers_exist_on_the_test_database(session):
    if db.engine.dialect.name == "postgresql":
        names = session.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'answers'::regclass "
                                     "AND NOT tgisinternal ORDER BY tgname")).all()
    else:
        names = session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'answers' ORDER BY name")).all()
    assert names == ["answers_saved_insert", "answers_saved_update"]


# ------------------------------------------------------------------ racing a submit


def _in_thread(app, fn, results, key, name=None):
    def run():
        with app.app_context():
            try:
                results[key] = fn(db.session)
            except Exception as e:  # noqa: BLE001 - the test reads it
                results[key] = e
            finally:
                db.session.remove()
    thread = threading.Thread(target=run, daemon=True, name=name)
    thread.start()
    return thread


def test_a_save_arriving_while_a_submit_grades_waits_and_is_refused(app, session, sitting, now, monkeypatch):
    attempt, rows = sitting
    attempt_id, qid = attempt.id, rows[0].question_id
    session.commit()
    graded, release = threading.Event(), threading.Event()
    real_finish = attempts.finish

    def slow_finish(*args, **kwargs):  # the submit has read the answers and holds its lock
        real_finish(*args, **kwargs)
        graded.set()
        release.wait(10)

    monkeypatch.setattr(attempts, "finish", slow_finish)
    results: dict = {}
    submit = _in_thread(app, lambda s: attempts.submit_attempt(s, s.get(Attempt, attempt_id), now).status,
                        results, "submit")
    assert graded.wait(10)
    save = _in_thread(app, lambda s: attempts.save_answer(s, s.get(Attempt, attempt_id), qid, ["A"], 1,
                                                          now + timedelta(seconds=1)), results, "save")
    save.join(0.7)
    assert save.is_alive(), "the save must wait for the submit's lock"
    release.set()
    submit.join(10), save.join(10)
    assert results["submit"] == "submitted"
    assert isinstance(results["save"], errors.AttemptClosed)
    assert session.scalar(select(Answer.id).where(Answer.attempt_id == attempt_id)) is None


def test_a_submit_arriving_while_a_save_commits_waits_and_grades_it(app, session, sitting, now, monkeypatch):
    attempt, rows = sitting
    attempt_id, row = attempt.id, rows[0]
    from lawtrain.banks.models import Question

    response = right_response(row, session.get(Question, row.question_id).type)
    qid, points = row.question_id, row.points
    session.commit()
    written, release = threading.Event(), threading.Event()
    real_remaining = timing.remaining_seconds

    def slow_remaining(*args):  # called after the upsert, before the save's commit
        if threading.current_thread().name == "saver":
            written.set()
            release.wait(10)
        return real_remaining(*args)

    monkeypatch.setattr(timing, "remaining_seconds", slow_remaining)
    results: dict = {}
    save = _in_thread(app, lambda s: attempts.save_answer(s, s.get(Attempt, attempt_id), qid, response, 1,
                                                          now).saved, results, "save", "saver")
    assert written.wait(10), results
    submit = _in_thread(app, lambda s: attempts.submit_attempt(s, s.get(Attempt, attempt_id),
                                                               now + timedelta(seconds=1)).id, results, "submit")
    submit.join(0.7)
    assert submit.is_alive(), "the submit must wait for the save's lock"
    release.set()
    save.join(10), submit.join(10)
    assert results["save"] is True and results["submit"] == attempt_id
    session.expire_all()
    graded = session.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id,
                                                          AttemptQuestion.question_id == qid))
    assert graded.is_correct is True and graded.score == points  # the acknowledged save was graded


# ------------------------------------------------------------------ a submit graded before its lock


def _right(session, row):
    from lawtrain.banks.models import Question

    return right_response(row, session.get(Question, row.question_id).type)


def test_a_grade_read_before_the_lock_is_stored_when_nothing_changed(session, sitting, now, monkeypatch):
    attempt, rows = sitting
    attempts.save_answer(session, attempt, rows[0].question_id, _right(session, rows[0]), 1, now)
    prepared = queries.prepare_grade(session, attempt)
    monkeypatch.setattr(queries, "grade", lambda *a: pytest.fail("graded again under the lock"))
    attempts.submit_attempt(session, attempt, now + timedelta(seconds=1), prepared=prepared)
    assert attempt.status == "submitted" and attempt.score == rows[0].points


def test_a_save_landing_after_the_read_phase_is_graded_under_the_lock(session, sitting, now):
    attempt, rows = sitting
    attempts.save_answer(session, attempt, rows[0].question_id, _right(session, rows[0]), 1, now)
    prepared = queries.prepare_grade(session, attempt)
    assert prepared.result.score == rows[0].points
    # between the submit's read phase and its lock: another tab saves a second right answer
    attempts.save_answer(session, attempt, rows[1].question_id, _right(session, rows[1]), 2, now)
    attempts.submit_attempt(session, attempt, now + timedelta(seconds=1), prepared=prepared)
    assert attempt.score == rows[0].points + rows[1].points


def test_a_question_voided_after_the_read_phase_is_not_scored(session, sitting, now):
    attempt, rows = sitting
    attempts.save_answer(session, attempt, rows[0].question_id, _right(session, rows[0]), 1, now)
    prepared = queries.prepare_grade(session, attempt)
    session.execute(update(AttemptQuestion).where(AttemptQuestion.id == rows[0].id).values(is_voided=True))
    session.commit()
    attempts.submit_attempt(session, attempt, now + timedelta(seconds=1), prepared=prepared)
    assert attempt.score == 0
