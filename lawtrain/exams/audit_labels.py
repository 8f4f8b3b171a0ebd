"""How the exams area's audit entries and attempt events read: labels, the exam's title, fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lawtrain.auth import audit
from lawtrain.exams.models import Exam
from lawtrain.i18n import translate

# An attempt's event log (exams.log.add_event kinds), as the trainer's attempt page words it.
EVENT_LABELS = {
    "started": _l("开始作答"), "resumed": _l("继续作答"), "saved": _l("保存答案"), "submitted": _l("交卷"),
    "auto_closed": _l("时间到自动交卷"), "focus_lost": _l("离开考试页面"), "focus_back": _l("回到考试页面"),
    "regraded": _l("重新评分"), "override_granted": _l("延长作答时间"),
}
FINISH_REASONS = {"submitted": _l("本人提交"), "timeout": _l("时间到自动交卷"), "tab_limit": _l("切屏超限自动交卷"),
                  "time_up": _l("时间到自动交卷")}


def _exam_titles(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Exam.id, Exam.title).where(Exam.id.in_(ids))).all())


def _reason(value) -> str:
    return str(FINISH_REASONS.get(value, value)) if value else "—"


def describe() -> None:
    audit.describe(
        actions={"exam.save": _l("保存考试"), "exam.publish": _l("发布考试"), "exam.archive": _l("归档考试"),
                 "exam.release": _l("公布成绩"), "exam.override": _l("个别安排"), "exam.regrade": _l("重新评分")},
        targets={"exam": (_l("考试"), _exam_titles)},
        details={"attempts": _l("答卷数"), "pass_changes": _l("及格情况改变"), "changes": _l("改分明细"),
                 "extra_minutes": _l("延长分钟"), "question_id": _l("试题"), "seq": _l("保存序号"),
                 "questions": _l("题数"), "pregenerated": _l("预生成试卷"), "form": _l("无脚本表单提交"),
                 "answers": _l("答案数"), "away_seconds": _l("离开秒数"), "score": _l("得分"),
                 "max_score": _l("满分"), "ip": _l("IP"), "voided": _l("作废题数"), "regraded": _l("重评答卷"),
                 "attempt_id": _l("答卷"), "late": _l("超时保存"), "in_progress": _l("作答中答卷"),
                 "question": _l("试题")},
        formatters={"reason": _reason},
    )


def event_fields(detail: dict | None, positions: dict[int, int]) -> list[tuple[str, str]]:
    """An attempt event's details as fields; a question is named by its place on the paper (第3题)."""
    detail = dict(detail or {})
    if "question_id" in detail and detail["question_id"] in positions:
        detail["question_id"] = translate("第%(n)s题", n=positions[detail["question_id"]])
    return audit.detail_fields(detail)
