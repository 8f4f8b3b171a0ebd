"""Award certificates (获奖证书): the certificate engine's door for the contests area.

A contest (online or live) decides who won what; this module turns each prize into a certificate with the
shared serials, verify codes, PDFs and zips. It never reads a contest: the contest passes its kind, id and title.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.certificates.models import AwardSource, Certificate
from lawtrain.certificates.services import _revoke, _snapshot_person, current_settings, issue_new

__all__ = ["AwardSource", "issue_award", "revoke_awards"]

PARTICIPATION = "参与证书"  # the prize text of a participation certificate


def _snapshot_award(cert: Certificate, user: User, *, title: str, prize: str, rank: int | None,
                    awarded_on: date) -> None:
    _snapshot_person(cert, user)
    cert.exam_title = title
    cert.laws = []
    cert.award_prize = prize
    cert.award_rank = rank
    cert.exam_date = awarded_on


def issue_award(session: Session, *, user_id: int, source: AwardSource, source_id: int, title: str, prize: str,
                rank: int | None, awarded_on: date, actor, now: datetime) -> Certificate:
    """The person's certificate for a prize in a contest (flushes, no commit). Idempotent: a second call for
    the same person and contest updates the prize and place of the one already issued (a re-run close after
    a correction), and reinstates it if it had been revoked by `revoke_awards`."""
    source = AwardSource(source)
    user = session.get(User, user_id)
    cert = session.scalar(select(Certificate).where(Certificate.user_id == user_id,
                                                    Certificate.award_source == source,
                                                    Certificate.award_source_id == source_id))
    if cert is None:
        return issue_new(session, user, current_settings(), now, actor,
                         source={"award_source": str(source), "award_source_id": source_id},
                         snapshot=lambda c: _snapshot_award(c, user, title=title, prize=prize, rank=rank,
                                                            awarded_on=awarded_on),
                         prize=prize, rank=rank)
    changed = (cert.award_prize, cert.award_rank, cert.revoked_at is not None) != (prize, rank, False)
    if changed:
        _snapshot_award(cert, user, title=title, prize=prize, rank=rank, awarded_on=awarded_on)
        cert.revoked_at = cert.revoke_reason = cert.revoked_by_id = None
        cert.is_auto_revoked = False
        cert.updated_at = now
        audit.record(session, "certificate.reaward", actor=actor, target_type="certificate", target_id=cert.id,
                     now=now, serial=cert.serial, prize=prize, rank=rank)
        session.flush()
    return cert


def revoke_awards(session: Session, *, source: AwardSource, source_id: int, reason: str, actor,
                  now: datetime) -> int:
    """Revoke every standing award certificate of one contest (flushes, no commit); returns how many."""
    certs = session.scalars(select(Certificate).where(Certificate.award_source == AwardSource(source),
                                                      Certificate.award_source_id == source_id,
                                                      Certificate.revoked_at.is_(None))).all()
    for cert in certs:
        _revoke(session, cert, reason, actor=actor, now=now, automatic=True)
    session.flush()
    return len(certs)
