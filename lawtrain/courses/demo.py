"""Demo training data: the three laws, the shipped course modules, a bureau-wide assignment, some progress."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.courses.assignments import create_assignment
from lawtrain.courses.lawtext import parse_law_file
from lawtrain.courses.models import Article, CourseModule, Law, LawRevision, StudyRecord, TrainingAssignment
from lawtrain.courses.services import import_course, import_law
from lawtrain.courses.study import add_study_time
from lawtrain.org.services import find_by_path
from lawtrain.timeutil import local_date

# file -> (revision date, effective date), in import order: a superseded text before the one replacing it, so
# the library holds the 2007 突发事件应对法 as an earlier revision and its comparison with the 2024 text.
DEMO_LAWS = {
    "work-safety-law.md": (date(2021, 6, 10), date(2021, 9, 1)),
    "emergency-response-law-2007.md": (date(2007, 8, 30), date(2007, 11, 1)),
    "emergency-response-law.md": (date(2024, 6, 28), date(2024, 11, 1)),
    "administrative-penalty-law.md": (date(2021, 1, 22), date(2021, 7, 15)),
    "administrative-reconsideration-law.md": (date(2023, 9, 1), date(2024, 1, 1)),
    "production-safety-accident-reporting-regulations.md": (date(2007, 4, 9), date(2007, 6, 1)),
    "production-safety-accident-emergency-regulations.md": (date(2019, 2, 17), date(2019, 4, 1)),
}
def assignment_title(now) -> str:
    """The demo's training assignment, for the current year: 2026年度法治学习任务."""
    return f"{local_date(now).year}年度法治学习任务"


def induction_title(now) -> str:
    """The demo's smaller assignment that awards a training certificate (its first two modules)."""
    return f"{local_date(now).year}年度 法治入门学习（颁发证书）"


# login -> (completed modules, minutes into the next one)
DEMO_PROGRESS = {"staff01": (2, 5), "staff02": (1, 8), "staff03": (0, 6), "staff08": (3, 0)}


def seed_demo(session: Session, ctx) -> None:
    _seed_laws(session, ctx)
    if ctx.banks_dir and ctx.banks_dir.is_dir() and any(ctx.banks_dir.rglob("modules/*.md")):
        import_course(session, ctx.banks_dir, now=ctx.now)
    if ctx.content_only:
        return
    modules = list(session.scalars(select(CourseModule).order_by(CourseModule.law_name.desc(),
                                                                 CourseModule.sort_order)))
    if not modules:
        return
    bureau = find_by_path(session, "区应急局")
    if bureau is not None and session.scalar(select(TrainingAssignment).where(
            TrainingAssignment.title == assignment_title(ctx.now))) is None:
        create_assignment(session, title=assignment_title(ctx.now), module_ids=[m.id for m in modules], law_name=None,
                          department_ids=[bureau.id], user_ids=[], due_date=local_date(ctx.now) + timedelta(days=60),
                          note="全局学员完成三部法律的全部课程模块并通过各模块小测。", actor=None, now=ctx.now)
    if bureau is not None and session.scalar(select(TrainingAssignment).where(
            TrainingAssignment.title == induction_title(ctx.now))) is None:
        create_assignment(session, title=induction_title(ctx.now), module_ids=[m.id for m in modules[:2]],
                          law_name=None, department_ids=[bureau.id], user_ids=[],
                          due_date=local_date(ctx.now) + timedelta(days=30), awards_certificate=True,
                          note="完成这两个模块即获得培训合格证书。", actor=None, now=ctx.now)
    _seed_progress(session, ctx, modules)
    ctx.notes.append(f"课程：{len(modules)} 个模块；学习任务“{assignment_title(ctx.now)}”（staff01 已完成 2 个模块）"
                     f"和“{induction_title(ctx.now)}”（staff01、staff08 已完成，持有培训证书）")


def _seed_laws(session: Session, ctx) -> None:
    if ctx.laws_dir is None:
        ctx.notes.append("未找到法律文本目录：法律法规库为空（可用 flask import-law 导入）")
        return
    for filename, (revision_date, effective_date) in DEMO_LAWS.items():
        path = ctx.laws_dir / filename
        if not path.is_file():
            continue
        parsed = parse_law_file(path.read_bytes(), filename)
        law = session.scalar(select(Law).where(Law.short_name == parsed.short_name))
        if law is not None and any(r.revision_date >= revision_date for r in law.revisions):
            continue
        import_law(session, parsed, revision_date=revision_date, effective_date=effective_date,
                   source="国家法律法规数据库", actor=None, now=ctx.now)
    laws = session.scalar(select(func.count(Law.id)))
    articles = session.scalar(select(func.count(Article.id)).join(LawRevision).where(LawRevision.is_current.is_(True)))
    if laws:
        ctx.notes.append(f"法律法规库：{laws} 部法律法规，现行条文 {articles} 条（来自 {ctx.laws_dir}）")
    else:
        ctx.notes.append(f"法律法规库为空：{ctx.laws_dir} 中没有可导入的法律文本")


def _seed_progress(session: Session, ctx, modules: list[CourseModule]) -> None:
    for login, (completed, extra_minutes) in DEMO_PROGRESS.items():
        user = session.scalar(select(User).where(User.username == login))
        if user is None or session.scalar(select(StudyRecord.id).where(StudyRecord.user_id == user.id).limit(1)):
            continue
        for i, module in enumerate(modules[: completed + (1 if extra_minutes else 0)]):
            when = ctx.now - timedelta(days=10 - i)
            done = i < completed
            seconds = module.min_study_minutes * 60 if done else extra_minutes * 60
            session.add(StudyRecord(user_id=user.id, module_id=module.id, seconds=seconds, started_at=when,
                                    last_heartbeat_at=when, check_attempts=1 if done else 0,
                                    check_passed_at=when if done else None, check_best_score=100.0 if done else None,
                                    completed_at=when if done else None))
            add_study_time(session, user.id, module.law_name, "reading", seconds, when)
        session.commit()
