"""Demo certificates: everyone whose counting attempt at a past demo exam passed holds one (idempotent).

Grading already issues certificates through the exams listener; this pass catches attempts graded while
the certificates area was not loaded, through the same service.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lawtrain.certificates import services
from lawtrain.certificates.models import Certificate


def seed_demo(session: Session, ctx) -> None:
    added = services.issue_missing(session, services.current_settings(), now=ctx.now)
    total = session.scalar(select(func.count(Certificate.id))) or 0
    if total:
        ctx.notes.append(f"证书：{total} 张合格证书" + (f"（本次补发 {added} 张）" if added else ""))
