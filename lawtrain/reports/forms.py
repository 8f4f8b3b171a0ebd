"""Forms of the reports area: the GET filter form and the one-step remedial assignment (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lawtrain.reports.queries import FIRST_YEAR, LAST_YEAR

# Shown by the filter form and by every page or export refusing a ?year= (the bounds are queries.FIRST/LAST_YEAR).
YEAR_MESSAGE = _l("年度应在 2000–2100 之间")


def _optional_int(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class ReportFilterForm(FlaskForm):
    """Read from the query string; no CSRF (GET, changes nothing)."""

    class Meta:
        csrf = False

    year = IntegerField(_l("年度"), validators=[Optional(), NumberRange(FIRST_YEAR, LAST_YEAR, YEAR_MESSAGE)])
    date_from = DateField(_l("开始日期"), validators=[Optional()])
    date_to = DateField(_l("结束日期"), validators=[Optional()])
    law = SelectField(_l("法律"), validators=[Optional()], validate_choice=False)
    exam_id = SelectField(_l("考试"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    assignment_id = SelectField(_l("学习任务"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    department_id = HiddenField()

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("结束日期不能早于开始日期"))


class RemedialForm(FlaskForm):
    """From a weak heat-map cell: assign the modules teaching an article, or any article of a chapter, to a
    department. A cell names exactly one of the two."""

    department_id = IntegerField(validators=[DataRequired()])
    law = StringField(validators=[DataRequired(), Length(max=64)])
    article = IntegerField(validators=[Optional(), NumberRange(1, 10000)])
    chapter = StringField(validators=[Optional(), Length(max=128)])
    due_date = DateField(_l("截止日期"), validators=[Optional()])
    submit = SubmitField(_l("布置补学"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        return (self.article.data is not None) != bool((self.chapter.data or "").strip())
