"""How the courses area's audit entries read: labels, the module's, task's and law's names, fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lawtrain.auth import audit
from lawtrain.courses.models import CourseModule, Law, LawRevision, TrainingAssignment


def _module_titles(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(CourseModule.id, CourseModule.title).where(CourseModule.id.in_(ids))).all())


def _assignment_titles(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(TrainingAssignment.id, TrainingAssignment.title)
                                .where(TrainingAssignment.id.in_(ids))).all())


def _revision_names(session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(LawRevision.id, Law.short_name, LawRevision.revision_date)
                           .join(Law, Law.id == LawRevision.law_id).where(LawRevision.id.in_(ids)))
    return {i: f"《{name}》{day.isoformat()}" for i, name, day in rows}


def describe() -> None:
    audit.describe(
        actions={"law.imported": _l("导入法律文本"), "module.created": _l("新建学习模块"),
                 "module.changed": _l("修改学习模块"), "module.reviewed": _l("复核学习模块"),
                 "course.imported": _l("导入课程"), "assignment.created": _l("布置学习任务")},
        targets={"course_module": (_l("学习模块"), _module_titles),
                 "training_assignment": (_l("学习任务"), _assignment_titles),
                 "law_revision": (_l("法律版本"), _revision_names), "course": (_l("课程"), None)},
        details={"revision_date": _l("修订日期"), "articles": _l("条数"), "affected": _l("受影响条文"),
                 "awards_certificate": _l("颁发培训证书"), "assignment": _l("学习任务")},
    )
