"""Papers: the rules' question pools, the drawer (kept per process), paper checks, pre-generated papers,
and fixed papers typed by a trainer."""

from __future__ import annotations

import random
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from lawtrain.banks import queries as bank_queries
from lawtrain.banks.models import (
    MIN_CASE_ITEMS,
    Bank,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionTag,
    QuestionVersion,
)
from lawtrain.exams import paper_text, selection
from lawtrain.exams.availability import assigned_users
from lawtrain.exams.errors import PaperError
from lawtrain.exams.models import Attempt, AttemptStatus, Exam, ExamFixedQuestion, ExamRule, PaperMode, PaperPregen

PaperDrawer = Callable[[int], list[selection.PaperItem]]  # seed -> the paper


def rule_spec(rule: ExamRule, pool: Sequence[selection.PoolQuestion] = ()) -> selection.RuleSpec:
    """A rule as the drawer sees it; a case rule is worth what its cases are worth (their mean, for summaries)."""
    if rule.type == selection.CASE:
        points = sum(q.case_points for q in pool) / len(pool) if pool else 0.0
        return selection.RuleSpec(rule.type, rule.count, round(points, 2))
    return selection.RuleSpec(rule.type, rule.count, rule.points)


def case_pool_items(session: Session, case_ids: Iterable[int]) -> dict[int, tuple[selection.PoolQuestion, ...]]:
    """Each case's active sub-questions (current versions), in the case's order."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Question.case_id, Question.id, Question.current_version_id, Question.type, Question.difficulty,
               func.coalesce(func.json_array_length(QuestionVersion.options), 0).label("option_count"),
               QuestionVersion.points)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.case_id.in_(ids), Question.status == QuestionStatus.ACTIVE)
        .order_by(Question.case_id, Question.position, Question.id))
    out: dict[int, list[selection.PoolQuestion]] = defaultdict(list)
    for r in rows:
        out[r.case_id].append(selection.PoolQuestion(r.id, r.current_version_id, r.type, r.difficulty,
                                                     r.option_count, r.points))
    return {k: tuple(v) for k, v in out.items()}


def _with_items(session: Session, questions: list[selection.PoolQuestion]) -> list[selection.PoolQuestion]:
    """Cases get their sub-questions; a case with fewer than two active ones (being written) leaves the pool."""
    items = case_pool_items(session, [q.id for q in questions if q.type == selection.CASE])
    return [replace(q, items=items[q.id]) if q.type == selection.CASE else q
            for q in questions if q.type != selection.CASE or len(items.get(q.id, ())) >= MIN_CASE_ITEMS]


def pool_select(rule: ExamRule):
    """Active questions matching a rule's pool (banks, law, articles, tags, difficulty, type)."""
    return (
        select(Question.id, Question.current_version_id, Question.type, Question.difficulty,
               func.coalesce(func.json_array_length(QuestionVersion.options), 0).label("option_count"),
               QuestionVersion.points)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(*bank_queries.pool_conditions(
            type=rule.type, bank_ids=[int(b) for b in rule.banks or ()], law=rule.law_name,
            articles=[int(a) for a in rule.articles or ()], tags=rule.tags or (),
            difficulty_min=rule.difficulty_min, difficulty_max=rule.difficulty_max))
    )


def rule_pool(session: Session, rule: ExamRule) -> list[selection.PoolQuestion]:
    pool = [selection.PoolQuestion(r.id, r.current_version_id, r.type, r.difficulty, r.option_count, r.points)
            for r in session.execute(pool_select(rule))]
    return _with_items(session, pool) if rule.type == selection.CASE else pool


@dataclass
class PaperCheck:
    messages: list[str]
    total_points: float
    question_count: int
    mean_difficulty: float | None


def check_paper(session: Session, exam: Exam) -> PaperCheck:
    """Every rule against its pool, plus the paper's total points and expected difficulty."""
    if exam.paper_mode == PaperMode.FIXED:
        return _check_fixed_paper(session, exam)
    rules = list(exam.rules)
    if not rules:
        return PaperCheck([_("还没有抽题规则")], 0.0, 0, None)
    pools = [rule_pool(session, r) for r in rules]
    specs = [rule_spec(r, p) for r, p in zip(rules, pools, strict=True)]
    messages = selection.check_rules(specs, [len(p) for p in pools])
    if not messages:  # overlapping pools may still run dry together
        try:
            selection.draw_paper(list(zip(specs, pools, strict=True)), 0)
        except selection.SelectionError:
            messages.append(_("规则的题库互相重叠，合计题目不够抽取"))
    summary = selection.summarise(specs, [[q.difficulty for q in p] for p in pools])
    # A case rule puts its cases' sub-questions on the paper (as many as its cases hold on average).
    count = sum(round(s.count * sum(len(q.items) for q in p) / len(p)) if s.type == selection.CASE and p else s.count
                for s, p in zip(specs, pools, strict=True))
    return PaperCheck(messages, summary.total_points, count, summary.mean_difficulty)


def _check_fixed_paper(session: Session, exam: Exam) -> PaperCheck:
    qs = _fixed_questions(session, exam)
    total = sum(q.case_points if q.type == selection.CASE else p for q, p in qs)
    count = sum(len(q.items) if q.type == selection.CASE else 1 for q, _p in qs)
    messages = [] if qs else [_("固定试卷还没有题目")]
    # Saving refuses such questions; these were retired or flagged for review after the paper was made.
    messages += [_("试题 #%(id)s 已停用或待复核，请从固定试卷中移除", id=qid) for qid in session.scalars(
        select(ExamFixedQuestion.question_id).join(Question, Question.id == ExamFixedQuestion.question_id)
        .where(ExamFixedQuestion.exam_id == exam.id, Question.status != QuestionStatus.ACTIVE)
        .order_by(ExamFixedQuestion.position))]
    mean = selection.mean_difficulty([q for q, _p in qs])
    return PaperCheck(messages, round(total, 2), count, round(mean, 2) if mean is not None else None)


def _fixed_questions(session: Session, exam: Exam) -> list[tuple[selection.PoolQuestion, float]]:
    rows = session.execute(
        select(ExamFixedQuestion.points, Question.id, Question.current_version_id, Question.type, Question.difficulty,
               QuestionVersion.options, QuestionVersion.points.label("vpoints"))
        .join(Question, Question.id == ExamFixedQuestion.question_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(ExamFixedQuestion.exam_id == exam.id).order_by(ExamFixedQuestion.position)
    ).all()
    questions = _with_items(session, [selection.PoolQuestion(r.id, r.current_version_id, r.type, r.difficulty,
                                                             len(r.options or [])) for r in rows])
    points = {r.id: r.points if r.points is not None else r.vpoints for r in rows}
    return [(q, points[q.id]) for q in questions]


# ------------------------------------------------------------------ the drawer and its per-process cache


def paper_drawer(session: Session, exam: Exam) -> PaperDrawer:
    """The exam's pools, read once; the returned function draws the paper for a seed (rules or fixed).

    Raises PaperError at once when the pools cannot fill the rules. A rule exam's pools are kept per
    process while the pool stamp says nothing they depend on has changed: a start burst of a thousand
    people reads them a handful of times, not a thousand (reading 5,000 questions costs ~40 ms)."""
    if exam.paper_mode == PaperMode.FIXED:
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
    pools = [rule_pool(session, r) for r in rules]
    specs = [rule_spec(r, p) for r, p in zip(rules, pools, strict=True)]
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
    active = Question.status == QuestionStatus.ACTIVE
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


def drawer_for_start(session: Session, exam: Exam, user_id: int) -> PaperDrawer | None:
    """The read phase of a start, before any lock: the exam's pools, unless nothing will be drawn (an open
    attempt to resume, a pre-generated paper) or they cannot fill the rules (the start then says why)."""
    open_attempt = session.scalar(select(Attempt.id).where(
        Attempt.exam_id == exam.id, Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS))
    if open_attempt is not None or session.scalar(select(PaperPregen.id).where(
            PaperPregen.exam_id == exam.id, PaperPregen.user_id == user_id, PaperPregen.used_at.is_(None))):
        return None
    try:
        return paper_drawer(session, exam)
    except PaperError:
        return None


# ------------------------------------------------------------------ pre-generated papers


def paper_to_json(paper: Sequence[selection.PaperItem]) -> list[dict]:
    return [{"question_id": p.question_id, "version_id": p.version_id, "points": p.points,
             "option_order": list(p.option_order)}
            | ({"case_version_id": p.case_version_id} if p.case_version_id else {}) for p in paper]


def paper_from_json(rows: Sequence[dict]) -> list[selection.PaperItem]:
    return [selection.PaperItem(r["question_id"], r["version_id"], r["points"], tuple(r["option_order"]),
                                r.get("case_version_id")) for r in rows]


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
        rows.append(dict(exam_id=exam.id, user_id=user.id, seed=seed, paper=paper_to_json(draw(seed)),
                         created_at=now))
    if rows:
        session.execute(insert(PaperPregen), rows)
    session.commit()
    return len(rows)


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


def _referenced_questions(session: Session, lines: list[paper_text.PaperLine]) -> tuple[dict, dict[str, list]]:
    """The questions the lines name, by id and by 题目ID."""
    ids = {i for i in (paper_text.question_id_of(line.ref) for line in lines) if i is not None}
    refs = {line.ref for line in lines if not paper_text.names_id_only(line.ref)}
    rows = session.execute(
        select(Question.id, Question.external_id, Question.status, Question.case_id)
        .where(Question.current_version_id.is_not(None), or_(Question.id.in_(ids), Question.external_id.in_(refs)))
    ).all() if lines else []
    by_ref: dict[str, list] = defaultdict(list)
    for r in rows:
        if r.external_id:
            by_ref[r.external_id].append(r)
    return {r.id: r for r in rows}, by_ref


def _line_problem(line: paper_text.PaperLine, found: list, first_line: dict[int, int]) -> str | None:
    """What is wrong with one line of a fixed paper, given the questions its reference matched."""
    n, ref = line.line_no, line.ref
    if line.problem == paper_text.BAD_FORMAT:
        return _("第%(n)s行：格式应为“试题编号 分值”，如 SAFE-021 2", n=n)
    if line.problem == paper_text.BAD_POINTS:
        return _('第%(n)s行：分值 "%(points)s" 无效，应为 %(low)s 到 %(high)s 之间的数', n=n,
                 points=line.raw_points, low=paper_text.POINTS_MIN, high=int(paper_text.POINTS_MAX))
    if not found:
        return _('第%(n)s行：找不到试题 "%(ref)s"', n=n, ref=ref)
    if len(found) > 1:
        return _('第%(n)s行："%(ref)s" 对应多道试题（%(ids)s），请改写为其中一个 # 编号', n=n, ref=ref,
                 ids="、".join(f"#{r.id}" for r in found))
    if found[0].case_id is not None:
        return _('第%(n)s行：试题 "%(ref)s" 是案例分析题（#%(case)s）的小题，请加入整个案例', n=n, ref=ref,
                 case=found[0].case_id)
    if found[0].status == QuestionStatus.RETIRED:
        return _('第%(n)s行：试题 "%(ref)s" 已停用', n=n, ref=ref)
    if found[0].status != QuestionStatus.ACTIVE:
        return _('第%(n)s行：试题 "%(ref)s" 待复核，复核后才能组卷', n=n, ref=ref)
    if found[0].id in first_line:
        return _('第%(n)s行：试题 "%(ref)s" 与第%(first)s行重复', n=n, ref=ref, first=first_line[found[0].id])
    return None


def resolve_fixed_paper(session: Session, text: str | None, default_points: float | None = None) -> FixedPaper:
    """A fixed paper typed by a trainer -> its questions in order, and what is wrong, line by line.

    A reference is a question id (`123`, `#123`) or a bank's own 题目ID (`SAFE-021`). A bare number that is
    both one question's id and another's 题目ID is ambiguous and reported, not guessed."""
    lines = paper_text.parse_paper(text)
    by_id, by_ref = _referenced_questions(session, lines)
    items: list[FixedItem] = []
    messages: list[str] = []
    first_line: dict[int, int] = {}
    for line in lines:
        found = []
        if line.problem is None:
            qid = paper_text.question_id_of(line.ref)
            found = [] if paper_text.names_id_only(line.ref) else list(by_ref.get(line.ref, []))
            if qid in by_id and all(r.id != qid for r in found):
                found.insert(0, by_id[qid])
        problem = _line_problem(line, found, first_line)
        if problem is not None:
            messages.append(problem)
            continue
        first_line[found[0].id] = line.line_no
        items.append(FixedItem(line.line_no, found[0].id, line.points if line.points is not None else default_points))
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
