"""Report use cases: turn a weak heat-map cell into a training assignment for that department."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.courses.assignments import create_assignment
from lawtrain.courses.models import TrainingAssignment
from lawtrain.courses.numerals import article_label
from lawtrain.courses.queries import chapter_article_numbers
from lawtrain.courses.services import CourseError
from lawtrain.org.models import Department
from lawtrain.reports import queries


class ReportError(Exception):
    """A report use case refused; the message is shown to the person."""


def assign_remedial_training(session: Session, *, department_id: int, law: str, article: int | None = None,
                             chapter: str | None = None, due_date: date | None, actor: User,
                             now: datetime) -> TrainingAssignment:
    """Assign every module teaching 《law》 article N, or any article of a chapter (a chapter cell of the heat
    map), to the department (and everyone below it), in one step."""
    dept = session.get(Department, department_id)
    if dept is None:
        raise ReportError("部门不存在，请刷新页面后重试")
    if chapter:
        numbers, topic = chapter_article_numbers(session, law, chapter), chapter
    else:
        numbers, topic = [article] if article else [], article_label(article) if article else ""
    modules = queries.modules_teaching(session, law, numbers) if numbers else []
    if not modules:
        raise ReportError(f"没有讲授《{law}》{topic}的学习模块，请先在“课程管理”中编写或导入相关模块")
    title = f"补学：《{law}》{topic}（{dept.name}）"
    try:
        return create_assignment(session, title=title, module_ids=[m.id for m in modules], law_name=None,
                                 department_ids=[dept.id], user_ids=[], due_date=due_date,
                                 note=f"根据薄弱条文分析布置：{dept.name_path} 的正确率低于 60%。",
                                 actor=actor, now=now)
    except CourseError as e:
        raise ReportError(str(e)) from e
