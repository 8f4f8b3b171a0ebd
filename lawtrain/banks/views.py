"""Pages of the banks area: bank list, question authoring, import (upload -> preview -> confirm), export."""

from __future__ import annotations

import io
from dataclasses import replace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth.policy import TRAINERS, roles_required
from lawtrain.auth.roles import TRAINER
from lawtrain.auth.sessions import client_ip
from lawtrain.auth.views import safe_next
from lawtrain.banks import cases, importing, queries, revisions, services
from lawtrain.banks.formats.detect import FORMATS, WRITABLE, FormatError, parse_file
from lawtrain.banks.formats.template import build_template_xlsx
from lawtrain.banks.forms import (
    DIFFICULTY_LABELS,
    FORMAT_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    BankKindForm,
    CaseForm,
    FilterForm,
    QuestionForm,
    UploadForm,
    answer_text,
    basis_text,
)
from lawtrain.banks.models import Bank, BankKind, Question
from lawtrain.display import article_label
from lawtrain.extensions import db
from lawtrain.forms import choices
from lawtrain.html import render_markdown
from lawtrain.storage import services as storage
from lawtrain.timeutil import utcnow

bp = Blueprint("banks", __name__, url_prefix="/banks")

_MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "csv": "text/csv", "gift": "text/plain", "moodle_xml": "application/xml", "json": "application/json"}
_EXPORT_SUFFIX = {"xlsx": "xlsx", "csv": "csv", "gift": "gift.txt", "moodle_xml": "xml", "json": "json"}


@bp.app_template_filter("answer_text")
def _answer_text_filter(answer, qtype):
    return answer_text(qtype, answer)


@bp.app_template_filter("basis_text")
def _basis_text_filter(basis):
    return basis_text(basis, label=article_label)  # read on a page: the official 第二十一条


@bp.app_template_filter("case_markdown")
def _case_markdown_filter(text):
    """A case text (Markdown, may hold a short table) as sanitised HTML."""
    return render_markdown(text)


@bp.app_template_filter("place")
def _place_filter(location) -> str:
    """Where a record sits in its file, without the file name (the page names the file once)."""
    return replace(location, file="").describe()


@bp.context_processor
def _labels():
    return {"type_labels": TYPE_LABELS, "status_labels": STATUS_LABELS, "difficulty_labels": DIFFICULTY_LABELS,
            "format_labels": FORMAT_LABELS, "kind_labels": KIND_LABELS, "writable_formats": WRITABLE,
            "letters": "ABCDEFGH"}


# ------------------------------------------------------------------ helpers


def _bank_or_404(bank_id: int) -> Bank:
    return db.session.get(Bank, bank_id) or abort(404)


def _question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.current_version is None:
        abort(404)
    return question


UPLOAD_KIND = "bank_upload"


def _save_upload(data: bytes, meta: dict) -> str:
    """Keep the file in the database until the trainer confirms (the confirm may reach another server)."""
    token = storage.keep(db.session, UPLOAD_KIND, data, meta, owner_id=current_user.id, now=utcnow())
    session["bank_uploads"] = [*session.get("bank_uploads", [])[-4:], token]
    return token


def _load_upload(token: str) -> tuple[bytes, dict]:
    """The upload kept for this user's session, or 404 (unknown, someone else's, or older than an hour)."""
    if token not in session.get("bank_uploads", []):
        abort(404)
    kept = storage.load(db.session, UPLOAD_KIND, token, owner_id=current_user.id, now=utcnow()) or abort(404)
    return kept.data, kept.meta


def _forget_upload(token: str) -> None:
    """Drop the upload in the import's own transaction (kept if the import fails)."""
    storage.forget(db.session, UPLOAD_KIND, token)


def _dry_run(data: bytes, meta: dict, *, dry_run: bool = True):
    """Parse the kept upload and run the import against its bank (new or existing)."""
    result = parse_file(data, meta["filename"], meta.get("fmt") or None)
    bank = db.session.get(Bank, meta["bank_id"]) if meta.get("bank_id") else None
    if bank is None:
        bank = services.build_bank(db.session, meta.get("new_bank_name") or result.bank_name or "",
                                   owner=current_user, description=result.bank_description,
                                   kind=meta.get("new_bank_kind") or BankKind.PRACTICE, now=utcnow())
    report = importing.import_records(db.session, bank, result, actor=current_user, now=utcnow(),
                                      dry_run=dry_run)
    return bank, report


def _filters(form: FilterForm) -> services.QuestionFilters:
    difficulty = form.difficulty.data
    return services.QuestionFilters(
        q=(form.q.data or "").strip()[:200],
        type=form.type.data if form.type.data in TYPE_LABELS else "",
        difficulty=int(difficulty) if difficulty in {"1", "2", "3", "4", "5"} else None,
        article=form.article.data if form.article.validate(form) else None,
        tag=(form.tag.data or "")[:64],
        law=(form.law.data or "")[:64],
        status=form.status.data if form.status.data in STATUS_LABELS else "",
    )


# ------------------------------------------------------------------ bank list and questions


@bp.route("/")
@roles_required(*TRAINERS)
def index():
    return render_template("banks/index.html", summaries=queries.bank_summaries(db.session),
                           needs_review=queries.needs_review_count(db.session))


@bp.route("/<int:bank_id>")
@roles_required(*TRAINERS)
def bank(bank_id: int):
    bank = _bank_or_404(bank_id)
    form = FilterForm(request.args)
    form.tag.choices = form.tag.choices + choices((t, t) for t in queries.bank_tags(db.session, bank.id))
    form.law.choices = form.law.choices + choices((n, n) for n in queries.bank_laws(db.session, bank.id))
    filters = _filters(form)
    sort = request.args.get("sort", "id")
    stmt = queries.question_select(bank.id, filters, sort).options(*queries.question_page_options())
    page = db.paginate(stmt, per_page=20, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("banks/bank.html", bank=bank, form=form, page=page, args=args,
                           flagged=queries.needs_review_count(db.session, bank.id),
                           kind_form=BankKindForm(kind=bank.kind, formdata=None))


@bp.route("/<int:bank_id>/kind", methods=["POST"])
@roles_required(*TRAINERS)
def set_kind(bank_id: int):
    bank = _bank_or_404(bank_id)
    form = BankKindForm()
    if not form.validate():
        flash(_("题库类型无效"), "error")
    else:
        try:
            if services.set_bank_kind(db.session, bank, form.kind.data, actor=current_user, now=utcnow()):
                flash(_("题库已设为%(kind)s", kind=KIND_LABELS[form.kind.data]), "success")
        except services.BankError as e:
            flash(str(e), "error")
    return redirect(url_for("banks.bank", bank_id=bank.id))


@bp.route("/<int:bank_id>/export/<fmt>")
@roles_required(*TRAINERS)
def export(bank_id: int, fmt: str):
    bank = _bank_or_404(bank_id)
    if fmt not in WRITABLE:
        abort(404)
    data = services.export_bank(db.session, bank, fmt, _filters(FilterForm(request.args)))
    return send_file(io.BytesIO(data), mimetype=_MIMETYPES.get(fmt, "application/octet-stream"),
                     as_attachment=True, download_name=f"{bank.name}.{_EXPORT_SUFFIX.get(fmt, fmt)}")


@bp.route("/<int:bank_id>/retire", methods=["POST"])
@roles_required(*TRAINERS)
def retire(bank_id: int):
    bank = _bank_or_404(bank_id)
    ids = request.form.getlist("ids", type=int)
    if not ids:
        flash(_("请先勾选要停用的题目"), "warning")
    else:
        count = services.retire_questions(db.session, bank, ids, actor=current_user, now=utcnow())
        flash(_("已停用 %(n)s 道题目", n=count), "success")
    return redirect(url_for("banks.bank", bank_id=bank.id, **request.args))


@bp.route("/<int:bank_id>/questions/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def new_question(bank_id: int):
    bank = _bank_or_404(bank_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.create_question(db.session, bank, form.to_record(bank.law_name),
                                                actor=current_user, now=utcnow())
        except services.QuestionInvalid as e:
            form.form_errors.extend(p.message for p in e.problems if p.severity == "error")
        else:
            flash(_("已添加题目 #%(id)s", id=question.id), "success")
            return redirect(url_for("banks.bank", bank_id=bank.id, sort="-id"))
    return render_template("banks/question_form.html", form=form, bank=bank, question=None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def edit_question(question_id: int):
    question = _question_or_404(question_id)
    if question.is_case:
        return redirect(url_for("banks.case", case_id=question.id))
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(question)
    elif form.validate_on_submit():
        try:
            saved = services.update_question(db.session, question, form.to_record(question.bank.law_name),
                                             actor=current_user, now=utcnow())
        except services.QuestionInvalid as e:
            form.form_errors.extend(p.message for p in e.problems if p.severity == "error")
        else:
            return _after_save(question, saved, back=_bank_page(question, request.args.get("back")))
    return render_template("banks/question_form.html", form=form, bank=question.bank, question=question,
                           in_use=services.version_in_use(db.session, question.current_version_id))


# ------------------------------------------------------------------ cases (案例分析)


def _case_or_404(case_id: int) -> Question:
    case = _question_or_404(case_id)
    return case if case.is_case else abort(404)


@bp.route("/<int:bank_id>/cases/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def new_case(bank_id: int):
    bank = _bank_or_404(bank_id)
    form = CaseForm()
    if form.validate_on_submit():
        try:
            case = cases.create_case(db.session, bank, **form.values(), actor=current_user, now=utcnow())
        except services.QuestionInvalid as e:
            form.form_errors.extend(p.message for p in e.problems if p.severity == "error")
        else:
            flash(_("已添加案例 #%(id)s，请添加 2–6 道小题", id=case.id), "success")
            return redirect(url_for("banks.case", case_id=case.id))
    return render_template("banks/case.html", form=form, bank=bank, case=None, items=[])


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def case(case_id: int):
    """A case: its text (edit), its sub-questions (add, reorder, edit) and a preview as staff will see it."""
    case = _case_or_404(case_id)
    form = CaseForm()
    if request.method == "GET":
        form.fill_from(case)
    elif form.validate_on_submit():
        try:
            cases.edit_case(db.session, case, **form.values(), actor=current_user, now=utcnow())
        except services.QuestionInvalid as e:
            form.form_errors.extend(p.message for p in e.problems if p.severity == "error")
        else:
            flash(_("已保存案例 #%(id)s", id=case.id), "success")
            return redirect(url_for("banks.case", case_id=case.id))
    items = [q for q in sorted(case.items, key=lambda q: q.position or 0) if q.status != "retired"]
    return render_template("banks/case.html", form=form, bank=case.bank, case=case, items=items)


@bp.route("/cases/<int:case_id>/items/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def new_sub_question(case_id: int):
    case = _case_or_404(case_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            sub = cases.add_sub_question(db.session, case, form.to_record(case.bank.law_name), actor=current_user,
                                         now=utcnow())
        except services.QuestionInvalid as e:
            form.form_errors.extend(p.message for p in e.problems if p.severity == "error")
        else:
            flash(_("已添加小题 #%(id)s", id=sub.id), "success")
            return redirect(url_for("banks.case", case_id=case.id))
    return render_template("banks/question_form.html", form=form, bank=case.bank, question=None, case=case)


@bp.route("/cases/<int:case_id>/items/<int:sub_id>/move", methods=["POST"])
@roles_required(*TRAINERS)
def move_sub_question(case_id: int, sub_id: int):
    case = _case_or_404(case_id)
    step = -1 if request.form.get("direction") == "up" else 1
    if not cases.move_sub_question(db.session, case, sub_id, step, actor=current_user, now=utcnow()):
        flash(_("小题已在最前或最后"), "warning")
    return redirect(url_for("banks.case", case_id=case.id))


def _bank_page(question: Question, back: str | None) -> str:
    """The bank page the trainer came from, with its page and filters (?back=...), else the bank's first page."""
    home = url_for("banks.bank", bank_id=question.bank_id)
    back = safe_next(back)
    return back if back and back.split("?")[0] == home else home


def _after_save(question: Question, saved: services.QuestionSaved, back: str):
    """Say plainly what the edit did to exam papers: a key correction goes on to the regrade's before/after
    list; any other change to a used question leaves drawn papers on the old version, and only voiding the
    question can change how they are scored."""
    if saved.papers_follow and saved.regrade_event_ids:
        flash(_("已更正题目 #%(id)s 的答案：已抽到这道题的试卷改用新答案，已交卷的答卷已重新评分。", id=question.id),
              "success")
        return redirect(url_for("exams.regrade_result", event_id=saved.regrade_event_ids[0]))
    if saved.papers_kept_old_version:
        flash(_("已保存为题目 #%(id)s 的新版本 v%(n)s，只用于以后抽取的试卷。"
                "已抽到这道题的试卷（包括作答中和预生成的）仍使用原版本和原答案，不会重新评分。"
                "如果原来的答案有误，请作废此题。", id=question.id, n=saved.version_no), "warning")
        return redirect(url_for("banks.question_versions", question_id=question.id))
    flash(_("已保存题目 #%(id)s", id=question.id) if saved.changed else _("内容没有变化"), "success")
    if question.case_id is not None:
        return redirect(url_for("banks.case", case_id=question.case_id))
    return redirect(back)


VERSION_FIELDS = {"type": _l("题型"), "stem": _l("题干"), "options": _l("选项"), "answer": _l("答案"),
                  "explanation": _l("解析"), "points": _l("分值"), "difficulty": _l("难度"),
                  "basis": _l("法律依据"), "tags": _l("知识点")}


@bp.get("/questions/<int:question_id>/versions")
@roles_required(*TRAINERS)
def question_versions(question_id: int):
    """Every version of a question: what each exam paper showed, and what each edit changed."""
    question = _question_or_404(question_id)
    return render_template("banks/question_versions.html", question=question, bank=question.bank,
                           entries=services.version_history(db.session, question), field_labels=VERSION_FIELDS)



# ------------------------------------------------------------------ review queue


@bp.route("/review")
@roles_required(*TRAINERS)
def review():
    stmt = queries.review_queue_select().options(*queries.question_page_options())
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template("banks/review.html", page=page)


@bp.route("/questions/<int:question_id>/reviewed", methods=["POST"])
@roles_required(*TRAINERS)
def mark_reviewed(question_id: int):
    question = _question_or_404(question_id)
    if services.mark_reviewed(db.session, [question.id], actor=current_user, now=utcnow()):
        flash(_("题目 #%(id)s 已复核，恢复为在用", id=question.id), "success")
    return redirect(url_for("banks.review"))


# ------------------------------------------------------------------ revision impact


@bp.route("/<int:bank_id>/revision-impact")
@roles_required(*TRAINERS)
def revision_impact(bank_id: int):
    bank = _bank_or_404(bank_id)
    return render_template("banks/revision_impact.html", bank=bank,
                           items=revisions.revision_impact(db.session, bank))


def _recite_mapping() -> dict[tuple[str, int], int] | None:
    """{(law, old article): new article} from the form's aligned `cite` ("law|old") and `to` lists."""
    cites, targets = request.form.getlist("cite"), request.form.getlist("to")
    mapping = {}
    for cite, target in zip(cites, targets, strict=False):
        law, _sep, old = cite.rpartition("|")
        if not (law and old.isdigit() and target.strip().isdigit() and 0 < int(target) < 10000):
            return None
        mapping[(law[:64], int(old))] = int(target)
    return mapping if mapping and len(cites) == len(targets) else None


@bp.route("/questions/<int:question_id>/recite", methods=["POST"])
@roles_required(*TRAINERS)
def recite(question_id: int):
    question = _question_or_404(question_id)
    mapping = _recite_mapping()
    if mapping is None:
        flash(_("请填写新条号（正整数）"), "danger")
    else:
        try:
            saved = revisions.recite_question(db.session, question, mapping, actor=current_user, now=utcnow())
            flash(_("题目 #%(id)s 已改引新条号（第 %(v)s 版），不再标记为待复核", id=question.id, v=saved.version_no),
                  "success")
        except services.BankError as e:
            flash(str(e), "danger")
    return redirect(url_for("banks.revision_impact", bank_id=question.bank_id))


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@roles_required(*TRAINERS)
def retire_flagged(question_id: int):
    question = _question_or_404(question_id)
    if services.retire_questions(db.session, question.bank, [question.id], actor=current_user, now=utcnow()):
        flash(_("题目 #%(id)s 已停用", id=question.id), "success")
    return redirect(url_for("banks.revision_impact", bank_id=question.bank_id))


# ------------------------------------------------------------------ import


@bp.route("/template.xlsx")
@roles_required(*TRAINERS)
def template():
    return send_file(io.BytesIO(build_template_xlsx()), mimetype=_MIMETYPES["xlsx"], as_attachment=True,
                     download_name="LawTrain题库导入模板.xlsx")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def import_file():
    form = UploadForm(bank_id=request.args.get("bank_id", 0, type=int))
    form.set_choices(db.session.scalars(select(Bank).order_by(Bank.name)), FORMATS)
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), (upload.filename or "upload").strip()
        meta = {"filename": filename, "fmt": form.fmt.data, "bank_id": form.bank_id.data,
                "new_bank_name": (form.new_bank_name.data or "").strip(), "new_bank_kind": form.new_bank_kind.data}
        try:
            if not meta["bank_id"]:
                services.build_bank(db.session, meta["new_bank_name"], owner=current_user, now=utcnow())
            parse_file(data, filename, meta["fmt"] or None)
        except FormatError as e:
            form.file.errors = [_("无法读取 %(name)s：%(why)s", name=filename, why=str(e))]
        except services.BankError as e:
            form.new_bank_name.errors = [str(e)]
        else:
            if data:
                return redirect(url_for("banks.preview", token=_save_upload(data, meta)))
            form.file.errors = [_("文件 %(name)s 是空的", name=filename)]
    max_mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template("banks/import_file.html", form=form, max_mb=max_mb)


@bp.route("/import/<token>")
@roles_required(*TRAINERS)
def preview(token: str):
    data, meta = _load_upload(token)
    try:
        bank, report = _dry_run(data, meta)
    except (FormatError, services.BankError) as e:
        flash(_("无法导入 %(name)s：%(why)s", name=meta["filename"], why=str(e)), "danger")
        return redirect(url_for("banks.import_file"))
    return render_template("banks/preview.html", token=token, meta=meta, bank=bank, report=report)


@bp.route("/import/<token>", methods=["POST"])
@roles_required(*TRAINERS)
def confirm(token: str):
    data, meta = _load_upload(token)
    _forget_upload(token)  # committed with the import below, rolled back with it otherwise
    try:
        bank, report = _dry_run(data, meta, dry_run=False)
    except (FormatError, services.BankError) as e:
        flash(_("无法导入 %(name)s：%(why)s", name=meta["filename"], why=str(e)), "danger")
        return redirect(url_for("banks.import_file"))
    if not report.stored:
        flash(_("文件中仍有 %(n)s 个错误，未导入任何题目", n=len(report.errors)), "danger")
        return redirect(url_for("banks.preview", token=token))
    session["bank_uploads"] = [t for t in session.get("bank_uploads", []) if t != token]
    session["bank_import_result"] = {"bank_id": bank.id, "filename": meta["filename"], **report.summary()}
    current_app.logger.info("bank import by %s from %s: %s", current_user.username, client_ip(), report.summary())
    return redirect(url_for("banks.imported"))


@bp.route("/import/done")
@roles_required(*TRAINERS)
def imported():
    result = session.get("bank_import_result")
    if not result:
        return redirect(url_for("banks.import_file"))
    bank = db.session.get(Bank, result["bank_id"])
    return render_template("banks/imported.html", result=result, bank=bank)


# ------------------------------------------------------------------ navigation


def _home_panel(db_session, user, now) -> dict:
    return {"banks": queries.bank_count(db_session), "questions": queries.active_question_count(db_session),
            "needs_review": queries.needs_review_count(db_session)}


nav.add_nav(_l("题库"), "banks.index", set(TRAINERS), order=20)
nav.add_home_panel("banks/_home_panel.html", {TRAINER}, _home_panel, order=20)
