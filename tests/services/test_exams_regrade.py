"""Regrade after a key correction or a voided question; the wrong-answer book; practice; module checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain import signals
from lawtrain.auth.audit import AuditEvent
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Question, QuestionVersion
from lawtrain.certificates.models import Certificate
from lawtrain.exams import attempts, grading, papers, practice, queries
from lawtrain.exams.models import AttemptEvent, AttemptQuestion, PaperPregen, PracticeAnswer, WrongBookEntry
from lawtrain.exams.scoring import LETTERS
from tests import factories
from tests.services.exams_helpers import exam_bank, paper, right_response, sit, wrong_response

pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


def test_key_correction_regrades_and_flips_pass_fail(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user], pass_percent=60)
    # the person picks the *third* original option on both questions: wrong under the current key
    attempt = sit(session, exam, user, now, lambda row, t: [("ABCD")[row.option_order.index(2)]])
    assert (attempt.score, attempt.passed) == (0.0, False)
    seen = []

    def heard(_sender, *, attempt, previous_passed, **_kw):
        seen.append((previous_passed, attempt.passed))

    with signals.attempt_graded.connected_to(heard):
        for q in session.scalars(select(Question)).all():  # the trainer corrects both keys to C in the banks UI
            record = bank_services.question_to_record(q)
            record.answer = ["C"]
            bank_services.update_question(session, q, record, actor=trainer, now=now + timedelta(hours=1))
    session.refresh(attempt)
    assert (attempt.score, attempt.percent, attempt.passed) == (10.0, 100.0, True)
    assert seen[-1] == (False, True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "exam.regrade")) is not None
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "regraded" in kinds


def test_voiding_a_question_removes_it_from_score_and_max(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    rows_first = []

    def answer(row, t):  # right on the first question, wrong on the second
        rows_first.append(row.question_id)
        return right_response(row, t) if len(rows_first) == 1 else wrong_response(row, t)

    attempt = sit(session, exam, user, now, answer)
    assert (attempt.score, attempt.passed) == (5.0, False)
    grading.void_question(session, session.get(Question, rows_first[1]), actor=trainer, now=now, reason="错题")
    session.refresh(attempt)
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (5.0, 5.0, 100.0, True)


def test_manual_regrade_exam_reports_before_after(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    sit(session, exam, user, now, right_response)
    exam.pass_percent = 100.0
    session.commit()
    report = queries.regrade_report(session, grading.regrade_exam(session, exam, actor=trainer, now=now))
    [row] = report.rows
    assert (row.before_score, row.after_score, row.pass_changed) == (10.0, 10.0, False)
    assert (report.why, report.exam, row.exam_title, row.before_max) == ("manual", exam, exam.title, 10.0)
    exam.multiple_scoring = "partial"
    session.commit()
    assert queries.regrade_report(session, grading.regrade_exam(session, exam, actor=trainer, now=now)
                                  ).rows[0].after_passed is True


# ------------------------------------------------------------------ which edits papers follow


def pick(index: int):
    """Answer with the option that was originally at `index`, in the keys this person saw."""
    return lambda row, qtype: [LETTERS[row.option_order.index(index)]]


def one_question_exam(session, *users):
    """A one-question exam (10 points, pass at 60 %) whose single-choice key is "A" (the first option)."""
    bank = exam_bank(session, singles=1, multiples=0, tfs=0, fills=0)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 1, 10.0),), users=list(users))
    return exam, session.scalar(select(Question))


def edited(question, **changes):
    return replace(bank_services.question_to_record(question), **changes)


def paper_versions(session) -> set[int]:
    return set(session.scalars(select(AttemptQuestion.question_version_id)))


@pytest.mark.parametrize(("old", "new", "follows"), [
    (dict(answer=["A"]), dict(answer=["C"]), True),
    (dict(answer=["A"]), dict(answer=["A"], explanation="改了解析"), False),  # nothing to regrade
    (dict(answer=["A"]), dict(answer=["E"], options=["甲", "乙", "丙", "丁", "戊"]), False),
    (dict(answer=["A"]), dict(answer=["B"], options=["甲", "乙（改写）", "丙", "丁"]), False),
    (dict(answer=["A"]), dict(answer=["B"], stem="改写后的题干"), False),
    (dict(answer=["A"]), dict(answer=["true"], type="true_false", options=[]), False),
    (dict(type="fill_blank", options=[], answer=[["30"]]), dict(type="fill_blank", options=[],
                                                                answer=[["30", "三十"]]), True),
    (dict(type="fill_blank", options=[], answer=[["30"]]), dict(type="fill_blank", options=[],
                                                                answer=[["30"], ["日"]]), False),
])
def test_papers_follow_only_a_key_correction(old, new, follows):
    base = dict(type="single", stem="题干", options=["甲", "乙", "丙", "丁"], explanation=None)
    old_content, new_content = {**base, **old}, {**base, **old, **new}
    assert bank_services.is_key_correction(old_content, new_content) is follows


def test_key_correction_moves_every_paper_to_the_new_version_and_regrades(session, now, rng):
    gains, loses, live, later = (factories.make_user(session) for _ in range(4))
    trainer = factories.make_user(session, roles=["trainer"])
    exam, q = one_question_exam(session, gains, loses, live, later)
    sit(session, exam, gains, now, pick(2))  # the third option: wrong under the key "A"
    sit(session, exam, loses, now, pick(0))
    live_attempt, _ = attempts.start_attempt(session, exam, live, now)
    assert papers.pregenerate_papers(session, exam, rng=rng, now=now) == 1  # for `later` only

    saved = bank_services.update_question(session, q, edited(q, answer=["C"]), actor=trainer,
                                          now=now + timedelta(hours=1))

    assert (saved.changed, saved.new_version, saved.papers_follow, saved.version_no) == (True, True, True, 2)
    corrected = q.current_version_id
    assert paper_versions(session) == {corrected}
    assert [item["version_id"] for item in session.scalar(select(PaperPregen.paper))] == [corrected]
    report = queries.regrade_report(session, saved.regrade_event_ids[0])
    assert [(r.user_name, r.before_score, r.after_score, r.before_passed, r.after_passed, r.certificate_effect)
            for r in report.rows] == [(gains.display_name, 0.0, 10.0, False, True, "issue"),
                                      (loses.display_name, 10.0, 0.0, True, False, "revoke")]
    assert (report.why, report.question, report.in_progress, report.pregenerated, report.pass_changes) == (
        "key_changed", q, 1, 1, 2)
    certificates = {c.user_id: c for c in session.scalars(select(Certificate))}
    assert certificates[gains.id].revoked_at is None and certificates[loses.id].revoked_at is not None
    # the live paper is graded on the corrected key when it is handed in
    [row] = paper(session, live_attempt)
    attempts.save_answer(session, live_attempt, q.id, pick(2)(row, "single"), 1, now)
    assert attempts.submit_attempt(session, live_attempt, now + timedelta(hours=2)).score == 10.0


SHAPE_CHANGES = {
    "a fifth option becomes the key": lambda v: dict(options=[*v.options, "第五个选项"], answer=["E"]),
    "single choice becomes true/false": lambda v: dict(type="true_false", options=[], answer=["true"]),
    "an option reworded with the key": lambda v: dict(options=[v.options[0] + "（改写）", *v.options[1:]],
                                                      answer=["C"]),
}


@pytest.mark.parametrize("change", SHAPE_CHANGES.values(), ids=SHAPE_CHANGES.keys())
def test_any_other_change_leaves_drawn_papers_on_the_version_they_show(session, now, rng, change):
    done, answers_e, answers_old_key, later = (factories.make_user(session) for _ in range(4))
    trainer = factories.make_user(session, roles=["trainer"])
    exam, q = one_question_exam(session, done, answers_e, answers_old_key, later)
    shown = q.current_version
    old_id, old_options = shown.id, list(shown.options)
    submitted = sit(session, exam, done, now, pick(0))  # right under the key as it stands
    live = [attempts.start_attempt(session, exam, u, now)[0] for u in (answers_e, answers_old_key)]
    papers.pregenerate_papers(session, exam, rng=rng, now=now)
    pregenerated = session.scalar(select(PaperPregen.paper))

    saved = bank_services.update_question(session, q, edited(q, **change(shown)), actor=trainer,
                                          now=now + timedelta(hours=1))

    assert (saved.new_version, saved.papers_follow, saved.papers_kept_old_version) == (True, False, True)
    assert saved.regrade_event_ids == [] and q.current_version_id != old_id
    assert session.get(QuestionVersion, old_id).options == old_options
    assert paper_versions(session) == {old_id}
    assert session.scalar(select(PaperPregen.paper)) == pregenerated
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "exam.regrade")) is None
    session.refresh(submitted)
    assert (submitted.score, submitted.passed) == (10.0, True)
    # the live papers still show the four old options and are graded by the old version
    for attempt in live:
        [question] = queries.delivery(session, attempt, now)["questions"]
        assert [o["key"] for o in question["options"]] == ["A", "B", "C", "D"]
        assert sorted(o["text"] for o in question["options"]) == sorted(old_options)
    [row] = paper(session, live[1])
    attempts.save_answer(session, live[0], q.id, ["E"], 1, now)
    attempts.save_answer(session, live[1], q.id, pick(0)(row, "single"), 1, now)
    scores = [attempts.submit_attempt(session, a, now + timedelta(hours=2)).score for a in live]
    assert scores == [0.0, 10.0]
    # the pre-generated paper starts on the version it was drawn with, its permutation intact
    started, _ = attempts.start_attempt(session, exam, later, now + timedelta(hours=3))
    [row] = paper(session, started)
    assert row.question_version_id == old_id and sorted(row.option_order) == [0, 1, 2, 3]


def test_a_version_only_on_a_pregenerated_paper_is_not_edited_in_place(session, now, rng):
    later = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam, q = one_question_exam(session, later)
    papers.pregenerate_papers(session, exam, rng=rng, now=now)
    drawn = q.current_version_id
    saved = bank_services.update_question(session, q, edited(q, options=[*q.current_version.options, "戊"],
                                                             answer=["E"]), actor=trainer, now=now)
    assert saved.papers_kept_old_version and len(session.get(QuestionVersion, drawn).options) == 4
    assert [item["version_id"] for item in session.scalar(select(PaperPregen.paper))] == [drawn]


def test_papers_never_follow_a_version_that_shows_something_else(session, now):
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam, q = one_question_exam(session, user)
    sit(session, exam, user, now, pick(0))
    old_id = q.current_version_id
    bank_services.update_question(session, q, edited(q, type="true_false", options=[], answer=["true"]),
                                  actor=trainer, now=now)
    with pytest.raises(ValueError):
        grading.follow_key_correction(None, session=session, question_id=q.id, old_version_id=old_id,
                                      new_version_id=q.current_version_id, actor=trainer, now=now)


def test_voiding_takes_the_question_out_of_every_paper_and_reports_the_regrade(session, now, rng):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    done, live, later = (factories.make_user(session) for _ in range(3))
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[done, live, later])
    faulty = session.scalars(select(Question).order_by(Question.id)).first()
    sit(session, exam, done, now, lambda row, t: (wrong_response if row.question_id == faulty.id
                                                  else right_response)(row, t))
    live_attempt, _ = attempts.start_attempt(session, exam, live, now)
    papers.pregenerate_papers(session, exam, rng=rng, now=now)
    assert queries.question_usage(session, faulty.id) == queries.QuestionUsage(1, 1, 1, False)

    event_id = grading.void_question(session, faulty, actor=trainer, now=now, reason="答案有误")

    report = queries.regrade_report(session, event_id)
    assert [(r.user_name, r.before_score, r.before_max, r.after_score, r.after_max, r.pass_changed)
            for r in report.rows] == [(done.display_name, 5.0, 10.0, 5.0, 5.0, True)]
    assert (report.why, report.in_progress, report.pregenerated) == ("voided", 1, 1)
    assert {r.question_id: r.is_voided for r in paper(session, live_attempt)}[faulty.id] is True
    assert [item["question_id"] for item in session.scalar(select(PaperPregen.paper))] != [] and all(
        item["question_id"] != faulty.id for item in session.scalar(select(PaperPregen.paper)))
    assert queries.question_usage(session, faulty.id).already_voided


def test_exam_wrong_answers_fill_the_book(session, now):
    bank = exam_bank(session, singles=3, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 3, 1.0),), users=[user])
    sit(session, exam, user, now, wrong_response)
    assert len(session.scalars(select(WrongBookEntry).where(WrongBookEntry.user_id == user.id)).all()) == 3


def test_wrong_book_question_leaves_after_two_right_answers_on_different_days(session, now):
    exam_bank(session, singles=1, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    qid = session.scalar(select(Question.id))
    first = practice.answer_question(session, user, qid, ["B"], "law", now)
    assert not first["correct"] and first["in_wrong_book"] and first["answer"] == "A"
    same_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(hours=1))
    again_same_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(hours=2))
    assert same_day["in_wrong_book"] and again_same_day["in_wrong_book"] and again_same_day["correct_days"] == 1
    next_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(days=1))
    assert next_day["left_wrong_book"] and not next_day["in_wrong_book"]
    # a wrong answer after a right one resets the count
    practice.answer_question(session, user, qid, ["C"], "law", now + timedelta(days=2))
    practice.answer_question(session, user, qid, ["A"], "law", now + timedelta(days=3))
    entry = session.scalar(select(WrongBookEntry))
    assert entry.cleared_at is None and entry.correct_day_count == 1 and entry.wrong_count == 2
    assert len(session.scalars(select(PracticeAnswer)).all()) == 6


def test_practice_pool_by_law_and_article(session):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    other = factories.make_question(session, bank, basis=(("安全生产法", 94),))
    assert list(session.scalars(practice.pool_select(law="安全生产法", articles=[94]))) == [other.id]
    assert len(list(session.scalars(practice.pool_select(law="安全生产法")))) == 3


def test_day_boundary_is_shanghai_local(session, now):
    exam_bank(session, singles=1, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    qid = session.scalar(select(Question.id))
    practice.answer_question(session, user, qid, ["B"], "law", now)
    late = now.replace(hour=15, minute=0)  # 23:00 Shanghai
    after_midnight = now.replace(hour=16, minute=30)  # 00:30 next day in Shanghai, same UTC date
    practice.answer_question(session, user, qid, ["A"], "law", late)
    result = practice.answer_question(session, user, qid, ["A"], "law", after_midnight)
    assert result["left_wrong_book"]
