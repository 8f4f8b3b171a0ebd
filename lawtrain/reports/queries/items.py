"""Item analysis of one exam: per-item results fed to the pure `stats.analyse`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    and_,
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank, Question, QuestionVersion
from lawtrain.exams.models import (
    SUBMITTED,
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExamFixedQuestion,
)
from lawtrain.org.models import Department
from lawtrain.reports import stats
from lawtrain.reports.queries.filters import (
    ReportFilter,
    scoped_attempts,
)

# ------------------------------------------------------------------ item analysis


@dataclass
class ItemInfo:
    question_id: int
    stem: str
    type: str
    options: list[str]
    answer: list[Any]
    citations: list[tuple[str, int]]
    code: str = ""  # the bank's code for the question (external id), e.g. WSL-001-01
    bank: str = ""
    position: int | None = None  # its place on the paper, when the exam's paper is fixed and not shuffled

    @property
    def label(self) -> str:
        """How a report names the question: its place on a fixed paper, its bank code, a short stem."""
        stem = self.stem if len(self.stem) <= 24 else self.stem[:24] + "…"
        where = f"第 {self.position} 题 · " if self.position else ""
        return f"{where}{self.code or self.bank} {stem}".strip()


def item_analysis(session: Session, exam_id: int, *, root: Department | None = None
                  ) -> tuple[stats.ExamStats, dict[int, ItemInfo]]:
    """Per-item results of an exam's submitted attempts (two statements), analysed by `stats.analyse`."""
    d = aliased(Department, name="iad")
    stmt = (select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.score,
                   AttemptQuestion.points, AttemptQuestion.option_order, Answer.response)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .outerjoin(Answer, and_(Answer.attempt_id == AttemptQuestion.attempt_id,
                                    Answer.question_id == AttemptQuestion.question_id))
            .where(Attempt.exam_id == exam_id, Attempt.status == SUBMITTED, AttemptQuestion.is_voided.is_(False)))
    if root is not None:
        stmt = (stmt.join(User, User.id == Attempt.user_id).join(d, d.id == User.department_id)
                .where(d.id_path.startswith(root.id_path)))
    responses = [stats.ItemResponse(aid, qid, float(score or 0), float(points or 0),
                                    stats.original_choices(response, order))
                 for aid, qid, score, points, order, response in session.execute(stmt)]
    question_ids = sorted({r.item for r in responses})
    info: dict[int, ItemInfo] = {}
    if question_ids:
        positions = _fixed_positions(session, exam_id)
        rows = session.execute(select(Question.id, QuestionVersion.stem, QuestionVersion.type,
                                      QuestionVersion.options, QuestionVersion.answer, QuestionVersion.basis,
                                      Question.external_id, Bank.name)
                               .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                               .join(Bank, Bank.id == Question.bank_id)
                               .where(Question.id.in_(question_ids)))
        for qid, stem, qtype, options, answer, basis, code, bank in rows:
            cites = [(str(b.get("law")), int(b.get("article"))) for b in (basis or [])
                     if isinstance(b, dict) and b.get("law") and str(b.get("article", "")).isdigit()]
            info[qid] = ItemInfo(qid, stem, qtype, list(options or []), list(answer or []), cites, code or "",
                                 bank, positions.get(qid))
    counts = {qid: len(i.options) for qid, i in info.items() if i.type in ("single", "multiple")}
    result = stats.analyse(responses, counts)
    # Items in paper order where the paper is fixed, else by bank code.
    order = {qid: (i.position or 10**6, i.code, qid) for qid, i in info.items()}
    items = tuple(sorted(result.items, key=lambda i: order.get(i.item, (10**6, "", i.item))))
    return replace(result, items=items), info


@dataclass
class CaseInfo:
    """A case on an exam's papers, for the case-as-a-whole table: its bank code, a short text, sub-questions."""

    question_id: int
    code: str
    text: str
    items: int


def case_analysis(session: Session, exam_id: int, *, root: Department | None = None
                  ) -> tuple[stats.ExamStats, dict[int, CaseInfo]]:
    """Each case as one item: its sub-questions' scores summed per attempt (in SQL; voided sub-questions left
    out), analysed by `stats.analyse` like any item (facility = share of the case's points earned)."""
    d = aliased(Department, name="cad")
    case_id = QuestionVersion.question_id
    stmt = (select(AttemptQuestion.attempt_id, case_id, func.sum(AttemptQuestion.score),
                   func.sum(AttemptQuestion.points))
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.case_version_id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(Attempt.exam_id == exam_id, Attempt.status == SUBMITTED, AttemptQuestion.is_voided.is_(False))
            .group_by(AttemptQuestion.attempt_id, case_id))
    if root is not None:
        stmt = (stmt.join(User, User.id == Attempt.user_id).join(d, d.id == User.department_id)
                .where(d.id_path.startswith(root.id_path)))
    responses = [stats.ItemResponse(aid, cid, float(score or 0), float(points or 0), ())
                 for aid, cid, score, points in session.execute(stmt)]
    ids = sorted({r.item for r in responses})
    info: dict[int, CaseInfo] = {}
    if ids:
        counts = dict(session.execute(select(Question.case_id, func.count(Question.id))
                                      .where(Question.case_id.in_(ids)).group_by(Question.case_id)).tuples().all())
        for qid, code, text in session.execute(
                select(Question.id, Question.external_id, QuestionVersion.stem)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id).where(Question.id.in_(ids))):
            info[qid] = CaseInfo(qid, code or "", text, counts.get(qid, 0))
    return stats.analyse(responses), info


def _fixed_positions(session: Session, exam_id: int) -> dict[int, int]:
    """question id -> 1-based place on the paper, for a fixed paper shown in its order (else empty)."""
    if session.scalar(select(Exam.shuffle_questions).where(Exam.id == exam_id)):
        return {}
    ids = session.scalars(select(ExamFixedQuestion.question_id).where(ExamFixedQuestion.exam_id == exam_id)
                          .order_by(ExamFixedQuestion.position, ExamFixedQuestion.id))
    return {qid: i for i, qid in enumerate(ids, start=1)}


def exams_for_analysis(session: Session, root: Department | None = None) -> list[tuple[Exam, int]]:
    """Exams with their number of submitted attempts, newest first: attempts by people in `root`'s subtree,
    so a department leader sees the same counts the item analysis behind each exam will show them."""
    counted = scoped_attempts(ReportFilter(), root)(
        select(Attempt.exam_id, func.count(Attempt.id).label("n")).select_from(Attempt))
    counts = counted.group_by(Attempt.exam_id).subquery("submitted")
    return [(exam, int(count)) for exam, count in session.execute(
        select(Exam, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.exam_id == Exam.id)
        .where(Exam.status != "draft").order_by(Exam.created_at.desc(), Exam.id.desc()))]
