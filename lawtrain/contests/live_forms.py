"""Forms of the live-contest set-up and the pad's join page (shape only; the services check the rules)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lawtrain.forms import choices

ROUND_TYPE_LABELS = {"required": _l("必答题"), "buzz": _l("抢答题"), "risk": _l("风险题"), "tiebreak": _l("加赛题")}
QUESTION_TYPE_LABELS = {"": _l("不限（选择题、判断题）"), "single": _l("单选题"), "multiple": _l("多选题"),
                        "true_false": _l("判断题")}


def numbers(text: str | None) -> list[int]:
    """"10/20/30", "10, 20 30" -> [10, 20, 30]."""
    return [int(n) for n in re.findall(r"\d+", text or "")][:50]


class ContestForm(FlaskForm):
    title = StringField(_l("竞赛名称"), validators=[DataRequired(), Length(max=128)])
    false_start_penalty = IntegerField(_l("抢答犯规扣分（0 为不扣分）"), default=0,
                                       validators=[InputRequired(), NumberRange(min=0, max=1000)])


class TeamForm(FlaskForm):
    name = StringField(_l("队名"), validators=[DataRequired(), Length(max=64)])
    department = StringField(_l("部门"), validators=[Optional(), Length(max=128)])
    members = TextAreaField(_l("队员（每行一人：登录名、工号或姓名）"), validators=[Optional(), Length(max=2000)])


class RoundForm(FlaskForm):
    type = SelectField(_l("题型"), choices=choices(ROUND_TYPE_LABELS.items()))
    title = StringField(_l("轮次名称"), validators=[DataRequired(), Length(max=64)])
    points_right = IntegerField(_l("答对得分"), default=10, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    points_wrong = IntegerField(_l("答错扣分"), default=0, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    seconds = IntegerField(_l("每题限时（秒）"), default=30, validators=[InputRequired(), NumberRange(min=5, max=600)])
    risk_values = StringField(_l("风险分值（如 10/20/30）"), validators=[Optional(), Length(max=100)])
    bank_ids = SelectMultipleField(_l("抽题题库"), coerce=int, validators=[Optional()])
    law = SelectField(_l("法律"), validators=[Optional()])
    question_type = SelectField(_l("题目类型"), choices=choices(QUESTION_TYPE_LABELS.items()), validators=[Optional()])
    count = IntegerField(_l("题数（必答、风险为每队题数）"), default=1,
                         validators=[Optional(), NumberRange(min=0, max=100)])
    question_ids = StringField(_l("或挑选题目（题目编号，逗号分隔）"), validators=[Optional(), Length(max=1000)])

    def validate_risk_values(self, field):
        if self.type.data == "risk" and not numbers(field.data):
            raise ValidationError(_l("风险题需要填写可选分值，例如 10/20/30"))

    def source(self) -> dict:
        picked = numbers(self.question_ids.data)
        if picked:
            return {"question_ids": picked}
        return {"count": self.count.data or 0, "bank_ids": list(self.bank_ids.data or []),
                "law": self.law.data or None, "type": self.question_type.data or None}


class JoinForm(FlaskForm):
    code = StringField(_l("队伍代码"), validators=[DataRequired(), Length(max=32)])
