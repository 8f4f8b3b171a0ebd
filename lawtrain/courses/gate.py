"""The training gate: has a person finished the required modules and study minutes before an exam?"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lawtrain.courses.models import CourseModule, StudyRecord, StudyTimeEntry
from lawtrain.i18n import translate as _

# Channels that count towards a gate's minimum study minutes (time spent in exams does not).
GATE_CHANNELS = ("reading", "practice")


@dataclass(frozen=True)
class GateResult:
    ok: bool
    missing: list[str] = field(default_factory=list)


def study_seconds_by_law(session: Session, user_id: int, channels=GATE_CHANNELS) -> dict[str, int]:
    """All-time study seconds per law short name for one person."""
    rows = session.execute(
        select(StudyTimeEntry.law_name, func.sum(StudyTimeEntry.seconds))
        .where(StudyTimeEntry.user_id == user_id, StudyTimeEntry.channel.in_(channels))
        .group_by(StudyTimeEntry.law_name)
    )
    return {law: int(seconds or 0) for law, seconds in rows}


def check_gate(session: Session, user_id: int, gate: dict | None) -> GateResult:
    """Check {"modules": [ids], "minutes": {"安全生产法": 30}}; `missing` says in Chinese what is still to do."""
    gate = gate or {}
    missing: list[str] = []
    module_ids = [int(m) for m in gate.get("modules") or []]
    if module_ids:
        modules = {m.id: m for m in session.scalars(select(CourseModule).where(CourseModule.id.in_(module_ids)))}
        done = set(session.scalars(select(StudyRecord.module_id).where(
            StudyRecord.user_id == user_id, StudyRecord.module_id.in_(module_ids),
            StudyRecord.completed_at.is_not(None))))
        for module_id in module_ids:
            module = modules.get(module_id)
            if module is None:
                missing.append(_("要求的学习模块（编号 %(id)d）已不存在，请联系培训管理员", id=module_id))
            elif module_id not in done:
                missing.append(_("学习模块“%(title)s”", title=module.title))
    minutes = gate.get("minutes") or {}
    if minutes:
        studied = study_seconds_by_law(session, user_id)
        for law, required in minutes.items():
            short = max(0, int(required) * 60 - studied.get(law, 0))
            if short > 0:
                missing.append(_("%(law)s 学习时长还差 %(minutes)d 分钟", law=law, minutes=math.ceil(short / 60)))
    return GateResult(ok=not missing, missing=missing)
