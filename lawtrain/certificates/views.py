"""Pages of the certificates area: my certificates, downloads, trainer/leader lists, zip, revoke,
the JSON list, and the public verify page."""

from __future__ import annotations

import base64
import io
import tempfile
from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from lawtrain import nav
from lawtrain.auth.models import User
from lawtrain.auth.policy import ADMINS, TRAINERS, TRAINERS_AND_LEADERS, login_required, public, roles_required
from lawtrain.auth.roles import ADMIN, LEADER, STAFF, TRAINER
from lawtrain.auth.sessions import client_ip
from lawtrain.certificates import queries, services
from lawtrain.certificates.forms import RevokeForm, SealForm
from lawtrain.certificates.models import Certificate
from lawtrain.certificates.seal import MAX_SEAL_BYTES, SealError, clean_seal_png
from lawtrain.courses.models import TrainingAssignment
from lawtrain.exams.models import Exam
from lawtrain.extensions import db
from lawtrain.org.services import subtree_ids, visible_root
from lawtrain.settings.context import current as current_org_settings
from lawtrain.timeutil import iso_utc, local_date, utcnow

bp = Blueprint("certificates", __name__)  # no prefix: /certificates/..., /api/certificates, /verify/<code>

STATUS_LABELS = {"valid": _l("有效"), "expired": _l("已过期"), "revoked": _l("已撤销")}
VERIFY_WINDOW = 600  # seconds
VERIFY_MAX_UNKNOWN = 30  # unknown codes per address per window before 429


def _home_panel(session, user, now):
    certs = session.scalars(queries.user_certificates(user.id).limit(3)).all()
    return {"certs": certs, "today": local_date(now)}


nav.add_nav(_l("我的证书"), "certificates.index", {STAFF}, 45)
nav.add_nav(_l("证书管理"), "certificates.manage", {TRAINER, ADMIN, LEADER}, 60)
nav.add_admin_page(_l("证书印章"), "certificates.seal")  # an administrator's setting: under 系统管理
nav.add_home_panel("certificates/_home_panel.html", {STAFF}, _home_panel, 40)


@bp.app_context_processor
def _labels():
    return {"certificate_status_labels": STATUS_LABELS}


bp.add_app_template_filter(services.number_text, "cert_number")
bp.add_app_template_filter(services.hours_text, "cert_hours")


# ------------------------------------------------------------------ helpers


def _today() -> date:
    return local_date(utcnow())


def _scope() -> Select | None:
    """Departments whose people's certificates the user may see: None = all (trainers, admins, bureau leaders)."""
    if current_user.has_role(TRAINER, ADMIN):
        return None
    root = visible_root(current_user)
    return subtree_ids(db.session, root) if root is not None else None


def _viewable(cert_id: int) -> Certificate:
    """The owner, trainers and admins, and leaders over the owner's department; 404 for anyone else."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        abort(404)
    if cert.user_id == current_user.id or current_user.has_role(TRAINER, ADMIN):
        return cert
    if current_user.has_role(LEADER):
        scope = _scope()
        if scope is None or db.session.scalar(select(User.id).where(User.id == cert.user_id,
                                                                      User.department_id.in_(scope))):
            return cert
    abort(404)


def _render_options() -> services.RenderOptions:
    base = current_org_settings().base_url or request.url_root
    return services.render_options(db.session, current_app.config, base)


def _verify_url(cert: Certificate) -> str:
    base = current_org_settings().base_url
    if base:
        return services.RenderOptions("", base, "").verify_url(cert.code)
    return url_for("certificates.verify", code=cert.code, _external=True)


# ------------------------------------------------------------------ staff


@bp.get("/certificates/")
@login_required
def index():
    certs = db.session.scalars(queries.user_certificates(current_user.id)).all()
    return render_template("certificates/index.html", certs=certs, today=_today())


@bp.get("/certificates/<int:cert_id>.pdf")
@login_required
def download(cert_id: int):
    cert = _viewable(cert_id)
    if cert.revoked_at is not None and not current_user.has_role(TRAINER, ADMIN):
        flash(_("该证书已撤销，不能再下载。"), "error")
        return redirect(url_for("certificates.index"))
    data = services.certificate_pdf(cert, _render_options())
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=services.zip_member_name(cert))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/api/certificates")
@login_required
def api_list():
    today = _today()
    certs = db.session.scalars(queries.user_certificates(current_user.id)).all()
    return jsonify([{
        "id": c.id, "serial": c.serial, "status": c.status_on(today),
        "kind": str(c.kind), "exam_id": c.exam_id, "assignment_id": c.assignment_id,
        "award_source": c.award_source, "award_source_id": c.award_source_id,
        "prize": c.award_prize, "rank": c.award_rank,
        "exam_title": c.exam_title, "score": c.score, "max_score": c.max_score,
        "modules": c.module_count, "study_minutes": c.study_minutes,
        "issued_at": iso_utc(c.issued_at), "valid_until": c.valid_until.isoformat() if c.valid_until else None,
        "revoked_at": iso_utc(c.revoked_at), "pdf_url": url_for("certificates.download", cert_id=c.id),
        "verify_url": _verify_url(c),
    } for c in certs])


# ------------------------------------------------------------------ trainers, leaders, admins


@bp.get("/certificates/manage")
@roles_required(*TRAINERS_AND_LEADERS)
def manage():
    scope = _scope()
    return render_template("certificates/manage.html",
                           rows=db.session.execute(queries.exams_with_certificates(scope)).all(),
                           training_rows=db.session.execute(queries.assignments_with_certificates(scope)).all())


def _source_list(title: str, certs: Select, endpoint: str, **args):
    """One exam's or assignment's certificates (in the viewer's subtree), 50 a page."""
    page = db.paginate(certs, per_page=50, error_out=False)
    return render_template("certificates/source_list.html", title=title, page=page, today=_today(),
                           endpoint=endpoint, args=args)


def zip_response(title: str, source_certs: Select, back: str, *, suffix: str = "证书"):
    """The source's unrevoked certificates as one zip of PDFs (named title_suffix.zip), spooled to disk beyond
    32 MB; with none, a flash and a redirect to back. Also used by the contests' award downloads."""
    certs = db.session.scalars(queries.not_revoked(source_certs)).all()
    if not certs:
        flash(_("还没有可下载的有效证书。"), "info")
        return redirect(back)
    options = _render_options()
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    services.write_zip(certs, out, lambda c: services.certificate_pdf(c, options))
    out.seek(0)
    response = send_file(out, mimetype="application/zip", as_attachment=True,
                         download_name=services.safe_filename(f"{title}_{suffix}") + ".zip")
    response.call_on_close(out.close)
    return response


@bp.get("/certificates/exams/<int:exam_id>")
@roles_required(*TRAINERS_AND_LEADERS)
def exam_list(exam_id: int):
    exam = db.session.get(Exam, exam_id) or abort(404)
    return _source_list(exam.title, queries.exam_certificates(exam.id, _scope()), "certificates.exam", exam_id=exam.id)


@bp.get("/certificates/exams/<int:exam_id>/zip")
@roles_required(*TRAINERS)
def exam_zip(exam_id: int):
    exam = db.session.get(Exam, exam_id) or abort(404)
    return zip_response(exam.title, queries.exam_certificates(exam.id), url_for("certificates.exam_list",
                                                                                  exam_id=exam.id))


@bp.get("/certificates/assignments/<int:assignment_id>")
@roles_required(*TRAINERS_AND_LEADERS)
def assignment_list(assignment_id: int):
    assignment = db.session.get(TrainingAssignment, assignment_id) or abort(404)
    return _source_list(assignment.title, queries.assignment_certificates(assignment.id, _scope()),
                        "certificates.assignment", assignment_id=assignment.id)


@bp.get("/certificates/assignments/<int:assignment_id>/zip")
@roles_required(*TRAINERS)
def assignment_zip(assignment_id: int):
    assignment = db.session.get(TrainingAssignment, assignment_id) or abort(404)
    return zip_response(assignment.title, queries.assignment_certificates(assignment.id),
                         url_for("certificates.assignment_list", assignment_id=assignment.id))


def _list_url(cert: Certificate) -> str:
    if cert.is_award:
        return url_for("certificates.manage")  # a contest's own pages list its awards
    if cert.is_training:
        return url_for("certificates.assignment_list", assignment_id=cert.assignment_id)
    return url_for("certificates.exam_list", exam_id=cert.exam_id)


@bp.route("/certificates/<int:cert_id>/revoke", methods=["GET", "POST"])
@roles_required(*ADMINS)
def revoke(cert_id: int):
    cert = db.session.get(Certificate, cert_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(db.session, cert, form.reason.data, current_user, utcnow(), ip=client_ip())
        except services.CertificateError as e:
            flash(str(e), "error")
        else:
            flash(_("证书 %(serial)s 已撤销。", serial=cert.serial), "success")
        return redirect(_list_url(cert))
    return render_template("certificates/revoke.html", cert=cert, form=form, today=_today(), back=_list_url(cert))


@bp.route("/certificates/seal", methods=["GET", "POST"])
@roles_required(*ADMINS)
def seal():
    """The organisation's seal printed on every certificate: upload, see, remove."""
    form = SealForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            png = clean_seal_png(upload.read(MAX_SEAL_BYTES + 1), upload.filename or "seal.png")
        except SealError as e:
            form.file.errors.append(str(e))
        else:
            services.save_seal(db.session, png, current_user, utcnow(), ip=client_ip())
            flash(_("印章已更新，此后下载的证书都会盖上新印章。"), "success")
            return redirect(url_for("certificates.seal"))
    kept = services.uploaded_seal(db.session)
    configured = bool(current_app.config.get("LAWTRAIN_SEAL_IMAGE"))
    current = base64.b64encode(kept).decode() if kept and not configured else None
    return render_template("certificates/seal.html", form=form, current=current,
                           configured=configured), 400 if form.errors else 200


@bp.post("/certificates/seal/remove")
@roles_required(*ADMINS)
def remove_seal():
    services.remove_seal(db.session, current_user, utcnow(), ip=client_ip())
    flash(_("印章已移除，此后的证书不再盖章。"), "success")
    return redirect(url_for("certificates.seal"))


# ------------------------------------------------------------------ public verification


def mask_name(name: str) -> str:
    """张三伟 -> 张*伟, 张伟 -> 张*, 欧阳娜娜 -> 欧**娜."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@bp.get("/verify/<code>")
@public
def verify(code: str):
    store = current_app.extensions["login_throttle"].store
    key = f"cv:addr:{client_ip()}"
    limit = int(current_app.config.get("LAWTRAIN_VERIFY_MAX_UNKNOWN", VERIFY_MAX_UNKNOWN))
    cert = queries.by_code(db.session, code[:64])
    if cert is None:  # only guessing is throttled: a real code always answers (codes are far too long to guess)
        if store.get(key) > limit:
            return render_template("certificates/verify.html", cert=None, throttled=True), 429
        store.incr(key, VERIFY_WINDOW)
        return render_template("certificates/verify.html", cert=None, throttled=False), 404
    today = _today()
    return render_template("certificates/verify.html", cert=cert, status=cert.status_on(today),
                           masked_name=mask_name(cert.person_name),
                           org_name=current_org_settings().org_name)
