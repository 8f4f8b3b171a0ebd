"""Demo exams: the enforcement-qualification mock exam with cases, an open annual exam, a gated exam,
and two closed past exams with graded attempts (idempotent).

Past attempts go through the same services (start, save, submit) with `now` in the past, so their
scores come from the real grading code.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.banks.demo import exam_bank_name
from lawtrain.banks.models import Bank, Question
from lawtrain.courses.models import CourseModule
from lawtrain.exams import attempts, papers, queries
from lawtrain.exams.models import Exam, ExamAssignee, ExamRule
from lawtrain.exams.scoring import LETTERS
from lawtrain.org.models import Department
from lawtrain.timeutil import to_local

BUREAU = "区应急局"
OPEN_EXAM = "安全生产法 年度考试（演示）"
GATED_EXAM = "突发事件应对法 专题考试"
# (title, bank name, days before now the window closed)
# subject, bank, closed this many days ago; the title carries the year it was held ("2026年度 行政处罚法考试")
PAST_EXAMS = (("行政处罚法考试", "行政处罚法", 160), ("突发事件应对法考试", "突发事件应对法", 200))
# type, count, points: 20 questions, 100 points
PAPER = (("single", 8, 5.0), ("multiple", 4, 6.0), ("true_false", 6, 3.0), ("fill_blank", 2, 9.0))
PAST_SITTERS = 20


def _bank(session: Session, name: str) -> Bank | None:
    """The exam bank (考试题库) the demo banks seeder split off for this law, else the bank of that name."""
    return session.scalar(select(Bank).where(Bank.name == exam_bank_name(name))) or session.scalar(
        select(Bank).where(Bank.name == name)) or session.scalar(
        select(Bank).where(Bank.law_name == name).order_by(Bank.id))


def _available(session: Session, bank: Bank) -> dict[str, int]:
    rows = session.execute(select(Question.type, func.count()).where(Question.bank_id == bank.id,
                                                                     Question.status == "active")
                           .group_by(Question.type)).all()
    return {t: n for t, n in rows}


def _rules(session: Session, bank: Bank) -> list[ExamRule]:
    have = _available(session, bank)
    rules = []
    for i, (qtype, count, points) in enumerate(PAPER, start=1):
        n = min(count, have.get(qtype, 0))
        if n:
            rules.append(ExamRule(position=i, banks=[bank.id], type=qtype, count=n, points=points))
    return rules


def _assign_bureau(session: Session, exam: Exam) -> None:
    bureau = session.scalar(select(Department).where(Department.parent_id.is_(None), Department.name == BUREAU))
    if bureau is not None:
        exam.assignees = [ExamAssignee(department_id=bureau.id)]
    else:
        staff = session.scalars(select(UserRole.user_id).where(UserRole.role == STAFF)).all()
        exam.assignees = [ExamAssignee(user_id=u) for u in staff]


def _make_exam(session: Session, ctx, title: str, bank: Bank, *, opens, closes, gate=None) -> Exam:
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    exam = Exam.draft(title=title, instructions="本次考试共20题，满分100分，60分及格。请独立作答，答案随时自动保存。",
                      opens_at=opens, closes_at=closes, duration_minutes=30, attempts_allowed=1, counting="best",
                      pass_percent=60.0, multiple_scoring="partial", release="immediate", review="full",
                      shuffle_questions=True, shuffle_options=True, gate=gate or {}, paper_mode="rules",
                      created_by_id=trainer.id if trainer else None, created_at=ctx.now)
    exam.publish()
    exam.rules = _rules(session, bank)
    _assign_bureau(session, exam)
    session.add(exam)
    session.commit()
    return exam


def _response(qtype: str, version, option_order: list[int], right: bool, rng) -> list[str]:
    """A realistic response: the key (in the keys shown) or a plausible wrong one."""
    answer = version.answer or []
    if qtype == "true_false":
        value = answer[0] if answer else "true"
        return [value if right else ("false" if value == "true" else "true")]
    if qtype == "fill_blank":
        if right:
            return [(b[0] if isinstance(b, list) else str(b)) for b in answer]
        return ["不清楚" for _ in answer]
    shown = {orig: LETTERS[pos] for pos, orig in enumerate(option_order)}
    key = [shown[LETTERS.index(a)] for a in answer if a in LETTERS and LETTERS.index(a) in shown]
    if right:
        return sorted(key)
    wrong = [LETTERS[p] for p in range(len(option_order)) if LETTERS[p] not in key]
    if qtype == "multiple" and key and rng.random() < 0.5:
        return sorted(key[:-1]) or sorted(key)  # missed one: partial credit
    return [rng.choice(wrong)] if wrong else sorted(key)


def _sit_past_exam(session: Session, ctx, exam: Exam, users: list[User]) -> int:
    sat = 0
    for i, user in enumerate(users):
        ability = 0.35 + 0.6 * ctx.rng.random()
        start = exam.opens_at + timedelta(hours=2 + i, minutes=ctx.rng.randrange(0, 50))
        attempt, _resumed = attempts.start_attempt(session, exam, user, start, seed=ctx.rng.getrandbits(48))
        seq = 0
        for row, version in queries.paper_rows(session, attempt):
            if ctx.rng.random() < 0.04:
                continue  # left blank
            seq += 1
            response = _response(version.type, version, row.option_order or [], ctx.rng.random() < ability, ctx.rng)
            attempts.save_answer(session, attempt, row.question_id, response, seq,
                                 start + timedelta(seconds=40 * seq))
        finish = start + timedelta(minutes=ctx.rng.randrange(12, 29))
        if ctx.rng.random() < 0.1:
            attempts.close_overdue(session, attempt.deadline_at + timedelta(minutes=5))  # forgot to submit
        else:
            attempts.submit_attempt(session, attempt, finish)
        sat += 1
    return sat


def _seed_qualification_exam(session: Session, ctx, exists: set[str]) -> None:
    """The enforcement-qualification mock exam (question_banks/demo_exams/enforcement-qualification.json): mixed
    single/multiple/true-false sections and two cases drawn whole, 100 points, 90 minutes, open 30 days."""
    path = ctx.banks_dir / "demo_exams" / "enforcement-qualification.json" if ctx.banks_dir else None
    if path is None or not path.is_file():
        return
    spec = json.loads(path.read_text(encoding="utf-8"))
    settings = spec["exam"]
    if settings["title"] in exists:
        return
    banks = {b.name: b.id for b in session.scalars(select(Bank))}
    # A law bank's exam part (考试题库, split off by the banks seeder) stands in for it: the practice part stays
    # practisable while the mock exam is open (the visibility policy withholds whatever an open exam can draw).
    banks |= {name: banks[exam_bank_name(name)] for name in list(banks) if exam_bank_name(name) in banks}
    wanted = {name for section in spec["sections"] for rule in section["rules"] for name in rule["banks"]}
    if not wanted <= set(banks):
        ctx.notes.append(f"考试：缺少题库 {'、'.join(sorted(wanted - set(banks)))}，未创建“{settings['title']}”")
        return
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    exam = Exam.draft(title=settings["title"], instructions=settings["instructions"],
                      opens_at=ctx.now - timedelta(days=1), closes_at=ctx.now + timedelta(days=30),
                      duration_minutes=settings["duration_minutes"], attempts_allowed=3, counting="best",
                      pass_percent=settings["pass_percent"], multiple_scoring=settings["multiple_scoring"],
                      release="immediate", review="full", shuffle_questions=settings["shuffle_questions"],
                      shuffle_options=settings["shuffle_options"], gate={}, paper_mode=settings["paper_mode"],
                      created_by_id=trainer.id if trainer else None, created_at=ctx.now)
    rules = [rule for section in spec["sections"] for rule in section["rules"]]
    exam.rules = [ExamRule(position=i, banks=[banks[name] for name in rule["banks"]], type=rule["type"],
                           count=rule["count"], points=float(rule["points"] or 0))
                  for i, rule in enumerate(rules, start=1)]
    for rule in exam.rules:
        if rule.type == "case":  # shown to the trainer as what one case is worth
            rule.points = papers.rule_spec(rule, papers.rule_pool(session, rule)).points
    exam.publish()
    _assign_bureau(session, exam)
    session.add(exam)
    session.flush()
    check = papers.check_paper(session, exam)
    session.commit()
    ctx.notes.append(f"考试：{exam.title}（{check.total_points:g}分，{exam.duration_minutes}分钟，含案例分析题）"
                     + (f"；注意：{check.messages[0]}" if check.messages else ""))


def seed_demo(session: Session, ctx) -> None:
    exists = set(session.scalars(select(Exam.title)))
    _seed_qualification_exam(session, ctx, exists)
    staff = list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                 .where(UserRole.role == STAFF).order_by(User.username)))

    bank = _bank(session, "安全生产法")
    if OPEN_EXAM not in exists:
        if bank is None:
            ctx.notes.append("考试：未找到“安全生产法”题库，未创建演示考试")
        else:
            exam = _make_exam(session, ctx, OPEN_EXAM, bank, opens=ctx.now - timedelta(days=1),
                              closes=ctx.now + timedelta(days=30))
            ctx.notes.append(f"考试：{exam.title}（{sum(r.count for r in exam.rules)}题，开放30天）")

    erl = _bank(session, "突发事件应对法")
    if GATED_EXAM not in exists and erl is not None:
        modules = list(session.scalars(select(CourseModule.id).where(CourseModule.law_name == "突发事件应对法")
                                       .order_by(CourseModule.id).limit(2)))
        gate = {"modules": modules} if modules else {"minutes": {"突发事件应对法": 30}}
        _make_exam(session, ctx, GATED_EXAM, erl, opens=ctx.now - timedelta(days=1),
                   closes=ctx.now + timedelta(days=45), gate=gate)
        ctx.notes.append(f"考试：{GATED_EXAM}（需先完成培训）")

    for subject, bank_name, days_ago in PAST_EXAMS:
        closes = ctx.now - timedelta(days=days_ago)
        title = f"{to_local(closes).year}年度 {subject}"
        if title in exists:
            continue
        past_bank = _bank(session, bank_name)
        if past_bank is None:
            ctx.notes.append(f"考试：未找到“{bank_name}”题库，跳过往期考试“{title}”")
            continue
        exam = _make_exam(session, ctx, title, past_bank, opens=closes - timedelta(days=14), closes=closes)
        n = _sit_past_exam(session, ctx, exam, staff[:PAST_SITTERS])
        ctx.notes.append(f"考试：往期考试“{title}”，{n}人已交卷并评分")
