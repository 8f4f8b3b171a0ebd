"""Certificate use cases: issue on a pass of the counting attempt (or on completing a training assignment that
awards one), follow regrades, revoke; PDFs and zips.

Importing this module registers `on_attempt_graded` with the exams area, so every grading and regrade
re-evaluates the person's certificate inside the same transaction, and `on_module_completed` /
`on_assignment_created` with the courses area, so completing an assignment issues its certificate likewise.
"""

from __future__ import annotations

import logging
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import IO

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.certificates import pdf, queries
from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.certificates.models import Certificate
from lawtrain.courses.assignments import assigned_user_ids, assignment_module_ids, assignments_for_user
from lawtrain.courses.models import TrainingAssignment
from lawtrain.exams.availability import is_released
from lawtrain.exams.models import Attempt, AttemptStatus, Exam, ExamKind
from lawtrain.settings import services as org_settings
from lawtrain.settings.context import current as current_org_settings
from lawtrain.storage import services as storage
from lawtrain.timeutil import local_date, to_local

log = logging.getLogger(__name__)

# Revocation reasons are stored data shown as written (also when a regrade runs from the command line).
REGRADE_FAIL_REASON = "重新评分后未通过"
LAST_ATTEMPT_FAIL_REASON = "最后一次考试未通过（以最后一次成绩为准）"


class CertificateError(Exception):
    """A certificate use case refused; the message (a lazy string, translated when shown) is for the person."""


@dataclass(frozen=True)
class CertificateSettings:
    """The configuration issuing needs (LAWTRAIN_CERT_PREFIX, LAWTRAIN_CERT_VALID_YEARS)."""

    prefix: str = "BSYJ"
    valid_years: int = 3

    @classmethod
    def from_config(cls, config: Mapping) -> CertificateSettings:
        return cls(prefix=str(config.get("LAWTRAIN_CERT_PREFIX") or "BSYJ"),
                   valid_years=int(config.get("LAWTRAIN_CERT_VALID_YEARS") or 0))


# ------------------------------------------------------------------ dates and numbers


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def valid_until_for(issued_at: datetime, valid_years: int) -> date | None:
    """The last local day a certificate is valid: issued 2025-06-16 for 3 years -> 2028-06-15; 0 -> no expiry."""
    if valid_years <= 0:
        return None
    return add_years(local_date(issued_at), valid_years) - timedelta(days=1)


def _next_serial(session: Session, prefix: str, year: int) -> tuple[str, int]:
    last = session.scalar(select(func.max(Certificate.serial_no)).where(Certificate.serial_year == year)) or 0
    return f"{prefix}-{year}-{last + 1:06d}", last + 1


def new_code() -> str:
    """A verification code: 96 random bits, URL-safe."""
    return secrets.token_urlsafe(12)


# ------------------------------------------------------------------ issue rules (no commit)


def _snapshot_person(cert: Certificate, user: User) -> None:
    cert.person_name = user.display_name
    cert.staff_no = user.staff_no
    cert.department_path = user.department.name_path if user.department else None


def _snapshot(session: Session, cert: Certificate, attempt: Attempt, user: User, exam: Exam) -> None:
    _snapshot_person(cert, user)
    cert.attempt_id = attempt.id
    cert.exam_title = exam.title
    cert.laws = queries.laws_covered(session, exam, attempt)
    cert.score, cert.max_score, cert.percent = attempt.score or 0.0, attempt.max_score or 0.0, attempt.percent or 0.0
    cert.exam_date = local_date(attempt.submitted_at or attempt.graded_at or attempt.started_at)


def issue_new(session: Session, user: User, settings: CertificateSettings, now: datetime, actor, *,
               source: dict[str, int], snapshot: Callable[[Certificate], None], **audit_values) -> Certificate:
    """A new certificate for `user` earned by `source` ({"exam_id": …} or {"assignment_id": …}), with the
    next serial of the year; a concurrent issue taking the same number makes it take the next one."""
    year = local_date(now).year
    for _try in range(5):
        serial, number = _next_serial(session, settings.prefix, year)
        cert = Certificate(user_id=user.id, serial=serial, serial_year=year, serial_no=number, code=new_code(),
                           issued_at=now, updated_at=now, valid_until=valid_until_for(now, settings.valid_years),
                           **source)
        snapshot(cert)
        try:
            with session.begin_nested():
                session.add(cert)
        except IntegrityError:
            if session.scalar(select(Certificate).filter_by(user_id=user.id, **source)) is not None:
                raise
            continue
        audit.record(session, "certificate.issue", actor=actor, target_type="certificate", target_id=cert.id,
                     now=now, serial=cert.serial, user=user.username, **source, **audit_values)
        return cert
    raise CertificateError(_l("证书编号分配失败，请重试"))


def _issue(session: Session, attempt: Attempt, settings: CertificateSettings, now: datetime, actor) -> Certificate:
    user = session.get(User, attempt.user_id)
    exam = attempt.exam
    return issue_new(session, user, settings, now, actor, source={"exam_id": exam.id},
                      snapshot=lambda cert: _snapshot(session, cert, attempt, user, exam),
                      attempt_id=attempt.id, score=attempt.score)


def sync_certificate(session: Session, exam: Exam, user_id: int, settings: CertificateSettings, *,
                     now: datetime, regrade: bool = False, actor=None) -> Certificate | None:
    """Bring the person's certificate for `exam` in line with the attempt that counts (flushes, no commit).

    Pass and none yet: issue. Pass and revoked by an earlier regrade: reinstate with a fresh snapshot.
    Pass with another score or attempt: update the snapshot. The counting attempt fails: revoke.
    A contest's hidden exam earns no pass certificate: its prizes earn award certificates (awards.py).
    """
    if exam.kind != ExamKind.EXAM:
        return None
    cert = session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.exam_id == exam.id))
    counting = queries.counting_attempt(session, exam, user_id)
    if counting is not None and counting.passed:
        if cert is None:
            return _issue(session, counting, settings, now, actor)
        if cert.revoked_at is not None:
            if not cert.is_auto_revoked:
                return cert  # an administrator's revocation stands
            _snapshot(session, cert, counting, session.get(User, user_id), exam)
            cert.revoked_at = cert.revoke_reason = cert.revoked_by_id = None
            cert.is_auto_revoked = False
            cert.updated_at = now
            audit.record(session, "certificate.reinstate", actor=actor, target_type="certificate",
                         target_id=cert.id, now=now, serial=cert.serial, attempt_id=counting.id, score=counting.score)
        elif (cert.attempt_id, cert.score, cert.max_score) != (counting.id, counting.score, counting.max_score):
            before = cert.score
            cert.attempt_id = counting.id
            cert.score, cert.max_score, cert.percent = counting.score, counting.max_score, counting.percent
            cert.exam_date = local_date(counting.submitted_at or now)
            cert.updated_at = now
            audit.record(session, "certificate.rescore", actor=actor, target_type="certificate", target_id=cert.id,
                         now=now, serial=cert.serial, before=before, after=cert.score, attempt_id=counting.id)
        session.flush()
        return cert
    if cert is not None and cert.revoked_at is None:
        reason = REGRADE_FAIL_REASON if regrade or exam.counting != "last" else LAST_ATTEMPT_FAIL_REASON
        _revoke(session, cert, reason, actor=actor, now=now, automatic=True)
        session.flush()
    return cert


def _revoke(session: Session, cert: Certificate, reason: str, *, actor, now: datetime, automatic: bool,
            ip: str | None = None) -> None:
    cert.revoked_at, cert.revoke_reason = now, reason[:255]
    cert.revoked_by_id = getattr(actor, "id", None)
    cert.is_auto_revoked = automatic
    cert.updated_at = now
    audit.record(session, "certificate.revoke", actor=actor, target_type="certificate", target_id=cert.id, ip=ip,
                 now=now, serial=cert.serial, reason=cert.revoke_reason, automatic=automatic)


def current_settings() -> CertificateSettings:
    """Settings in force in the running app — the prefix an administrator saved (organisation settings),
    else the environment's — or the defaults outside an app context (e.g. a bare script)."""
    if not has_app_context():
        return CertificateSettings()
    return replace(CertificateSettings.from_config(current_app.config), prefix=current_org_settings().cert_prefix)


def on_attempt_graded(_sender, *, session: Session, attempt: Attempt, previous_passed: bool | None,
                      now: datetime) -> None:
    """Receiver of signals.attempt_graded: re-evaluate the certificate whenever an attempt is graded or regraded
    — once the exam's results are released. Before, a certificate (its verify page, the API, even its absence)
    would tell the result early; on_results_released issues them at the release."""
    if attempt.status != AttemptStatus.SUBMITTED or not is_released(attempt.exam, now):
        return
    sync_certificate(session, attempt.exam, attempt.user_id, current_settings(), now=now,
                     regrade=previous_passed is not None)


def on_results_released(_sender, *, session: Session, exam: Exam, now: datetime) -> None:
    """Receiver of signals.results_released: issue (or bring in line) the certificate of every sitter."""
    settings = current_settings()
    user_ids = session.scalars(select(Attempt.user_id).where(
        Attempt.exam_id == exam.id, Attempt.status == AttemptStatus.SUBMITTED).distinct()).all()
    for user_id in sorted(user_ids):
        sync_certificate(session, exam, user_id, settings, now=now)


# ------------------------------------------------------------------ training assignments (no commit)


def _snapshot_training(session: Session, cert: Certificate, assignment: TrainingAssignment, user: User,
                       module_ids: list[int], completion: queries.TrainingCompletion) -> None:
    _snapshot_person(cert, user)
    cert.exam_title = assignment.title
    cert.laws = queries.module_laws(session, module_ids)
    cert.module_count = completion.done
    cert.study_minutes = completion.seconds // 60
    cert.exam_date = local_date(completion.completed_at)


def sync_training_certificates(session: Session, assignment: TrainingAssignment, user_ids: Iterable[int],
                               settings: CertificateSettings, *, now: datetime, actor=None) -> list[Certificate]:
    """Issue the assignment's certificate to each of `user_ids` who has completed every one of its modules and
    holds none yet (flushes, no commit). Completion is never undone, so nothing here revokes."""
    if not assignment.awards_certificate:
        return []
    module_ids = assignment_module_ids(session, assignment)
    held = set(session.scalars(select(Certificate.user_id).where(Certificate.assignment_id == assignment.id)))
    completions = queries.training_completions(session, set(user_ids) - held, module_ids)
    issued = []
    for user_id, completion in sorted(completions.items()):
        if completion.done < len(module_ids):
            continue
        user = session.get(User, user_id)
        issued.append(issue_new(
            session, user, settings, now, actor, source={"assignment_id": assignment.id},
            snapshot=lambda cert, user=user, completion=completion: _snapshot_training(
                session, cert, assignment, user, module_ids, completion),
            modules=completion.done, study_minutes=completion.seconds // 60))
    return issued


def on_module_completed(_sender, *, session: Session, user_id: int, module_id: int, now: datetime) -> None:
    """Receiver of signals.module_completed: a completed module may complete an assignment that awards a certificate."""
    user = session.get(User, user_id)
    for assignment in assignments_for_user(session, user):
        if assignment.awards_certificate and module_id in assignment_module_ids(session, assignment):
            sync_training_certificates(session, assignment, [user_id], current_settings(), now=now)


def on_assignment_created(_sender, *, session: Session, assignment: TrainingAssignment, now: datetime) -> None:
    """Receiver of signals.assignment_created: people who had already completed its modules earn it at once."""
    if assignment.awards_certificate:
        sync_training_certificates(session, assignment, assigned_user_ids(session, assignment), current_settings(),
                                   now=now)



# ------------------------------------------------------------------ use cases (one commit each)


def issue_for_attempt(session: Session, attempt: Attempt, settings: CertificateSettings, *, now: datetime,
                      actor=None) -> Certificate:
    """The certificate earned by a passing counting attempt (issued now if missing); idempotent."""
    counting = queries.counting_attempt(session, attempt.exam, attempt.user_id)
    if counting is None or counting.id != attempt.id or not attempt.passed:
        raise CertificateError(_l("该次考试不是计分的合格成绩，不能发放证书"))
    cert = sync_certificate(session, attempt.exam, attempt.user_id, settings, now=now, actor=actor)
    session.commit()
    return cert


def issue_missing(session: Session, settings: CertificateSettings, *, now: datetime,
                  exam_id: int | None = None) -> int:
    """Issue every certificate earned but not yet issued (e.g. attempts graded before certificates existed, or
    training completed before its assignment awarded certificates); `exam_id` limits it to one exam."""
    stmt = (select(Attempt.exam_id, Attempt.user_id).distinct()
            .outerjoin(Certificate, (Certificate.exam_id == Attempt.exam_id) & (Certificate.user_id == Attempt.user_id))
            .where(Attempt.status == AttemptStatus.SUBMITTED, Attempt.passed.is_(True), Certificate.id.is_(None)))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    issued = 0
    for ex_id, user_id in session.execute(stmt.order_by(Attempt.exam_id, Attempt.user_id)).all():
        cert = sync_certificate(session, session.get(Exam, ex_id), user_id, settings, now=now)
        if cert is not None and cert.revoked_at is None:
            issued += 1
    if exam_id is None:
        for assignment in session.scalars(select(TrainingAssignment).where(
                TrainingAssignment.awards_certificate.is_(True)).order_by(TrainingAssignment.id)):
            issued += len(sync_training_certificates(session, assignment, assigned_user_ids(session, assignment),
                                                     settings, now=now))
    session.commit()
    return issued


def revoke_certificate(session: Session, cert: Certificate, reason: str, actor, now: datetime,
                       ip: str | None = None) -> Certificate:
    """An administrator withdraws a certificate, with a reason shown on the verify page."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("请填写撤销原因"))
    if cert.revoked_at is not None and not cert.is_auto_revoked:
        raise CertificateError(_l("该证书已被撤销"))
    # Revoking one a regrade revoked makes it the administrator's: a later passing regrade no longer reinstates it.
    _revoke(session, cert, reason, actor=actor, now=now, automatic=False, ip=ip)
    session.commit()
    return cert


# ------------------------------------------------------------------ PDF and zip


@dataclass(frozen=True)
class RenderOptions:
    """What every certificate of one request shares: issuer, verify base URL, font, seal."""

    org_name: str
    base_url: str
    font_name: str
    seal_png: bytes | None = None

    def verify_url(self, code: str) -> str:
        return f"{self.base_url.rstrip('/')}/verify/{code}"


SEAL_KIND = "seal"  # one stored file shared by every app server, uploaded by an administrator


def uploaded_seal(session: Session) -> bytes | None:
    return storage.load_named(session, SEAL_KIND)


def save_seal(session: Session, png: bytes, actor, now: datetime, ip: str | None = None) -> None:
    """Keep the (already cleaned) seal for every certificate drawn from now on; audited."""
    storage.put_named(session, SEAL_KIND, png, now=now)
    audit.record(session, "certificate.seal_set", actor=actor, target_type="seal", ip=ip, now=now, bytes=len(png))
    session.commit()


def remove_seal(session: Session, actor, now: datetime, ip: str | None = None) -> None:
    storage.forget(session, SEAL_KIND, storage.named_token(SEAL_KIND))
    audit.record(session, "certificate.seal_removed", actor=actor, target_type="seal", ip=ip, now=now)
    session.commit()


def render_options(session: Session, config: Mapping, base_url: str) -> RenderOptions:
    """Options from the organisation settings (name), LAWTRAIN_CJK_FONT and the seal — LAWTRAIN_SEAL_IMAGE
    (a PNG path) when set, else the seal an administrator uploaded (in the database), else none."""
    seal = None
    configured = config.get("LAWTRAIN_SEAL_IMAGE")
    if configured:
        try:
            with open(configured, "rb") as f:
                seal = f.read()
        except OSError as e:
            log.warning("seal image %s cannot be read (%s); certificates carry no seal", configured, e)
    else:
        seal = uploaded_seal(session)
    return RenderOptions(org_name=org_settings.effective(session, config).org_name, base_url=base_url,
                         font_name=get_cjk_font(config.get("LAWTRAIN_CJK_FONT") or None), seal_png=seal)


def number_text(x: float | None) -> str:
    """86.0 -> "86", 86.5 -> "86.5"."""
    if x is None:
        return "—"
    return f"{x:.1f}".rstrip("0").rstrip(".")


def hours_text(minutes: int | None) -> str:
    """Study time as the annual report counts it: 90 -> "1.5"; 0 or None -> "0"."""
    return number_text(round((minutes or 0) / 60, 1))


def achievement_text(cert: Certificate) -> str:
    """What the certificate attests, as printed: the score, or the modules completed and the study hours.
    Printed data, so always Chinese (as the rest of the PDF)."""
    if cert.is_award:
        return award_text(cert.award_prize, cert.award_rank)
    if cert.is_training:
        return f"完成 {cert.module_count or 0} 个学习模块，学习 {hours_text(cert.study_minutes)} 小时"
    return f"{number_text(cert.score)} 分（满分 {number_text(cert.max_score)} 分）"


def award_text(prize: str | None, rank: int | None) -> str:
    """一等奖（第 1 名）; a prize without a place (参与证书) stands alone."""
    return f"{prize or '—'}（第 {rank} 名）" if rank else (prize or "—")


def certificate_pdf(cert: Certificate, options: RenderOptions) -> bytes:
    """The certificate's PDF, drawn from its snapshot."""
    return pdf.render_certificate(
        org_name=options.org_name, title=pdf.TITLES[cert.kind], person_name=cert.person_name,
        department=(cert.department_path or "").replace("/", " "), staff_no=cert.staff_no or "",
        exam_title=cert.exam_title, laws=list(cert.laws or []), score_text=achievement_text(cert),
        exam_date=cert.exam_date, serial=cert.serial, issued_on=local_date(cert.issued_at),
        valid_until=cert.valid_until, verify_url=options.verify_url(cert.code), seal_png=options.seal_png,
        font_name=options.font_name, kind=cert.kind,
        void_note="已撤销" if cert.revoked_at is not None else None)


_WINDOWS_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(name: str, fallback: str = "证书") -> str:
    """A file name Windows accepts: no \\/:*?"<>| or control characters, no trailing dots or spaces."""
    name = _WINDOWS_FORBIDDEN.sub("_", name).strip().rstrip(". ")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name[:150] or fallback


def zip_member_name(cert: Certificate) -> str:
    """工号_姓名_证书编号.pdf, safe for Windows."""
    return safe_filename(f"{cert.staff_no or '无工号'}_{cert.person_name}_{cert.serial}") + ".pdf"


def write_zip(certs: Iterable[Certificate], out: IO[bytes], render: Callable[[Certificate], bytes]) -> int:
    """Write each certificate's PDF into a deflated zip on `out`; returns how many."""
    n = 0
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for cert in certs:
            name = zip_member_name(cert)
            if name in seen:
                name = f"{name[:-4]}_{cert.id}.pdf"
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=to_local(cert.issued_at).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED  # zipfile marks non-ASCII names as UTF-8 itself
            zf.writestr(info, render(cert))
            n += 1
    return n
