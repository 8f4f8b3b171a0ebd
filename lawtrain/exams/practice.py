"""Practice mode and the end-of-module check: instant feedback, wrong-answer book, practice study time."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank, BankKind, Question, QuestionStatus, QuestionVersion
from lawtrain.banks.queries import pool_conditions
from lawtrain.courses import clock, study
from lawtrain.courses.models import CourseModule
from lawtrain.exams import scoring
from lawtrain.exams.errors import ExamError
from lawtrain.exams.grading import law_of
from lawtrain.exams.models import PracticeAnswer, PracticeMode, WrongBookEntry, WrongBookSource
from lawtrain.exams.queries import answer_text, scoring_item
from lawtrain.exams.visibility import withheld_question_ids
from lawtrain.exams.wrong_book import record_right, record_wrong
from lawtrain.timeutil import local_date

MODULE_CHECK_MAX = 5  # questions per end-of-module check
CASE_MODULE_PREFIX = "以案释法"  # a module walking through cases: its check draws from the law's case bank
CASE_BANK_SUFFIX = "案例分析"  # question_banks/*/cases.json: the bank "<law's bank> 案例分析"
MODULE_CHECK_PASS_PERCENT = 60.0
# Practice time counted per answer: the real gap since the previous answer, capped (a coffee break is not study);
# the first answer of a sitting counts a fixed reading time. So the credit never outruns the clock: a burst of
# answers earns what the burst lasted, however many there are.
MAX_PRACTICE_SECONDS = 120
FIRST_ANSWER_SECONDS = 30


class PracticeError(ExamError):
    """The question is not available for practice."""


def pool_select(*, law: str | None = None, articles: Sequence[int] = (), bank_names: Sequence[str] = (),
                user_id: int | None = None, wrong_book: bool = False) -> Select:
    """Active question ids for a practice set, in a stable order (articles count only with their law): from
    practice banks (练习题库) only, or, for the wrong-answer book, the person's own open entries (an exam
    question gets there once its paper is released). Callers still drop the withheld ones. A case's
    sub-questions are practised one by one, each shown with its case."""
    kind = None if wrong_book else BankKind.PRACTICE
    stmt = select(Question.id).where(*pool_conditions(bank_names=bank_names, law=law, sub_questions=True,
                                                      bank_kind=kind,
                                                      articles=articles if law else ())).order_by(Question.id)
    if wrong_book and user_id is not None:
        stmt = stmt.where(Question.id.in_(select(WrongBookEntry.question_id).where(
            WrongBookEntry.user_id == user_id, WrongBookEntry.cleared_at.is_(None))))
    return stmt


def pick(ids: Sequence[int], *, order: str, index: int, rng: random.Random) -> int | None:
    """The next question: sequential walks the list, random draws one."""
    if not ids:
        return None
    if order == "random":
        return rng.choice(list(ids))
    return ids[index % len(ids)]


def question_view(session: Session, question_id: int) -> tuple[Question, QuestionVersion]:
    question = session.get(Question, question_id)
    if question is None or question.status != QuestionStatus.ACTIVE or question.current_version is None:
        raise PracticeError(_("题目不存在"))
    return question, question.current_version


def public_question(version: QuestionVersion, question_id: int) -> dict[str, Any]:
    """A practice question as shown before answering (original option order, no key)."""
    return {
        "id": question_id, "type": version.type, "stem": version.stem,
        "options": [{"key": scoring.LETTERS[i], "text": t} for i, t in enumerate(version.options or [])]
        if version.type in (scoring.SINGLE, scoring.MULTIPLE) else [],
        "blanks": len(version.answer or []) if version.type == scoring.FILL_BLANK else 0,
    }


def _item(version: QuestionVersion) -> scoring.Item:
    return scoring_item(version, version.points or 1)


def feedback_for(version: QuestionVersion, response: Sequence, correct: bool) -> dict[str, Any]:
    answer = answer_text(version) or "".join(sorted(str(a) for a in version.answer or []))
    return {"correct": correct, "answer": answer, "response": list(response),
            "explanation": version.explanation or "", "basis": list(version.basis or [])}


def practice_credit(gap_seconds: float | None) -> int:
    """Study seconds one practice answer earns, given the seconds since the person's previous answer."""
    if gap_seconds is None or gap_seconds > MAX_PRACTICE_SECONDS:
        return FIRST_ANSWER_SECONDS  # a new sitting (or back from a break): the question was read once
    return int(max(0.0, gap_seconds))


def _add_practice_time(session: Session, user: User, version: QuestionVersion, now: datetime) -> None:
    law = law_of(version)
    study_clock = clock.lock_clock(session, user.id)  # simultaneous answers queue here: one credit each gap
    if study_clock.practice_at is None:  # no mark yet (answers from before the clock): the last answer
        study_clock.practice_at = session.scalar(
            select(PracticeAnswer.answered_at).where(PracticeAnswer.user_id == user.id)
            .order_by(PracticeAnswer.answered_at.desc()).limit(1))
    seconds = practice_credit(clock.practice_gap(study_clock, now))
    if law:
        study.add_study_time(session, user.id, law, "practice", seconds, now)


def record_answer(session: Session, user: User, question_id: int, version: QuestionVersion, response: Sequence,
                  correct: bool, mode: str, now: datetime) -> None:
    """Practice answer + study time + wrong book (no commit)."""
    _add_practice_time(session, user, version, now)
    session.add(PracticeAnswer(user_id=user.id, question_id=question_id, question_version_id=version.id,
                               mode=mode if mode in tuple(PracticeMode) else PracticeMode.LAW, response=list(response),
                               is_correct=correct, answered_at=now, local_day=local_date(now)))
    if correct:
        record_right(session, user.id, question_id, now)
    else:
        record_wrong(session, user.id, question_id, now, source=WrongBookSource.PRACTICE)


def _in_wrong_book(session: Session, user_id: int, question_id: int) -> bool:
    return session.scalar(select(WrongBookEntry.id).where(
        WrongBookEntry.user_id == user_id, WrongBookEntry.question_id == question_id,
        WrongBookEntry.cleared_at.is_(None))) is not None


def may_practise(session: Session, user: User, question: Question, now: datetime) -> bool:
    """A question of a practice bank (or in the person's wrong-answer book), and not withheld from them."""
    bank_kind = session.scalar(select(Bank.kind).where(Bank.id == question.bank_id))
    if bank_kind != BankKind.PRACTICE and not _in_wrong_book(session, user.id, question.id):
        return False
    return question.id not in withheld_question_ids(session, user, now)


def answer_question(session: Session, user: User, question_id: int, response: Sequence, mode: str,
                    now: datetime) -> dict[str, Any]:
    """Grade one practice answer with instant feedback; a wrong-book question leaves after two right days."""
    question, version = question_view(session, question_id)
    if not may_practise(session, user, question, now):
        raise PracticeError(_("题目不存在"))  # feedback would give a key away
    correct = bool(scoring.grade_item(_item(version), list(response)).is_correct)
    record_answer(session, user, question_id, version, response, correct, mode, now)
    session.flush()
    entry = session.scalar(select(WrongBookEntry).where(WrongBookEntry.user_id == user.id,
                                                        WrongBookEntry.question_id == question_id))
    result = feedback_for(version, response, correct) | {
        "in_wrong_book": entry is not None and entry.cleared_at is None,
        "left_wrong_book": entry is not None and entry.cleared_at == now,
        "correct_days": entry.correct_day_count if entry is not None and entry.cleared_at is None else 0,
    }
    session.commit()
    return result


# ------------------------------------------------------------------ end-of-module check


@dataclass
class ModuleCheckResult:
    score: float
    max_score: float
    percent: float
    passed: bool
    feedback: dict[int, dict[str, Any]]


def module_check_pool(session: Session, module: CourseModule) -> list[int]:
    """Question ids for a module's check, from the courses area's description of the module. A 以案释法 module
    checks with the sub-questions of its law's case bank ("<bank> 案例分析") that cite the module's articles."""
    bank_names, law, articles = study.module_check_pool(session, module)
    if (module.title or "").startswith(CASE_MODULE_PREFIX):
        case_banks = [f"{name} {CASE_BANK_SUFFIX}" for name in bank_names or [law]]
        ids = list(session.scalars(pool_select(law=law, articles=list(articles or []), bank_names=case_banks)))
        if ids:
            return ids
    ids = list(session.scalars(pool_select(law=law, articles=list(articles or []), bank_names=list(bank_names or []))))
    if not ids and articles:  # no question cites these articles: fall back to the law's pool
        ids = list(session.scalars(pool_select(law=law, bank_names=list(bank_names or []))))
    return ids


def draw_module_check(session: Session, module, rng: random.Random, *, user: User, now: datetime) -> list[int]:
    """Up to MODULE_CHECK_MAX of the module's questions (practice banks), none withheld from this person."""
    hidden = withheld_question_ids(session, user, now)
    ids = [q for q in module_check_pool(session, module) if q not in hidden]
    return sorted(rng.sample(ids, min(len(ids), MODULE_CHECK_MAX)))


def grade_module_check(session: Session, user: User, module, answers: Mapping[int, Sequence], now: datetime,
                       *, drawn_ids: Sequence[int]) -> ModuleCheckResult:
    """Grade exactly the questions drawn for this person (kept on the server between showing and grading), an
    unanswered one as wrong: sending other questions, or leaving the hard ones out, does not help. Records the
    result with the courses area and commits."""
    hidden = withheld_question_ids(session, user, now)
    pool = set(module_check_pool(session, module))
    ids = [q for q in dict.fromkeys(drawn_ids) if q not in hidden and q in pool][:MODULE_CHECK_MAX]
    if not ids:
        raise PracticeError(_("本次测验已失效，请重新开始"))
    if not any(answers.get(q) for q in ids):
        raise PracticeError(_("请先作答本单元测验的全部题目"))
    answers = {q: list(answers.get(q) or []) for q in ids}
    score = max_score = 0.0
    feedback = {}
    for qid in ids:
        _question, version = question_view(session, qid)
        item = _item(version)
        result = scoring.grade_item(item, list(answers[qid]))
        score += result.score
        max_score += item.points
        feedback[qid] = feedback_for(version, answers[qid], bool(result.is_correct))
        record_answer(session, user, qid, version, answers[qid], bool(result.is_correct), "check", now)
    totals = scoring.totals(score, max_score, MODULE_CHECK_PASS_PERCENT)
    study.record_module_check(session, user, module, passed=totals.passed, score=totals.percent, now=now)
    session.commit()
    return ModuleCheckResult(totals.score, totals.max_score, totals.percent, totals.passed, feedback)
