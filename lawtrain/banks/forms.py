"""Forms of the banks area (shape only), and the text <-> record conversions the question form needs."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lawtrain.banks.formats import common
from lawtrain.banks.formats.records import LETTERS, Citation, QuestionRecord
from lawtrain.banks.models import QUESTION_TYPES, QuestionStatus
from lawtrain.forms import choices

TYPE_LABELS = {"single": _l("单选题"), "multiple": _l("多选题"), "true_false": _l("判断题"),
               "fill_blank": _l("填空题"), "case": _l("案例分析题")}
STATUS_LABELS = {QuestionStatus.ACTIVE: _l("在用"), QuestionStatus.NEEDS_REVIEW: _l("待复核"),
                 QuestionStatus.RETIRED: _l("已停用")}
DIFFICULTY_LABELS = {1: _l("1 易"), 2: _l("2 较易"), 3: _l("3 中"), 4: _l("4 较难"), 5: _l("5 难")}
FORMAT_LABELS = {"xlsx": _l("Excel 模板 (.xlsx)"), "csv": _l("CSV 模板 (.csv)"), "gift": _l("GIFT (.txt/.gift)"),
                 "aiken": _l("Aiken (.txt)"), "moodle_xml": _l("Moodle XML (.xml)"),
                 "qti": _l("IMS QTI 2.x (.xml/.zip)"), "json": _l("LawTrain JSON (.json)")}
SORT_LABELS = {"id": _l("编号"), "-id": _l("最新添加"), "type": _l("题型"), "difficulty": _l("难度从易到难"),
               "-difficulty": _l("难度从难到易"), "updated": _l("最近修改"), "status": _l("状态")}
def _type_choices():
    return choices((t, TYPE_LABELS[t]) for t in QUESTION_TYPES)


def parse_basis(text: str, default_law: str | None = None) -> tuple[list[Citation], list[str]]:
    """'安全生产法 第21条; 第22条' -> citations (a piece without a law reuses the previous law) and unread pieces."""
    citations: list[Citation] = []
    unreadable: list[str] = []
    law = default_law
    for piece in re.split(r"[;；\n]+", text or ""):
        piece = piece.strip()
        if not piece:
            continue
        found, _rest = common.parse_basis(piece)
        if not found and law:
            found, _rest = common.parse_basis(f"{law}{piece}")
        if not found:
            unreadable.append(piece)
        for c in found:
            if c not in citations:
                citations.append(c)
        law = found[-1].law if found else law
    return citations, unreadable


def basis_text(basis, label=lambda no: f"第{no}条") -> str:
    """Citations (records or stored dicts) as people type them: 安全生产法 第21条；第22条 (pages pass `label`
    for the official 第二十一条)."""
    parts, last = [], None
    for b in basis or []:
        law, no = (b["law"], b["article"]) if isinstance(b, dict) else (b.law, b.article)
        parts.append(label(no) if law == last else f"{law} {label(no)}")
        last = law
    return "；".join(parts)


def answer_text(qtype: str, answer) -> str:
    """A stored answer as the question form and previews show it."""
    answer = list(answer or [])
    if qtype == "true_false":
        return "正确" if answer[:1] == ["true"] else ("错误" if answer[:1] == ["false"] else "".join(map(str, answer)))
    if qtype == "fill_blank":
        return " | ".join("；".join(map(str, alts)) if isinstance(alts, list) else str(alts) for alts in answer)
    return "".join(str(a) for a in answer)


def parse_answer(qtype: str, text: str) -> list:
    """The answer box as the record wants it (whether it is right is the service's validation)."""
    text = (text or "").strip()
    if not text:
        return []
    if qtype == "true_false":
        word = common.true_false_word(text)
        return [word] if word else [text]
    if qtype == "fill_blank":
        return common.split_fill_answer(text)
    letters = common.parse_letters(text)
    if letters is None:
        return [text]
    return letters if qtype == "multiple" else ["".join(letters)]


KIND_LABELS = {"practice": _l("练习题库"), "exam": _l("考试题库")}


class BankKindForm(FlaskForm):
    """练习题库 or 考试题库: practice and module checks draw only from practice banks."""

    kind = SelectField(_l("题库用途"), choices=choices(KIND_LABELS.items()), validate_choice=True)


class UploadForm(FlaskForm):
    bank_id = SelectField(_l("导入到题库"), coerce=int, choices=[])
    new_bank_name = StringField(_l("新题库名称"), validators=[Optional(), Length(max=128)])
    new_bank_kind = SelectField(_l("题库用途"), choices=choices(KIND_LABELS.items()), validate_choice=True,
                                default="practice")
    fmt = SelectField(_l("文件格式"), choices=[], validate_choice=True)
    file = FileField(_l("题库文件"), validators=[FileRequired(_l("请选择要导入的文件"))])

    def set_choices(self, banks, formats) -> None:
        self.bank_id.choices = choices([(0, _l("新建题库…"))] + [(b.id, b.name) for b in banks])
        self.fmt.choices = choices([("", _l("自动检测"))] + [(f, FORMAT_LABELS.get(f, f)) for f in formats])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.bank_id.data == 0 and not (self.new_bank_name.data or "").strip():
            self.new_bank_name.errors = [*self.new_bank_name.errors, _l("新建题库时请填写题库名称")]
            ok = False
        return ok


class QuestionForm(FlaskForm):
    type = SelectField(_l("题型"), choices=_type_choices(), validators=[DataRequired()])
    stem = TextAreaField(_l("题干"), validators=[DataRequired(_l("请填写题干")), Length(max=5000)])
    options = TextAreaField(_l("选项（每行一个，按 A、B、C… 顺序）"), validators=[Length(max=5000)])
    answer = StringField(_l("答案"), validators=[DataRequired(_l("请填写答案")), Length(max=1000)])
    explanation = TextAreaField(_l("解析"), validators=[Optional(), Length(max=5000)])
    points = IntegerField(_l("默认分值"), validators=[Optional(), NumberRange(min=0, max=100)], default=1)
    difficulty = SelectField(_l("难度"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                             choices=choices([("", _l("未设定"))] + list(DIFFICULTY_LABELS.items())))
    basis = StringField(_l("法律依据"), validators=[Optional(), Length(max=500)])
    tags = StringField(_l("知识点标签（用 ; 分隔）"), validators=[Optional(), Length(max=500)])
    external_id = StringField(_l("题目ID"), validators=[Optional(), Length(max=64)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _found, unreadable = parse_basis(self.basis.data or "", "某法")
        if unreadable:
            self.basis.errors = [*self.basis.errors,
                                 _l("看不懂“%(text)s”，请写成“安全生产法 第21条”", text="；".join(unreadable))]
            ok = False
        return ok

    def to_record(self, default_law: str | None = None) -> QuestionRecord:
        qtype = self.type.data
        options = [line.strip() for line in (self.options.data or "").splitlines() if line.strip()] \
            if qtype in ("single", "multiple") else []
        options = [re.sub(rf"^[{LETTERS}][.、:：)）]\s*", "", o) for o in options]
        return QuestionRecord(
            type=qtype, stem=(self.stem.data or "").strip(), options=options,
            answer=parse_answer(qtype, self.answer.data), explanation=(self.explanation.data or "").strip(),
            points=self.points.data, difficulty=self.difficulty.data,
            basis=parse_basis(self.basis.data or "", default_law)[0],
            tags=[t.strip() for t in re.split(r"[;；,，]", self.tags.data or "") if t.strip()],
            external_id=(self.external_id.data or "").strip() or None,
        )

    def fill_from(self, question) -> None:
        v = question.current_version
        self.type.data, self.stem.data = v.type, v.stem
        self.options.data = "\n".join(v.options or [])
        self.answer.data = answer_text(v.type, v.answer)
        self.explanation.data = v.explanation or ""
        self.points.data = int(v.points) if float(v.points).is_integer() else v.points
        self.difficulty.data = v.difficulty
        self.basis.data = basis_text(v.basis)
        self.tags.data = "; ".join(v.tags or [])
        self.external_id.data = question.external_id or ""


class FilterForm(FlaskForm):
    """The question list's search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索题干"), validators=[Optional(), Length(max=200)])
    type = SelectField(_l("题型"), choices=choices([("", _l("全部题型"))]) + _type_choices(), validate_choice=False)
    difficulty = SelectField(_l("难度"), choices=choices([("", _l("全部难度"))] + [
        (str(k), v) for k, v in DIFFICULTY_LABELS.items()]), validate_choice=False)
    law = SelectField(_l("引用法律"), choices=choices([("", _l("全部法律"))]), validate_choice=False)
    article = IntegerField(_l("条"), validators=[Optional(), NumberRange(min=1, max=9999)])
    tag = SelectField(_l("知识点"), choices=choices([("", _l("全部知识点"))]), validate_choice=False)
    status = SelectField(_l("状态"), choices=choices([("", _l("全部状态"))] + list(STATUS_LABELS.items())),
                         validate_choice=False)
    sort = SelectField(_l("排序"), choices=choices(SORT_LABELS.items()), validate_choice=False)


class CaseForm(FlaskForm):
    """A case's own fields; its sub-questions are ordinary questions added one by one (QuestionForm)."""

    case_text = TextAreaField(_l("案情"), validators=[DataRequired(_l("请填写案情")), Length(max=5000)])
    difficulty = SelectField(_l("难度"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                             choices=choices([("", _l("未设定"))] + list(DIFFICULTY_LABELS.items())))
    tags = StringField(_l("知识点标签（用 ; 分隔）"), validators=[Optional(), Length(max=500)])
    external_id = StringField(_l("题目ID"), validators=[Optional(), Length(max=64)])

    def values(self) -> dict:
        return {"text": (self.case_text.data or "").strip(), "difficulty": self.difficulty.data,
                "tags": [t.strip() for t in re.split(r"[;；,，]", self.tags.data or "") if t.strip()],
                "external_id": (self.external_id.data or "").strip() or None}

    def fill_from(self, case) -> None:
        v = case.current_version
        self.case_text.data, self.difficulty.data = v.stem, v.difficulty
        self.tags.data, self.external_id.data = "; ".join(v.tags or []), case.external_id or ""
