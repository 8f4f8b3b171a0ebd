"""Exam forms (shape only; rules such as pool sizes are checked by the services)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lawtrain.forms import choices

RULE_ROWS = 6


TYPE_CHOICES = choices([("", _l("（不使用此行）")), ("single", _l("单选题")), ("multiple", _l("多选题")),
                ("true_false", _l("判断题")), ("fill_blank", _l("填空题")),
                ("case", _l("案例分析题（整案抽取，分值为各小题分值之和）"))])


def parse_ranges(text: str | None) -> list[int]:
    """'21-25, 30，31' -> [21, 22, 23, 24, 25, 30, 31]; ValueError on anything else."""
    out: list[int] = []
    for part in re.split(r"[,，、\s]+", (text or "").strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*[-–~～]\s*(\d+)|(\d+)", part)
        if not m:
            raise ValueError(part)
        if m.group(3):
            out.append(int(m.group(3)))
        else:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo or hi - lo > 500:
                raise ValueError(part)
            out.extend(range(lo, hi + 1))
    return sorted(set(out))


def parse_minutes(text: str | None) -> dict[str, int]:
    """One 'law=minutes' per line ('安全生产法=30') -> {"安全生产法": 30}."""
    out = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        m = re.fullmatch(r"(.+?)\s*[=＝:：]\s*(\d+)", line)
        if not m:
            raise ValueError(line)
        out[m.group(1).strip()] = int(m.group(2))
    return out


def split_list(text: str | None) -> list[str]:
    return [t for t in (s.strip() for s in re.split(r"[,，、;；\n]+", text or "")) if t]


class RuleForm(Form):
    type = SelectField(_l("题型"), choices=TYPE_CHOICES, validators=[Optional()])
    banks = SelectMultipleField(_l("题库"), coerce=int, validators=[Optional()])
    law_name = SelectField(_l("法律"), validators=[Optional(), Length(max=64)])  # choices: the law library
    articles = StringField(_l("条文"), validators=[Optional(), Length(max=200)],
                           render_kw={"placeholder": "21-25, 30"})
    tags = StringField(_l("标签"), validators=[Optional(), Length(max=200)])
    difficulty_min = IntegerField(_l("最低难度"), validators=[Optional(), NumberRange(1, 5)])
    difficulty_max = IntegerField(_l("最高难度"), validators=[Optional(), NumberRange(1, 5)])
    count = IntegerField(_l("题数"), validators=[Optional(), NumberRange(1, 200)])
    points = DecimalField(_l("每题分值"), places=1, validators=[Optional(), NumberRange(0.5, 100)])

    def validate_articles(self, field):
        try:
            parse_ranges(field.data)
        except ValueError as e:
            raise ValidationError(_l("条文格式应如 21-25, 30")) from e

    def validate_count(self, field):
        if self.type.data and not field.data:
            raise ValidationError(_l("请填写题数"))


def fill_rule_rows(form, rules) -> None:
    """Fill form.rules (a FieldList of RuleForm) from an exam's rules, adding rows as needed."""
    while len(form.rules) < len(rules):
        form.rules.append_entry()
    for row, rule in zip(form.rules, rules, strict=False):
        f = row.form
        f.type.data, f.banks.data, f.law_name.data = rule.type, list(rule.banks or []), rule.law_name
        f.articles.data = ", ".join(str(a) for a in rule.articles or [])
        f.tags.data = ", ".join(rule.tags or [])
        f.difficulty_min.data, f.difficulty_max.data = rule.difficulty_min, rule.difficulty_max
        f.count.data, f.points.data = rule.count, rule.points


def rule_rows_data(form) -> list[dict]:
    """The filled rows of form.rules as rule dicts (a row without a type is unused)."""
    return [dict(type=r.type.data, banks=list(r.banks.data or []), law_name=(r.law_name.data or "").strip() or None,
                 articles=parse_ranges(r.articles.data), tags=split_list(r.tags.data),
                 difficulty_min=r.difficulty_min.data, difficulty_max=r.difficulty_max.data,
                 count=r.count.data, points=float(r.points.data or 1))
            for r in (row.form for row in form.rules) if r.type.data]


def window_fields() -> tuple[DateTimeLocalField, DateTimeLocalField]:
    """The opens_at and closes_at fields of an exam-like form (local time, to the minute)."""
    return (DateTimeLocalField(_l("开始时间（北京时间）"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]),
            DateTimeLocalField(_l("结束时间（北京时间）"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]))


def closes_after_opens(form, field) -> None:
    """The inline validator of closes_at (validate_closes_at = closes_after_opens)."""
    if form.opens_at.data and field.data and field.data <= form.opens_at.data:
        raise ValidationError(_l("结束时间必须晚于开始时间"))


class ExamForm(FlaskForm):
    title = StringField(_l("考试名称"), validators=[DataRequired(), Length(max=128)])
    instructions = TextAreaField(_l("考试说明"), validators=[Optional(), Length(max=4000)])
    opens_at, closes_at = window_fields()
    duration_minutes = IntegerField(_l("答题时长（分钟）"), default=60,
                                    validators=[DataRequired(), NumberRange(1, 600)])
    attempts_allowed = IntegerField(_l("可作答次数"), default=1, validators=[DataRequired(), NumberRange(1, 20)])
    counting = SelectField(_l("计分方式"), choices=choices([("best", _l("取最高分")), ("last", _l("取最后一次"))]))
    pass_percent = DecimalField(_l("及格线（%）"), default=60, places=0, validators=[DataRequired(),
                                                                                    NumberRange(1, 100)])
    multiple_scoring = SelectField(_l("多选题计分"), choices=choices([
        ("all_or_nothing", _l("全对才得分")), ("partial", _l("少选按比例得分，错选不得分"))]))
    release = SelectField(_l("成绩公布"), choices=choices([
        ("immediate", _l("交卷后立即公布")), ("after_close", _l("考试结束后公布")), ("manual", _l("手动公布"))]))
    review = SelectField(_l("答卷回顾"), choices=choices([
        ("full", _l("显示答案、解析与法条依据")), ("score_only", _l("只显示成绩"))]))
    shuffle_questions = BooleanField(_l("打乱题目顺序"), default=True)
    shuffle_options = BooleanField(_l("打乱选项顺序"), default=True)
    tab_switch_limit = IntegerField(_l("切屏次数上限（达到后自动交卷，留空为不限制）"),
                                    validators=[Optional(), NumberRange(1, 100)])
    departments = SelectMultipleField(_l("参加部门（含下级部门）"), coerce=int, validators=[Optional()])
    people = TextAreaField(_l("参加人员（登录名或工号，每行一个）"), validators=[Optional(), Length(max=20000)])
    gate_modules = SelectMultipleField(_l("须先完成的学习模块"), coerce=int, validators=[Optional()])
    gate_minutes = TextAreaField(_l("须达到的学习时长（每行“法律=分钟”）"), validators=[Optional(), Length(max=2000)],
                                 render_kw={"placeholder": "安全生产法=30"})
    paper_mode = RadioField(_l("组卷方式"), default="rules", choices=choices([
        ("rules", _l("抽题规则（每人按规则随机抽题）")), ("fixed", _l("固定试卷（每人同一套题）"))]))
    rules = FieldList(FormField(RuleForm), min_entries=RULE_ROWS, max_entries=30)
    fixed_questions = TextAreaField(_l("试题（每行一道）"), validators=[Optional(), Length(max=20000)],
                                    render_kw={"rows": 10, "placeholder": "SAFE-021 2\n#123\n124"})
    fixed_points = DecimalField(_l("默认每题分值（留空则用试题自身分值）"), places=1,
                                validators=[Optional(), NumberRange(0.5, 100)])
    # The "从题库选题" panel: read by the picker only, never saved.
    pick_bank = SelectField(_l("题库"), coerce=int, validate_choice=False)
    pick_type = SelectField(_l("题型"), validate_choice=False, choices=choices([("", _l("全部题型"))] + [
        (c.value, c.label) for c in TYPE_CHOICES[1:]]))
    pick_article = IntegerField(_l("第几条"), validators=[Optional(), NumberRange(1, 10000)])
    pick_text = StringField(_l("题干关键词"), validators=[Optional(), Length(max=200)])
    picked = SelectMultipleField(_l("选中的试题"), coerce=int, validate_choice=False)

    # Fields that belong to one kind of paper: the other kind's fields never block saving.
    PAPER_FIELDS = {"rules": ("rules",), "fixed": ("fixed_questions", "fixed_points")}

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        unused = "fixed" if self.paper_mode.data == "rules" else "rules"
        for name in self.PAPER_FIELDS[unused]:
            _clear_errors(self[name])
        return not self.errors

    def validate_gate_minutes(self, field):
        try:
            parse_minutes(field.data)
        except ValueError as e:
            raise ValidationError(_l("每行写成“法律=分钟”，如 安全生产法=30")) from e

    validate_closes_at = closes_after_opens


def _clear_errors(field) -> None:
    """Drop a field's errors, and those of its rows and their fields (a FieldList of FormFields)."""
    for entry in getattr(field, "entries", ()):
        for sub in getattr(entry, "form", ()):  # a FormField's errors are its form's fields' errors
            sub.errors = []
    field.errors = []


class OverrideForm(FlaskForm):
    person = StringField(_l("人员（登录名或工号）"), validators=[DataRequired(), Length(max=64)])
    extra_minutes = IntegerField(_l("延长时间（分钟）"), default=0, validators=[Optional(), NumberRange(0, 600)])
    opens_at = DateTimeLocalField(_l("单独开始时间（可选）"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("单独结束时间（可选）"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    reason = StringField(_l("原因"), validators=[Optional(), Length(max=255)])


class PracticeSetupForm(FlaskForm):
    """The practice chooser (GET, no CSRF)."""

    class Meta:
        csrf = False

    law = SelectField(_l("法律"), validators=[Optional()])
    # A module's questions (what its end-of-module check draws from); chosen, it replaces law and articles.
    module = SelectField(_l("学习模块（可选）"), validators=[Optional()], validate_choice=False)
    articles = StringField(_l("条文（可选）"), validators=[Optional(), Length(max=100)],
                           render_kw={"placeholder": "21-25"})
    order = SelectField(_l("顺序"), choices=choices([("sequential", _l("顺序练习")),
                                                                ("random", _l("随机练习"))]))

    def validate_articles(self, field):
        try:
            parse_ranges(field.data)
        except ValueError as e:
            raise ValidationError(_l("条文格式应如 21-25, 30")) from e


class VoidQuestionForm(FlaskForm):
    """Voiding a question; the page holding this form is the confirmation step."""

    reason = StringField(_l("作废原因（可选）"), validators=[Optional(), Length(max=255)],
                         render_kw={"placeholder": _l("例如：答案有误")})
