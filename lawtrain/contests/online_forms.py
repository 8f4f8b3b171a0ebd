"""Online contest forms (shape only; the services check the rules)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lawtrain.contests.online_rank import PRIZES
from lawtrain.exams.forms import RULE_ROWS, RuleForm, closes_after_opens, fill_rule_rows, window_fields
from lawtrain.forms import choices


class TierForm(Form):
    # An unused row posts nothing: the choices are checked only for rows with an amount.
    prize = SelectField(_l("奖项"), choices=choices([(p, p) for p in PRIZES]), validate_choice=False)
    mode = SelectField(_l("名额方式"), choices=choices([("count", _l("按人数")), ("share", _l("按参赛人数比例（%）"))]),
                       validate_choice=False)
    amount = DecimalField(_l("名额"), places=1, validators=[Optional(), NumberRange(0, 10000)])

    def validate_amount(self, field):
        if field.data is not None and (self.prize.data not in PRIZES or self.mode.data not in ("count", "share")):
            raise ValidationError(_l("请选择奖项和名额方式"))


class ContestForm(FlaskForm):
    title = StringField(_l("竞赛名称"), validators=[DataRequired(), Length(max=128)])
    description = TextAreaField(_l("竞赛说明（规则、奖项等）"), validators=[Optional(), Length(max=4000)])
    opens_at, closes_at = window_fields()
    duration_minutes = IntegerField(_l("答题时长（分钟）"), default=20,
                                    validators=[DataRequired(), NumberRange(1, 300)])
    attempts_allowed = IntegerField(_l("可作答次数"), default=1, validators=[DataRequired(), NumberRange(1, 5)])
    all_staff = BooleanField(_l("全体职工可参赛"), default=True)
    departments = SelectMultipleField(_l("或：参赛部门（含下级部门）"), coerce=int, validators=[Optional()])
    allow_guests = BooleanField(_l("接受企业、社区等社会人员通过链接报名参赛"))
    units = TextAreaField(_l("社会参赛单位名单（每行一个；留空则由参赛者自行填写）"),
                          validators=[Optional(), Length(max=20000)])
    units_file = FileField(_l("或上传单位名单（Excel 或 CSV，第一列为单位名称）"))
    tie_break = SelectField(_l("同分时的排序"), choices=choices([
        ("time_submitted", _l("用时少者在前，用时相同则先交卷者在前")),
        ("submitted", _l("先交卷者在前")), ("time", _l("用时少者在前"))]))
    tiers = FieldList(FormField(TierForm), min_entries=4, max_entries=4)
    min_score = DecimalField(_l("获奖最低分"), default=0, places=1, validators=[Optional(), NumberRange(0, 1000)])
    public_leaderboard = BooleanField(_l("竞赛期间公开实时排行榜"), default=True)
    participation_certificates = BooleanField(_l("未获奖的参赛者也发参与证书"))
    rules = FieldList(FormField(RuleForm), min_entries=RULE_ROWS, max_entries=30)

    validate_closes_at = closes_after_opens


def split_units(text: str | None) -> list[str]:
    return [u[:128] for u in (s.strip() for s in re.split(r"[\r\n]+", text or "")) if u]


class GuestForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=32)])
    unit = StringField(_l("单位（企业/街镇/社区）"), validators=[Optional(), Length(max=128)])  # not on a return
    mobile = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)],
                         render_kw={"inputmode": "tel", "autocomplete": "tel"})


class ConfirmForm(FlaskForm):
    """A bare POST with CSRF (publish, close, purge…)."""


def fill_form(form: ContestForm, contest) -> None:
    """The form as the contest stands (local times)."""
    from lawtrain.contests.online_rank import tiers_from_json
    from lawtrain.timeutil import to_local

    exam = contest.exam
    form.title.data, form.description.data = contest.title, contest.description
    form.opens_at.data = to_local(exam.opens_at).replace(tzinfo=None) if exam.opens_at else None
    form.closes_at.data = to_local(exam.closes_at).replace(tzinfo=None) if exam.closes_at else None
    form.duration_minutes.data, form.attempts_allowed.data = exam.duration_minutes, exam.attempts_allowed
    form.all_staff.data, form.allow_guests.data = contest.all_staff, contest.allow_guests
    form.departments.data = [d.department_id for d in contest.departments]
    form.units.data = "\n".join(u.name for u in contest.units)
    form.tie_break.data, form.min_score.data = contest.tie_break, contest.min_score
    form.public_leaderboard.data = contest.public_leaderboard
    form.participation_certificates.data = contest.participation_certificates
    for row, tier in zip(form.tiers, tiers_from_json(contest.prize_tiers), strict=False):
        row.form.prize.data = tier.prize
        row.form.mode.data = "count" if tier.count is not None else "share"
        row.form.amount.data = tier.count if tier.count is not None else tier.share
    fill_rule_rows(form, exam.rules)
