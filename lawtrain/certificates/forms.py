"""Certificate forms (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[DataRequired(message=_l("请填写撤销原因")),
                                                    Length(max=255, message=_l("撤销原因最多 255 个字"))])


class SealForm(FlaskForm):
    file = FileField(_l("印章图片（PNG）"), validators=[FileRequired(_l("请选择印章图片"))])
