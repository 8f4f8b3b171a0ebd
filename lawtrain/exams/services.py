"""Exam use cases: set up, start, save, submit, close overdue, regrade, overrides, release, wrong book.

Each public function is one transaction: it takes `session` first and `now` as an argument, commits
once at the end and raises the domain exceptions defined here (with Chinese messages).
"""

from __future__ import annotations

import functools
import random
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, Text, and_, bindparam, case, cast, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import STATUS_RETIRED, Bank, Question, QuestionCitation, QuestionTag, QuestionVersion
from lawtrain.exams import events, paper_text, scoring, selection, timing
from lawtrain.exams.models import (
    EXPIRED,
    FINISH_SUBMITTED,
    FINISH_TAB_LIMIT,
    FINISH_TIMEOUT,
    IN_PROGRESS,
    SUBMITTED,
    Answer,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    Exam,
    ExamAssignee,
    ExamFixedQuestion,
    ExamOverride,
    ExamRule,
    PaperPregen,
    WrongBookEntry,
)
from lawtrain.org.models import Department
from lawtrain.timeutil import to_local

ACTIVE = "active"
MAX_RESPONSE_ITEMS = 20
MAX_RESPONSE_TEXT = 500


# ------------------------------------------------------------------ exceptions


class ExamError(Exception):
    """A rule of the exams area was broken; the message is for people."""


class ExamNotFound(ExamError):
    """The exam or attempt does not exist for this person (shown as 404)."""


class ExamUnavailable(ExamError):
    """The person may see the exam but cannot start it now (window, attempts, gate)."""

    def __init__(self, message: str, reasons: Sequence[str] = ()):
        super().__init__(message)
        self.reasons = list(reasons)


class AttemptClosed(ExamError):
    """The attempt no longer accepts answers (HTTP 409)."""


class NotOnPaper(ExamError):
    """The question is not on this attempt's paper (HTTP 404)."""


class PaperError(ExamError):
    """The exam's rules cannot produce a paper."""

    def __init__(self, messages: Sequence[str]):
        super().__init__("；".join(messages))
        self.messages = list(messages)


class FixedPaperError(PaperError):
    """The trainer's fixed paper cannot be saved: one message per wrong line, naming the line."""


# ------------------------------------------------------------------ config and small helpers


def grace_seconds() -> int:
    """LAWTRAIN_SAVE_GRACE_SECONDS (default 60): how long after the deadline saves in flight are accepted."""
    if has_app_context():
        return int(current_app.config.get("LAWTRAIN_SAVE_GRACE_SECONDS", timing.DEFAULT_GRACE_SECONDS))
    return timing.DEFAULT_GRACE_SECONDS


def add_event(session: Session | Connection, attempt_id: int, kind: str, now: datetime, **detail: Any) -> None:
    """Append to an attempt's event log (one INSERT, no ORM load; the statement is built once)."""
    session.execute(_EVENT_INSERT, {"attempt_id": attempt_id, "at": now, "kind": kind, "detail": detail})


_EVENT_INSERT = insert(AttemptEvent.__table__)  # Core: the parameters are one row's values


def is_released(exam: Exam, now: datetime) -> bool:
    """May results be shown? immediate; after the window closes; or when a trainer released them."""
    if exam.released_at is not None and exam.released_at <= now:
        return True
    if exam.release == "immediate":
        return True
    if exam.release == "after_close":
        return exam.closes_at is not None and now >= exam.closes_at
    return False


def result_visible(attempt: Attempt, now: datetime) -> bool:
    return attempt.status == SUBMITTED and is_released(attempt.exam, now)


def hidden_question_ids(user_id: int, now: datetime) -> Select:
    """Ids of questions on this person's papers whose results they may not see yet: a live attempt, or a
    submitted one before release. Practice feedback and the wrong-answer book must not reveal them."""
    released = or_(and_(Exam.released_at.is_not(None), Exam.released_at <= now), Exam.release == "immediate",
                   and_(Exam.release == "after_close", Exam.closes_at.is_not(None), Exam.closes_at <= now))
    return (select(AttemptQuestion.question_id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.user_id == user_id, or_(Attempt.status != SUBMITTED, ~released)))


def _department_chain(user: User) -> list[int]:
    dept = user.department
    if dept is None:
        return []
    return [int(p) for p in (dept.id_path or "").strip("/").split("/") if p] or [dept.id]


def assigned_exam_ids(user: User) -> Select:
    """A Select of ids of exams assigned to this person (directly or through a department above them)."""
    chain = _department_chain(user)
    cond = ExamAssignee.user_id == user.id
    if chain:
        cond = or_(cond, ExamAssignee.department_id.in_(chain))
    return select(ExamAssignee.exam_id).where(cond)


def is_assigned(session: Session, exam: Exam, user: User) -> bool:
    return session.scalar(assigned_exam_ids(user).where(ExamAssignee.exam_id == exam.id).limit(1)) is not None


def get_override(session: Session, exam_id: int, user_id: int) -> ExamOverride | None:
    return session.scalar(select(ExamOverride).where(ExamOverride.exam_id == exam_id, ExamOverride.user_id == user_id))


def window_for(exam: Exam, override: ExamOverride | None) -> tuple[datetime | None, datetime | None]:
    """The person's window: an override's own dates replace the exam's."""
    opens, closes = exam.opens_at, exam.closes_at
    if override is not None:
        opens = override.opens_at or opens
        closes = override.closes_at or closes
    return opens, closes


def gate_status(session: Session, user_id: int, gate: dict | None) -> tuple[bool, list[str]]:
    """The training gate: (ok, what is missing) via lawtrain.courses.gate when it exists."""
    gate = gate or {}
    if not (gate.get("modules") or gate.get("minutes")):
        return True, []
    try:
        from lawtrain.courses.gate import check_gate
    except ImportError:  # the training area is not installed: nothing can be checked, nothing is locked
        return True, []
    result = check_gate(session, user_id, gate)
    return bool(result.ok), list(result.missing)


def _attempt_counts(session: Session, exam_id: int, user_id: int) -> tuple[int, Attempt | None]:
    rows = session.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)).all()
    open_attempt = next((a for a in rows if a.status == IN_PROGRESS), None)
    return len(rows), open_attempt


# ------------------------------------------------------------------ what a person may sit


@dataclass
class ExamStatus:
    exam: Exam
    status: str  # locked | open | done | upcoming | closed
    locked_reasons: list[str]
    attempts_left: int
    opens_at: datetime | None
    closes_at: datetime | None
    open_attempt_id: int | None = None
    last_attempt: Attempt | None = None
    attempts: list[Attempt] = field(default_factory=list)
    extra_minutes: int = 0  # the person's override

    @property
    def open_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if a.id == self.open_attempt_id), None)


def exam_status(session: Session, exam: Exam, user: User, now: datetime) -> ExamStatus:
    """How this exam stands for this person now."""
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id).order_by(Attempt.number)))
    override = get_override(session, exam.id, user.id)
    opens, closes = window_for(exam, override)
    left = max(0, exam.attempts_allowed - len(attempts))
    open_attempt = next((a for a in attempts if a.status == IN_PROGRESS), None)
    st = ExamStatus(exam, "open", [], left, opens, closes, open_attempt.id if open_attempt else None,
                    attempts[-1] if attempts else None, attempts, override.extra_minutes if override else 0)
    if open_attempt is not None:
        return st
    if left == 0:
        st.status = "done"
        return st
    window = timing.window_state(opens, closes, now)
    if window != "open":
        st.status = window
        return st
    ok, missing = gate_status(session, user.id, exam.gate)
    if not ok:
        st.status, st.locked_reasons = "locked", missing
    return st


def exams_for_user(session: Session, user: User, now: datetime) -> list[ExamStatus]:
    """Published exams assigned to this person, soonest closing first."""
    exams = session.scalars(
        select(Exam).where(Exam.status == "published", Exam.id.in_(assigned_exam_ids(user)))
        .order_by(Exam.closes_at.is_(None), Exam.closes_at, Exam.id)
    ).all()
    return [exam_status(session, e, user, now) for e in exams]


def visible_exam(session: Session, exam_id: int, user: User) -> Exam:
    """A published exam assigned to this person, else ExamNotFound."""
    exam = session.get(Exam, exam_id)
    if exam is None or exam.status != "published" or not is_assigned(session, exam, user):
        raise ExamNotFound(_("考试不存在"))
    return exam


# ------------------------------------------------------------------ pools and papers


PaperDrawer = Callable[[int], list[selection.PaperItem]]  # seed -> the paper


def rule_spec(rule: ExamRule) -> selection.RuleSpec:
    return selection.RuleSpec(rule.type, rule.count, rule.points)


def pool_select(rule: ExamRule):
    """Active questions matching a rule's pool (banks, law, articles, tags, difficulty, type)."""
    stmt = (
        select(Question.id, Question.current_version_id, Question.type, Question.difficulty,
               func.coalesce(func.json_array_length(QuestionVersion.options), 0).label("option_count"),
               QuestionVersion.points)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.status == ACTIVE, Question.type == rule.type)
    )
    if rule.banks:
        stmt = stmt.where(Question.bank_id.in_([int(b) for b in rule.banks]))
    if rule.law_name:
        cited = select(QuestionCitation.question_id).where(QuestionCitation.law_name == rule.law_name)
        if rule.articles:
            cited = cited.where(QuestionCitation.article_no.in_([int(a) for a in rule.articles]))
            stmt = stmt.where(Question.id.in_(cited))
        else:
            in_bank = select(Bank.id).where(Bank.law_name == rule.law_name)
            stmt = stmt.where(or_(Question.id.in_(cited), Question.bank_id.in_(in_bank)))
    elif rule.articles:
        stmt = stmt.where(Question.id.in_(select(QuestionCitation.question_id).where(
            QuestionCitation.article_no.in_([int(a) for a in rule.articles]))))
    if rule.tags:
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag.in_(rule.tags))))
    if rule.difficulty_min is not None:
        stmt = stmt.where(func.coalesce(Question.difficulty, selection.DEFAULT_DIFFICULTY) >= rule.difficulty_min)
    if rule.difficulty_max is not None:
        stmt = stmt.where(func.coalesce(Question.difficulty, selection.DEFAULT_DIFFICULTY) <= rule.difficulty_max)
    return stmt


def rule_pool(session: Session, rule: ExamRule) -> list[selection.PoolQuestion]:
    return [selection.PoolQuestion(r.id, r.current_version_id, r.type, r.difficulty, r.option_count, r.points)
            for r in session.execute(pool_select(rule))]


@dataclass
class PaperCheck:
    messages: list[str]
    total_points: float
    question_count: int
    mean_difficulty: float | None


def check_paper(session: Session, exam: Exam) -> PaperCheck:
    """Every rule against its pool, plus the paper's total points and expected difficulty."""
    if exam.paper_mode == "fixed":
        qs = _fixed_questions(session, exam)
        total = sum(p for _q, p in qs)
        messages = [] if qs else [_("固定试卷还没有题目")]
        # Saving refuses such questions; these were retired or flagged for review after the paper was made.
        messages += [_("试题 #%(id)s 已停用或待复核，请从固定试卷中移除", id=qid) for qid in session.scalars(
            select(ExamFixedQuestion.question_id).join(Question, Question.id == ExamFixedQuestion.question_id)
            .where(ExamFixedQuestion.exam_id == exam.id, Question.status != ACTIVE)
            .order_by(ExamFixedQuestion.position))]
        mean = selection.mean_difficulty([q for q, _p in qs])
        return PaperCheck(messages, round(total, 2), len(qs), round(mean, 2) if mean is not None else None)
    rules = list(exam.rules)
    if not rules:
        return PaperCheck([_("还没有抽题规则")], 0.0, 0, None)
    pools = [rule_pool(session, r) for r in rules]
    specs = [rule_spec(r) for r in rules]
    messages = selection.check_rules(specs, [len(p) for p in pools])
    if not messages:  # overlapping pools may still run dry together
        try:
            selection.draw_paper(list(zip(specs, pools, strict=True)), 0)
        except selection.SelectionError:
            messages.append(_("规则的题库互相重叠，合计题目不够抽取"))
    summary = selection.summarise(specs, [[q.difficulty for q in p] for p in pools])
    return PaperCheck(messages, summary.total_points, summary.question_count, summary.mean_difficulty)


def _fixed_questions(session: Session, exam: Exam) -> list[tuple[selection.PoolQuestion, float]]:
    rows = session.execute(
        select(ExamFixedQuestion.points, Question.id, Question.current_version_id, Question.type, Question.difficulty,
               QuestionVersion.options, QuestionVersion.points.label("vpoints"))
        .join(Question, Question.id == ExamFixedQuestion.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(ExamFixedQuestion.exam_id == exam.id).order_by(ExamFixedQuestion.position)
    ).all()
    return [(selection.PoolQuestion(r.id, r.current_version_id, r.type, r.difficulty, len(r.options or [])),
             r.points if r.points is not None else r.vpoints) for r in rows]


def paper_drawer(session: Session, exam: Exam) -> PaperDrawer:
    """The exam's pools, read once; the returned function draws the paper for a seed (rules or fixed).

    Raises PaperError at once when the pools cannot fill the rules. A rule exam's pools are kept per
    process while the pool stamp says nothing they depend on has changed: a start burst of a thousand
    people reads them a handful of times, not a thousand (reading 5,000 questions costs ~40 ms)."""
    if exam.paper_mode == "fixed":
        qs = _fixed_questions(session, exam)
        if not qs:
            raise PaperError([_("固定试卷还没有题目")])
        return lambda seed: selection.fixed_paper(qs, seed, shuffle_questions=exam.shuffle_questions,
                                                  shuffle_options=exam.shuffle_options)
    rules = list(exam.rules)
    stamp = _pool_stamp(session, exam, rules)
    cached = _DRAWERS.get(exam.id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    specs = [rule_spec(r) for r in rules]
    pools = [rule_pool(session, r) for r in rules]
    messages = selection.check_rules(specs, [len(p) for p in pools]) if rules else [_("还没有抽题规则")]
    if messages:
        raise PaperError(messages)
    drawn = list(zip(specs, pools, strict=True))
    shuffle_questions, shuffle_options = exam.shuffle_questions, exam.shuffle_options

    def draw(seed: int) -> list[selection.PaperItem]:
        try:
            return selection.draw_paper(drawn, seed, shuffle_questions=shuffle_questions,
                                        shuffle_options=shuffle_options)
        except selection.SelectionError as e:
            raise PaperError([_("题库题目不够抽取")]) from e

    _DRAWERS[exam.id] = (stamp, draw)
    while len(_DRAWERS) > _DRAWERS_KEPT:
        _DRAWERS.popitem(last=False)
    return draw


_DRAWERS: OrderedDict[int, tuple[tuple, PaperDrawer]] = OrderedDict()  # exam id -> (pool stamp, drawer)
_DRAWERS_KEPT = 16


def forget_pools() -> None:
    """Drop the pools kept by this process (the database was emptied or replaced under it)."""
    _DRAWERS.clear()


def _pool_stamp(session: Session, exam: Exam, rules: list[ExamRule]) -> tuple:
    """Everything a rule exam's pools depend on, in one cheap statement: the rules and shuffle settings; the
    active questions' count and the sum of their current versions (a retirement, restoration, review flag,
    import, deletion or new version changes one or both); the questions' last change (an edit in place sets
    `updated_at`); citations and tags (counts); and the banks that count as the rules' laws."""
    laws = sorted({r.law_name for r in rules if r.law_name})
    active = Question.status == ACTIVE
    data = session.execute(select(
        select(func.count(Question.id)).where(active).scalar_subquery(),
        select(func.coalesce(func.sum(Question.current_version_id), 0)).where(active).scalar_subquery(),
        select(func.max(Question.updated_at)).scalar_subquery(),
        select(func.count(QuestionCitation.question_id)).scalar_subquery(),
        select(func.count(QuestionTag.question_id)).scalar_subquery(),
        select(func.count(Bank.id)).where(Bank.law_name.in_(laws)).scalar_subquery(),
        select(func.coalesce(func.sum(Bank.id), 0)).where(Bank.law_name.in_(laws)).scalar_subquery(),
    )).one()
    config = (exam.shuffle_questions, exam.shuffle_options) + tuple(
        (r.id, r.type, r.count, r.points, tuple(r.banks or ()), r.law_name, tuple(r.articles or ()),
         tuple(r.tags or ()), r.difficulty_min, r.difficulty_max) for r in rules)
    return config + tuple(data)


def _paper_to_json(paper: Sequence[selection.PaperItem]) -> list[dict]:
    return [{"question_id": p.question_id, "version_id": p.version_id, "points": p.points,
             "option_order": list(p.option_order)} for p in paper]


def _paper_from_json(rows: Sequence[dict]) -> list[selection.PaperItem]:
    return [selection.PaperItem(r["question_id"], r["version_id"], r["points"], tuple(r["option_order"]))
            for r in rows]


def pregenerate_papers(session: Session, exam: Exam, *, rng: random.Random, now: datetime) -> int:
    """Draw a paper for every assignee who has neither a paper nor an attempt yet; returns how many."""
    users = assigned_users(session, exam)
    have = set(session.scalars(select(PaperPregen.user_id).where(PaperPregen.exam_id == exam.id)))
    have |= set(session.scalars(select(Attempt.user_id).where(Attempt.exam_id == exam.id)))
    draw = paper_drawer(session, exam)
    rows = []
    for user in users:
        if user.id in have:
            continue
        seed = rng.getrandbits(48)
        rows.append(dict(exam_id=exam.id, user_id=user.id, seed=seed, paper=_paper_to_json(draw(seed)),
                         created_at=now))
    if rows:
        session.execute(insert(PaperPregen), rows)
    session.commit()
    return len(rows)


def assigned_users(session: Session, exam: Exam) -> list[User]:
    """Active accounts assigned to the exam directly or through a department subtree."""
    rows = session.execute(select(ExamAssignee.user_id, ExamAssignee.department_id)
                           .where(ExamAssignee.exam_id == exam.id)).all()
    user_ids = [r.user_id for r in rows if r.user_id]
    dept_ids = [r.department_id for r in rows if r.department_id]
    conds = []
    if user_ids:
        conds.append(User.id.in_(user_ids))
    if dept_ids:
        paths = session.scalars(select(Department.id_path).where(Department.id.in_(dept_ids))).all()
        sub = select(Department.id).where(or_(*[Department.id_path.startswith(p) for p in paths]))
        conds.append(User.department_id.in_(sub))
    if not conds:
        return []
    return list(session.scalars(select(User).where(or_(*conds), User.is_active_account.is_(True)).order_by(User.id)))


# ------------------------------------------------------------------ start


def paper_drawer_for_start(session: Session, exam: Exam, user: User) -> PaperDrawer | None:
    """The read phase of a start, before any lock: the exam's pools, unless nothing will be drawn (an open
    attempt to resume, a pre-generated paper) or they cannot fill the rules (start_attempt then says why)."""
    _count, open_attempt = _attempt_counts(session, exam.id, user.id)
    if open_attempt is not None or session.scalar(select(PaperPregen.id).where(
            PaperPregen.exam_id == exam.id, PaperPregen.user_id == user.id, PaperPregen.used_at.is_(None))):
        return None
    try:
        return paper_drawer(session, exam)
    except PaperError:
        return None


def start_attempt(session: Session, exam: Exam, user: User, now: datetime, *, seed: int | None = None,
                  ip: str | None = None,
                  drawer: PaperDrawer | None = None) -> tuple[Attempt, bool]:
    """Start an attempt or resume the open one: (attempt, resumed). `drawer`: the exam's pools read
    beforehand (paper_drawer_for_start), so that they are not read while holding the write lock.

    Two tabs starting at once yield one attempt: the partial unique index refuses the second
    INSERT and the loser returns the winner's attempt.
    """
    close_overdue(session, now, exam_id=exam.id, user_id=user.id, commit=False)
    status = exam_status(session, exam, user, now)
    if status.open_attempt is not None:
        add_event(session, status.open_attempt.id, "resumed", now, ip=ip)
        session.commit()
        return status.open_attempt, True
    if status.status != "open":
        messages = {"done": _("您已用完本场考试的作答次数"), "upcoming": _("考试尚未开始"),
                    "closed": _("考试已结束"), "locked": _("尚未满足培训要求，暂不能参加考试")}
        raise ExamUnavailable(messages[status.status], status.locked_reasons)

    pregen = session.scalar(select(PaperPregen).where(PaperPregen.exam_id == exam.id, PaperPregen.user_id == user.id,
                                                      PaperPregen.used_at.is_(None)))
    if pregen is not None:
        seed, paper = pregen.seed, _paper_from_json(pregen.paper)
        pregen.used_at = now
    else:
        seed = seed if seed is not None else random.SystemRandom().getrandbits(48)
        paper = (drawer or paper_drawer(session, exam))(seed)
    attempt = Attempt(
        exam_id=exam.id, user_id=user.id, number=len(status.attempts) + 1, status=IN_PROGRESS, seed=seed,
        started_at=now, deadline_at=timing.deadline_for(now, exam.duration_minutes, status.closes_at,
                                                        status.extra_minutes),
        last_seq=0,
    )
    session.add(attempt)
    try:
        session.flush()
        session.execute(insert(AttemptQuestion), [  # one executemany, not 50 ORM INSERTs
            dict(attempt_id=attempt.id, position=i, question_id=p.question_id, question_version_id=p.version_id,
                 option_order=list(p.option_order), points=p.points)
            for i, p in enumerate(paper, start=1)
        ])
    except IntegrityError:
        session.rollback()
        winner = session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                                      Attempt.status == IN_PROGRESS))
        if winner is None:
            raise
        return winner, True
    add_event(session, attempt.id, "started", now, ip=ip, questions=len(paper), pregenerated=pregen is not None)
    session.commit()
    return attempt, False


# ------------------------------------------------------------------ save


def validate_response(response: object) -> list[str]:
    """Shape of a response: a short list of short strings (ValueError otherwise)."""
    if not isinstance(response, list) or len(response) > MAX_RESPONSE_ITEMS:
        raise ValueError("response must be a list")
    out = []
    for item in response:
        if not isinstance(item, str | int | float) or isinstance(item, bool) or len(str(item)) > MAX_RESPONSE_TEXT:
            raise ValueError("response items must be short strings")
        out.append(str(item))
    return out


@dataclass(frozen=True)
class SaveResult:
    saved: bool  # False: a newer save for this question was already stored
    seq: int
    remaining_seconds: int


def _locked_status(session: Session, attempt: Attempt) -> str:
    """The attempt's status read under its row lock (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    already holds the database lock). A save that raced a submit either lands before the grading, or sees
    `submitted` and is refused: never acknowledged after the grading read the answers."""
    status = session.connection().execute(_save_statements(session).status, {"attempt_id": attempt.id}).scalar()
    set_committed_value(attempt, "status", status)  # the loaded object in step, without marking it dirty
    return status


def save_answer(session: Session, attempt: Attempt, question_id: int, response: list[str], seq: int,
                now: datetime) -> SaveResult:
    """Store one answer if the attempt is open and this save is newer than the stored one.

    The same few statements whatever the paper size: the status under the row lock, one upsert that
    writes only a question on this paper and only over an older seq, the attempt's last_seq, the event.
    """
    grace = grace_seconds()
    if _locked_status(session, attempt) != IN_PROGRESS:
        raise AttemptClosed(_("本次考试已结束，答案不能再修改"))
    if not timing.accepts_save(attempt.deadline_at, now, grace):
        close_overdue(session, now, exam_id=attempt.exam_id, user_id=attempt.user_id)
        raise AttemptClosed(_("考试时间已到，答案不能再修改"))
    sql = _save_statements(session)
    conn = session.connection()  # Core statements straight on the connection: nothing of the ORM to flush
    key = {"attempt_id": attempt.id, "question_id": question_id}
    stored = conn.execute(sql.upsert, key | {"response": response, "seq": seq, "saved_at": now}).first() is not None
    if not stored and conn.execute(sql.on_paper, key).first() is None:  # the rare path: a stale seq, or not ours
        raise NotOnPaper(_("这道题不在您的试卷上"))
    if stored:
        conn.execute(sql.last_seq, {"attempt_id": attempt.id, "seq": seq})
        add_event(conn, attempt.id, "saved", now, question_id=question_id, seq=seq)
    remaining = timing.remaining_seconds(attempt.deadline_at, now)  # before commit expires `attempt`
    session.commit()
    return SaveResult(stored, seq, remaining)


@dataclass(frozen=True)
class _SaveStatements:
    status: Select
    upsert: Any
    on_paper: Select
    last_seq: Any


@functools.cache
def _save_statements_for(dialect: str) -> _SaveStatements:
    """The save path's statements, built once per process: building a statement costs more CPU than
    running it on SQLite, and a save is the request an exam sends most."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    on_this_paper = and_(AttemptQuestion.attempt_id == bindparam("attempt_id"),
                         AttemptQuestion.question_id == bindparam("question_id"))
    # INSERT … SELECT FROM attempt_questions (no row when the question is not on the paper) … ON CONFLICT DO
    # UPDATE … WHERE answers.seq < excluded.seq (a late, out-of-order save changes nothing).
    source = select(AttemptQuestion.attempt_id, AttemptQuestion.question_id,
                    bindparam("response", type_=Answer.response.type), bindparam("seq", type_=Answer.seq.type),
                    bindparam("saved_at", type_=Answer.saved_at.type)).where(on_this_paper)
    answers = Answer.__table__  # Core, not the ORM entity: parameters are bound values, not rows to insert
    upsert = dialect_insert(answers).from_select(["attempt_id", "question_id", "response", "seq", "saved_at"], source)
    upsert = upsert.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"response": upsert.excluded.response, "seq": upsert.excluded.seq,
              "saved_at": upsert.excluded.saved_at},
        where=answers.c.seq < upsert.excluded.seq,
    ).returning(answers.c.id)  # a row back when it was written
    attempt = Attempt.id == bindparam("attempt_id")
    return _SaveStatements(
        status=select(Attempt.status).where(attempt).with_for_update(),
        upsert=upsert,
        on_paper=select(AttemptQuestion.id).where(on_this_paper),
        last_seq=update(Attempt).where(attempt)
        .values(last_seq=case((Attempt.last_seq < bindparam("seq"), bindparam("seq")), else_=Attempt.last_seq))
        .execution_options(synchronize_session=False),
    )


def _save_statements(session: Session) -> _SaveStatements:
    return _save_statements_for(session.get_bind().dialect.name)


# ------------------------------------------------------------------ grading


@dataclass(frozen=True)
class GradedQuestion:
    row: AttemptQuestion
    version: QuestionVersion
    response: list | None
    item: scoring.Item


def paper_rows(session: Session, attempt: Attempt) -> list[tuple[AttemptQuestion, QuestionVersion]]:
    return list(session.execute(
        select(AttemptQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)
    ).tuples())


def saved_responses(session: Session, attempt_id: int) -> dict[int, list]:
    return dict(session.execute(select(Answer.question_id, Answer.response).where(Answer.attempt_id == attempt_id))
                .tuples().all())


def scoring_item(row: AttemptQuestion, version: QuestionVersion) -> scoring.Item:
    key = scoring.fill_key(version.answer or []) if version.type == scoring.FILL_BLANK else tuple(
        str(a).strip().upper() if version.type != scoring.TRUE_FALSE else str(a).strip().lower()
        for a in (version.answer or []))
    return scoring.Item(version.type, key, float(row.points), tuple(row.option_order or ()), bool(row.is_voided))


def graded_paper(session: Session, attempt: Attempt) -> list[GradedQuestion]:
    responses = saved_responses(session, attempt.id)
    return [GradedQuestion(row, version, responses.get(row.question_id), scoring_item(row, version))
            for row, version in paper_rows(session, attempt)]


def _grade(session: Session, attempt: Attempt, now: datetime) -> list[GradedQuestion]:
    """Score every question from the saved answers and set the attempt's totals (no commit)."""
    exam = attempt.exam
    paper = graded_paper(session, attempt)
    result = scoring.grade_paper([g.item for g in paper], [g.response for g in paper],
                                 exam.multiple_scoring, exam.pass_percent)
    for g, r in zip(paper, result.items, strict=True):
        g.row.score, g.row.is_correct = r.score, r.is_correct
    attempt.score, attempt.max_score, attempt.percent = result.score, result.max_score, result.percent
    attempt.passed, attempt.graded_at = result.passed, now
    return paper


def _finish(session: Session, attempt: Attempt, at: datetime, reason: str, now: datetime) -> None:
    """Grade a claimed attempt, record the finish, study time, wrong book, listeners (no commit)."""
    if attempt.status == IN_PROGRESS and reason == FINISH_TIMEOUT:
        attempt.expire()
    attempt.mark_submitted(at, reason)
    previous = attempt.passed
    paper = _grade(session, attempt, now)
    add_event(session, attempt.id, "auto_closed" if reason == FINISH_TIMEOUT else "submitted", now,
              reason=reason, score=attempt.score, max_score=attempt.max_score)
    record_wrong_many(session, attempt.user_id, [g.row.question_id for g in paper if g.row.is_correct is False], at,
                      source="exam")
    _add_exam_study_time(session, attempt, paper, at, now)
    session.flush()
    events.attempt_graded(session, attempt, previous_passed=previous, now=now)


def _law_of(version: QuestionVersion) -> str | None:
    for basis in version.basis or []:
        if isinstance(basis, dict) and basis.get("law"):
            return str(basis["law"])
    return None


def _add_exam_study_time(session: Session, attempt: Attempt, paper: list[GradedQuestion], at: datetime,
                         now: datetime) -> None:
    try:
        from lawtrain.courses.services import add_study_time
    except ImportError:
        return
    seconds = max(0, int((at - attempt.started_at).total_seconds()))
    laws = [law for law in (_law_of(g.version) for g in paper) if law]
    if not seconds or not laws:
        return
    counts: dict[str, int] = defaultdict(int)
    for law in laws:
        counts[law] += 1
    for law, n in counts.items():
        add_study_time(session, attempt.user_id, law, "exam", seconds * n // len(laws), now)


TIMER_SKEW_SECONDS = 5  # how early a page's own countdown may reach 0:00 against the server's clock


def submit_attempt(session: Session, attempt: Attempt, now: datetime, *, time_up: bool = False) -> Attempt:
    """Submit and grade; idempotent: a second call (double click, second tab, retry) changes nothing.

    Past the deadline (inside the grace) the time ran out: finished at the deadline, reason "timeout". So too
    when the page says its countdown reached 0:00 (`time_up`) up to TIMER_SKEW_SECONDS before the server's
    deadline: finished then, as a time-out, not as a paper handed in."""
    session.refresh(attempt, with_for_update=True)  # serialise concurrent submits of one attempt
    if attempt.status == SUBMITTED:
        session.commit()
        return attempt
    if now >= attempt.deadline_at:
        _finish(session, attempt, attempt.deadline_at, FINISH_TIMEOUT, now)
    elif time_up and (attempt.deadline_at - now).total_seconds() <= TIMER_SKEW_SECONDS:
        _finish(session, attempt, now, FINISH_TIMEOUT, now)
    else:
        _finish(session, attempt, now, FINISH_SUBMITTED, now)
    session.commit()
    return attempt


def close_overdue(session: Session, now: datetime, *, exam_id: int | None = None, user_id: int | None = None,
                  commit: bool = True) -> int:
    """Close and grade every open attempt past deadline + grace, finished at its deadline; returns how many."""
    stmt = select(Attempt).where(Attempt.status.in_((IN_PROGRESS, EXPIRED)),
                                 Attempt.deadline_at < timing.overdue_cutoff(now, grace_seconds()))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    attempts = session.scalars(stmt.order_by(Attempt.id).with_for_update(skip_locked=True)).all()
    for attempt in attempts:
        _finish(session, attempt, attempt.deadline_at, FINISH_TIMEOUT, now)
    if commit:
        session.commit()
    return len(attempts)


def refresh_attempt(session: Session, attempt: Attempt, now: datetime) -> Attempt:
    """Lazy close on access: an overdue open attempt is graded before anyone sees it."""
    if attempt.status != SUBMITTED and timing.is_overdue(attempt.deadline_at, now, grace_seconds()):
        close_overdue(session, now, exam_id=attempt.exam_id, user_id=attempt.user_id)
        session.refresh(attempt)
    return attempt


# ------------------------------------------------------------------ focus


def record_focus(session: Session, attempt: Attempt, kind: str, now: datetime) -> Attempt:
    """Tab switches: 'lost' counts one, 'back' adds the time away; a limit may auto-submit."""
    if attempt.status != IN_PROGRESS:
        raise AttemptClosed(_("本次考试已结束"))
    if kind == "lost":
        if attempt.focus_lost_at is None:
            attempt.tab_switches += 1
            attempt.focus_lost_at = now
        add_event(session, attempt.id, "focus_lost", now, count=attempt.tab_switches)
    elif kind == "back":
        away = int((now - attempt.focus_lost_at).total_seconds()) if attempt.focus_lost_at else 0
        attempt.tab_away_seconds += max(0, away)
        attempt.focus_lost_at = None
        add_event(session, attempt.id, "focus_back", now, away_seconds=away)
    else:
        raise ValueError(kind)
    limit = attempt.exam.tab_switch_limit
    if limit and attempt.tab_switches >= limit:
        _finish(session, attempt, min(now, attempt.deadline_at), FINISH_TAB_LIMIT, now)
    session.commit()
    return attempt


# ------------------------------------------------------------------ regrade


@dataclass(frozen=True)
class RegradeRow:
    """One attempt before and after a regrade (what the trainer is shown and the audit entry keeps)."""

    attempt_id: int
    user_name: str
    before_score: float | None
    after_score: float | None
    before_passed: bool | None
    after_passed: bool | None
    exam_id: int | None = None
    exam_title: str = ""
    before_max: float | None = None
    after_max: float | None = None

    @property
    def pass_changed(self) -> bool:
        return self.before_passed != self.after_passed

    @property
    def score_changed(self) -> bool:
        return (self.before_score, self.before_max) != (self.after_score, self.after_max)

    @property
    def certificate_effect(self) -> str | None:
        """What the certificates listener does about a pass/fail change: "revoke", "issue" or None."""
        if not self.pass_changed:
            return None
        return "issue" if self.after_passed else "revoke"


def _regrade(session: Session, attempts: Iterable[Attempt], now: datetime, *, why: str) -> list[RegradeRow]:
    rows = []
    for attempt in attempts:
        before = (attempt.score, attempt.max_score, attempt.passed)
        _grade(session, attempt, now)
        add_event(session, attempt.id, "regraded", now, why=why, before=before[0], after=attempt.score)
        session.flush()
        events.attempt_graded(session, attempt, previous_passed=before[2], now=now)
        user = session.get(User, attempt.user_id)
        rows.append(RegradeRow(attempt.id, user.display_name if user else "", before[0], attempt.score,
                               before[2], attempt.passed, attempt.exam_id, attempt.exam.title,
                               before[1], attempt.max_score))
    return rows


def _record_regrade(session: Session, rows: list[RegradeRow], *, why: str, actor, now: datetime,
                    target_type: str, target_id: int, ip: str | None = None, **counts: int) -> int:
    """The audit entry of one regrade, with every attempt's before/after: the record issue 5.7 asks for
    and what the trainer's result page reads (queries.regrade_report). Returns its id."""
    event = audit.record(
        session, "exam.regrade", actor=actor, target_type=target_type, target_id=target_id, ip=ip, now=now,
        why=why, attempts=len(rows), pass_changes=sum(r.pass_changed for r in rows), **counts,
        changes=[{"attempt": r.attempt_id, "before": r.before_score, "after": r.after_score,
                  "max_before": r.before_max, "max_after": r.after_max,
                  "passed_before": r.before_passed, "passed_after": r.after_passed} for r in rows])
    session.flush()
    return event.id


def regrade_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> int:
    """Regrade every submitted attempt of an exam with the current keys; returns the audit entry's id."""
    attempts = session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.status == SUBMITTED)
                               .order_by(Attempt.id)).all()
    rows = _regrade(session, attempts, now, why="manual")
    event_id = _record_regrade(session, rows, why="manual", actor=actor, now=now, target_type="exam",
                               target_id=exam.id, ip=ip)
    session.commit()
    return event_id


def unused_pregens(session: Session, key: str, value: int) -> list[PaperPregen]:
    """Pre-generated papers nobody has started yet with an item whose `key` ("question_id" or "version_id")
    is `value`. The paper is JSON, so SQL only narrows by its text (alike on SQLite and PostgreSQL) and the
    exact match is made here."""
    candidates = session.scalars(select(PaperPregen).where(
        PaperPregen.used_at.is_(None), cast(PaperPregen.paper, Text).contains(str(value))).order_by(PaperPregen.id))
    return [p for p in candidates if any(item.get(key) == value for item in p.paper or [])]


def _check_key_correction(session: Session, old_version_id: int, new_version_id: int) -> None:
    """Papers may follow only a version that shows what the old one showed: otherwise their option
    permutation (or their blanks) would no longer fit, and people would be graded on a question they never saw."""
    old, new = session.get(QuestionVersion, old_version_id), session.get(QuestionVersion, new_version_id)
    if old is None or new is None or not bank_services.is_key_correction(
            bank_services.version_content(old), bank_services.version_content(new)):
        raise ValueError(f"version {new_version_id} is not a key correction of version {old_version_id}")


def regrade_question(session: Session, question_id: int, old_version_id: int | None, new_version_id: int | None,
                     actor, now: datetime) -> int | None:
    """ANSWER_KEY_LISTENERS hook: papers holding the old version follow a key correction (or, when
    new_version_id is None, every paper takes the question out of its scoring) and the submitted attempts
    among them are regraded. Returns the id of the audit entry listing before/after; None when no paper
    holds the question.

    Attempts in progress and pre-generated papers follow too, so they are graded on the corrected key (or
    without the voided question) when submitted; what they display does not change (a key correction shows
    the same), except that a pre-generated paper nobody has seen loses a voided question. Runs inside the
    banks service's transaction (it commits)."""
    voided = new_version_id is None
    stmt = select(AttemptQuestion).where(AttemptQuestion.question_id == question_id)
    if voided:
        rows = session.scalars(stmt).all()
        pregens = unused_pregens(session, "question_id", question_id)
        for row in rows:
            row.is_voided = True
        for pregen in pregens:
            pregen.paper = [item for item in pregen.paper if item["question_id"] != question_id]
    else:
        _check_key_correction(session, old_version_id, new_version_id)
        rows = session.scalars(stmt.where(AttemptQuestion.question_version_id == old_version_id)).all()
        pregens = unused_pregens(session, "version_id", old_version_id)
        for row in rows:
            row.question_version_id = new_version_id
        for pregen in pregens:
            pregen.paper = [{**item, "version_id": new_version_id} if item["version_id"] == old_version_id else item
                            for item in pregen.paper]
    if not rows and not pregens:
        return None
    session.flush()
    attempt_ids = sorted({r.attempt_id for r in rows})
    attempts = session.scalars(select(Attempt).where(Attempt.id.in_(attempt_ids), Attempt.status == SUBMITTED)
                               .order_by(Attempt.id)).all() if attempt_ids else []
    why = "voided" if voided else "key_changed"
    result = _regrade(session, attempts, now, why=why)
    return _record_regrade(session, result, why=why, actor=actor, now=now, target_type="question",
                           target_id=question_id, question=question_id,
                           in_progress=len(attempt_ids) - len(attempts), pregenerated=len(pregens))


def version_on_paper(session: Session, version_id: int) -> bool:
    """VERSION_USAGE_CHECKS hook: does an attempt hold this question version, or a pre-generated paper not yet
    started? Either way it must not change in place: what the paper shows and its option permutation were
    fixed when it was drawn."""
    on_attempt = session.scalar(select(AttemptQuestion.id).where(AttemptQuestion.question_version_id == version_id)
                                .limit(1)) is not None
    return on_attempt or bool(unused_pregens(session, "version_id", version_id))


def _register_bank_hooks() -> None:
    if version_on_paper not in bank_services.VERSION_USAGE_CHECKS:
        bank_services.VERSION_USAGE_CHECKS.append(version_on_paper)
    if regrade_question not in bank_services.ANSWER_KEY_LISTENERS:
        bank_services.ANSWER_KEY_LISTENERS.append(regrade_question)


_register_bank_hooks()


# ------------------------------------------------------------------ trainer actions


def set_override(session: Session, exam: Exam, user: User, *, extra_minutes: int, opens_at: datetime | None,
                 closes_at: datetime | None, reason: str | None, actor, now: datetime,
                 ip: str | None = None) -> ExamOverride:
    """Grant one person extra time and/or another window; an open attempt's deadline follows."""
    if extra_minutes < 0:
        raise ExamError(_("延长时间不能为负数"))
    if opens_at and closes_at and closes_at <= opens_at:
        raise ExamError(_("结束时间必须晚于开始时间"))
    override = get_override(session, exam.id, user.id)
    if override is None:
        override = ExamOverride(exam_id=exam.id, user_id=user.id, created_at=now,
                                created_by_id=getattr(actor, "id", None))
        session.add(override)
    override.extra_minutes, override.opens_at, override.closes_at, override.reason = (
        extra_minutes, opens_at, closes_at, reason)
    open_attempt = session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                                        Attempt.status == IN_PROGRESS))
    if open_attempt is not None:
        _o, closes = window_for(exam, override)
        open_attempt.deadline_at = timing.deadline_for(open_attempt.started_at, exam.duration_minutes, closes,
                                                       extra_minutes)
        add_event(session, open_attempt.id, "override_granted", now, extra_minutes=extra_minutes)
    audit.record(session, "exam.override", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now,
                 user=user.username, extra_minutes=extra_minutes)
    session.commit()
    return override


def release_results(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    exam.released_at = now
    audit.record(session, "exam.release", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.commit()


@dataclass
class ExamData:
    """What the trainer's form produces (values already converted to UTC)."""

    title: str
    instructions: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    duration_minutes: int = 60
    attempts_allowed: int = 1
    counting: str = "best"
    pass_percent: float = 60.0
    multiple_scoring: str = "all_or_nothing"
    release: str = "immediate"
    review: str = "full"
    shuffle_questions: bool = True
    shuffle_options: bool = True
    tab_switch_limit: int | None = None
    paper_mode: str = "rules"
    gate: dict = field(default_factory=dict)
    department_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    # A fixed paper as typed: one question per line (id, #id or 题目ID), optionally followed by its points;
    # lines without points get `fixed_points`, or the question's own points when that is None too.
    fixed_paper: str = ""
    fixed_points: float | None = None


SCALAR_FIELDS = ("title", "instructions", "opens_at", "closes_at", "duration_minutes", "attempts_allowed", "counting",
                 "pass_percent", "multiple_scoring", "release", "review", "shuffle_questions", "shuffle_options",
                 "tab_switch_limit", "paper_mode", "gate")


def save_exam(session: Session, exam: Exam | None, data: ExamData, *, actor, now: datetime,
              ip: str | None = None) -> tuple[Exam, PaperCheck]:
    """Create or update an exam with its assignees and its paper (rules or a fixed list); returns the paper
    check to show. Raises FixedPaperError, naming every wrong line, before anything is changed."""
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ExamError(_("结束时间必须晚于开始时间"))
    # Papers already drawn stay as they are: once someone has started, the paper setup can no longer change.
    frozen = exam is not None and paper_is_frozen(session, exam)
    fixed: list[FixedItem] = []
    if not frozen and data.paper_mode == "fixed":  # only the chosen kind of paper is checked and kept
        paper = resolve_fixed_paper(session, data.fixed_paper, data.fixed_points)
        if paper.messages or not paper.items:
            raise FixedPaperError(paper.messages or [_("固定试卷还没有题目")])
        fixed = paper.items
    if exam is None:
        exam = Exam(created_by_id=getattr(actor, "id", None), created_at=now, status="draft")
        session.add(exam)
    for name in SCALAR_FIELDS:
        if not (frozen and name == "paper_mode"):
            setattr(exam, name, getattr(data, name))
    exam.assignees = ([ExamAssignee(department_id=d) for d in dict.fromkeys(data.department_ids)]
                      + [ExamAssignee(user_id=u) for u in dict.fromkeys(data.user_ids)])
    if not frozen:
        rules = data.rules if data.paper_mode == "rules" else []
        exam.rules = [ExamRule(position=i, **r) for i, r in enumerate(rules, start=1)]
        exam.fixed_questions = [ExamFixedQuestion(question_id=item.question_id, position=i, points=item.points)
                                for i, item in enumerate(fixed, start=1)]
    session.flush()
    check = check_paper(session, exam)
    audit.record(session, "exam.save", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now,
                 title=exam.title)
    session.commit()
    return exam, check


def paper_is_frozen(session: Session, exam: Exam) -> bool:
    """Has anyone started this exam? Then its paper setup (mode, rules, fixed list) can no longer change."""
    return session.scalar(select(Attempt.id).where(Attempt.exam_id == exam.id).limit(1)) is not None


# ------------------------------------------------------------------ fixed papers


@dataclass(frozen=True)
class FixedItem:
    """One question of a fixed paper, resolved: from which line, and its points (None: its own)."""

    line_no: int
    question_id: int
    points: float | None


@dataclass
class FixedPaper:
    """A typed fixed paper, resolved: the usable lines' questions and what is wrong with the others."""

    items: list[FixedItem]
    messages: list[str]  # one per line that names no usable question ("第3行：找不到试题 "SAFE-999"")


def resolve_fixed_paper(session: Session, text: str | None, default_points: float | None = None) -> FixedPaper:
    """A fixed paper typed by a trainer -> its questions in order, and what is wrong, line by line.

    A reference is a question id (`123`, `#123`) or a bank's own 题目ID (`SAFE-021`). A bare number that is
    both one question's id and another's 题目ID is ambiguous and reported, not guessed."""
    lines = paper_text.parse_paper(text)
    ids = {i for i in (paper_text.question_id_of(line.ref) for line in lines) if i is not None}
    refs = {line.ref for line in lines if not paper_text.names_id_only(line.ref)}
    rows = session.execute(
        select(Question.id, Question.external_id, Question.status)
        .where(Question.current_version_id.is_not(None), or_(Question.id.in_(ids), Question.external_id.in_(refs)))
    ).all() if lines else []
    by_id = {r.id: r for r in rows}
    by_ref: dict[str, list] = defaultdict(list)
    for r in rows:
        if r.external_id:
            by_ref[r.external_id].append(r)
    items: list[FixedItem] = []
    messages: list[str] = []
    first_line: dict[int, int] = {}
    for line in lines:
        n, ref = line.line_no, line.ref
        if line.problem == paper_text.BAD_FORMAT:
            messages.append(_("第%(n)s行：格式应为“试题编号 分值”，如 SAFE-021 2", n=n))
            continue
        if line.problem == paper_text.BAD_POINTS:
            messages.append(_('第%(n)s行：分值 "%(points)s" 无效，应为 %(low)s 到 %(high)s 之间的数', n=n,
                              points=line.raw_points, low=paper_text.POINTS_MIN, high=int(paper_text.POINTS_MAX)))
            continue
        qid = paper_text.question_id_of(ref)
        found = [] if paper_text.names_id_only(ref) else list(by_ref.get(ref, []))
        if qid in by_id and all(r.id != qid for r in found):
            found.insert(0, by_id[qid])
        if not found:
            messages.append(_('第%(n)s行：找不到试题 "%(ref)s"', n=n, ref=ref))
        elif len(found) > 1:
            messages.append(_('第%(n)s行："%(ref)s" 对应多道试题（%(ids)s），请改写为其中一个 # 编号', n=n, ref=ref,
                              ids="、".join(f"#{r.id}" for r in found)))
        elif found[0].status == STATUS_RETIRED:
            messages.append(_('第%(n)s行：试题 "%(ref)s" 已停用', n=n, ref=ref))
        elif found[0].status != ACTIVE:
            messages.append(_('第%(n)s行：试题 "%(ref)s" 待复核，复核后才能组卷', n=n, ref=ref))
        elif found[0].id in first_line:
            messages.append(_('第%(n)s行：试题 "%(ref)s" 与第%(first)s行重复', n=n, ref=ref,
                              first=first_line[found[0].id]))
        else:
            first_line[found[0].id] = n
            items.append(FixedItem(n, found[0].id, line.points if line.points is not None else default_points))
    return FixedPaper(items, messages)


def question_refs(session: Session, question_ids: Sequence[int]) -> dict[int, str]:
    """How to write each question on a fixed paper: its 题目ID when that names it alone, else `#id`."""
    rows = session.execute(select(Question.id, Question.external_id).where(Question.id.in_(question_ids))).all()
    own = {r.id: r.external_id for r in rows if r.external_id and paper_text.stands_alone(r.external_id)}
    shared = set(session.scalars(select(Question.external_id).where(Question.external_id.in_(set(own.values())))
                                 .group_by(Question.external_id).having(func.count() > 1))) if own else set()
    return {r.id: own[r.id] if r.id in own and own[r.id] not in shared else f"#{r.id}" for r in rows}


def add_to_fixed_paper(session: Session, text: str | None, question_ids: Iterable[int]) -> tuple[str, int]:
    """The picker's "加入试卷": the paper text with the questions not on it yet added at the end, and how
    many were added. Nothing is saved; saving the exam checks the whole list."""
    on_paper = {item.question_id for item in resolve_fixed_paper(session, text).items}
    new = [q for q in dict.fromkeys(question_ids) if q not in on_paper]
    refs = question_refs(session, new) if new else {}
    added = [refs[q] for q in new if q in refs]
    return paper_text.append_refs(text, added), len(added)


def fixed_paper_text(session: Session, exam: Exam) -> tuple[str, float | None]:
    """An exam's fixed paper as the form shows it for editing: the text and the default points."""
    refs = question_refs(session, [f.question_id for f in exam.fixed_questions])
    return paper_text.format_paper([(refs.get(f.question_id, f"#{f.question_id}"), f.points)
                                    for f in exam.fixed_questions])


def publish_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    """Publish an exam whose paper can be drawn and that has someone to sit it."""
    check = check_paper(session, exam)
    if check.messages:
        raise PaperError(check.messages)
    if not exam.assignees:
        raise ExamError(_("请先选择参加考试的部门或人员"))
    exam.status = "published"
    audit.record(session, "exam.publish", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.commit()


def archive_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    exam.status = "archived"
    audit.record(session, "exam.archive", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.commit()


# ------------------------------------------------------------------ wrong-answer book


def local_day(dt: datetime) -> str:
    return to_local(dt).date().isoformat()


def record_wrong(session: Session, user_id: int, question_id: int, now: datetime, *, source: str) -> WrongBookEntry:
    """Put (back) a question into a person's wrong-answer book (no commit)."""
    record_wrong_many(session, user_id, [question_id], now, source=source)
    return session.scalar(select(WrongBookEntry).where(WrongBookEntry.user_id == user_id,
                                                       WrongBookEntry.question_id == question_id))


def record_wrong_many(session: Session, user_id: int, question_ids: Sequence[int], now: datetime, *,
                      source: str) -> None:
    """Put (back) several questions into a person's book (no commit): one statement for the entries already
    there and one for the new ones, whatever the count (a failed exam has dozens)."""
    if not question_ids:
        return
    ids = list(dict.fromkeys(question_ids))
    mine = and_(WrongBookEntry.user_id == user_id, WrongBookEntry.question_id.in_(ids))
    present = set(session.scalars(select(WrongBookEntry.question_id).where(mine)))
    if present:
        session.execute(update(WrongBookEntry).where(mine).values(
            wrong_count=WrongBookEntry.wrong_count + 1, last_wrong_at=now, correct_days=[], cleared_at=None,
        ).execution_options(synchronize_session="fetch"))
    new = [dict(user_id=user_id, question_id=q, source=source, wrong_count=1, last_wrong_at=now, correct_days=[])
           for q in ids if q not in present]
    if new:
        session.execute(insert(WrongBookEntry), new)


def record_right(session: Session, user_id: int, question_id: int, now: datetime) -> WrongBookEntry | None:
    """A correct answer to a question in the book; the second distinct day clears it (no commit)."""
    entry = session.scalar(select(WrongBookEntry).where(WrongBookEntry.user_id == user_id,
                                                        WrongBookEntry.question_id == question_id,
                                                        WrongBookEntry.cleared_at.is_(None)))
    if entry is None:
        return None
    days = sorted(set(entry.correct_days or []) | {local_day(now)})
    entry.correct_days = days
    if len(days) >= 2:
        entry.cleared_at = now
    return entry


def save_all(session: Session, attempt: Attempt, responses: dict[int, list[str]], now: datetime) -> int:
    """The no-JavaScript form: store every changed answer of the paper in one transaction; returns how many."""
    if _locked_status(session, attempt) != IN_PROGRESS:
        raise AttemptClosed(_("本次考试已结束，答案不能再修改"))
    if not timing.accepts_save(attempt.deadline_at, now, grace_seconds()):
        close_overdue(session, now, exam_id=attempt.exam_id, user_id=attempt.user_id)
        raise AttemptClosed(_("考试时间已到，答案不能再修改"))
    on_paper = set(session.scalars(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)))
    stored = {a.question_id: a for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    seq, changed = attempt.last_seq, 0
    for qid, response in responses.items():
        if qid not in on_paper:
            continue
        old = stored.get(qid)
        if (old.response if old else []) == response:
            continue
        seq += 1
        changed += 1
        if old is None:
            session.add(Answer(attempt_id=attempt.id, question_id=qid, response=response, seq=seq, saved_at=now))
        else:
            old.response, old.seq, old.saved_at = response, seq, now
    if changed:
        attempt.last_seq = seq
        add_event(session, attempt.id, "saved", now, form=True, answers=changed)
    session.commit()
    return changed


def resolve_people(session: Session, tokens: Iterable[str]) -> tuple[list[int], list[str]]:
    """Login names or staff numbers -> (user ids, the tokens nobody matched)."""
    tokens = [t for t in dict.fromkeys(tokens) if t]
    if not tokens:
        return [], []
    rows = session.execute(select(User.id, User.username, User.staff_no)
                           .where(or_(User.username.in_(tokens), User.staff_no.in_(tokens)))).all()
    found = {r.username: r.id for r in rows} | {r.staff_no: r.id for r in rows if r.staff_no}
    return list(dict.fromkeys(found[t] for t in tokens if t in found)), [t for t in tokens if t not in found]
