"""Forms of the training area (shape only; rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lawtrain.courses.modules import parse_article_spec
from lawtrain.forms import choices


class CourseUploadForm(FlaskForm):
    file = FileField(_l("课程模块压缩包（.zip）"), validators=[
        FileRequired(_l("请选择文件")), FileAllowed(["zip"], _l("只支持 .zip 压缩包"))])
    submit = SubmitField(_l("上传并导入"))


class LawUploadForm(FlaskForm):
    file = FileField(_l("法律文本文件"), validators=[
        FileRequired(_l("请选择文件")),
        FileAllowed(["md", "txt", "docx"], _l("只支持 .md、.txt 或 .docx 文件")),
    ])
    name = StringField(_l("法律全称（可选）"), validators=[Optional(), Length(max=128)])
    revision_date = DateField(_l("修订日期（可选）"), validators=[Optional()])
    effective_date = DateField(_l("施行日期（可选）"), validators=[Optional()])
    source = StringField(_l("来源（可选）"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("导入"))


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line.strip().lstrip("-•·").strip() for line in (text or "").splitlines() if line.strip())


class ModuleForm(FlaskForm):
    title = StringField(_l("模块标题"), validators=[DataRequired(_l("请填写标题")), Length(max=200)])
    law = SelectField(_l("所属法律"), validators=[DataRequired(_l("请选择法律"))])
    articles = StringField(_l("讲解的条文"), validators=[DataRequired(_l("请填写条号"))])
    estimated_minutes = IntegerField(_l("预计学习分钟数"), default=15,
                                     validators=[DataRequired(_l("请填写分钟数")), NumberRange(1, 600)])
    min_study_minutes = IntegerField(_l("最少学习分钟数"), validators=[Optional(), NumberRange(1, 600)])
    objectives = TextAreaField(_l("学习目标（每行一条）"))
    key_points = TextAreaField(_l("要点（每行一条）"))
    body = TextAreaField(_l("正文（Markdown）"), validators=[DataRequired(_l("请填写正文"))],
                         render_kw={"rows": 14})
    banks = StringField(_l("对应题库（多个用逗号分隔）"), validators=[Optional(), Length(max=500)])
    is_open = BooleanField(_l("向所有人开放（不在学习任务中也计学时）"))
    preview = SubmitField(_l("预览"))
    submit = SubmitField(_l("保存"))

    def validate_articles(self, field):
        try:
            if not parse_article_spec(field.data):
                raise ValueError
        except ValueError as e:
            raise ValidationError(_l("条号格式应如“1-20, 24”")) from e

    def article_numbers(self) -> tuple[int, ...]:
        return parse_article_spec(self.articles.data)

    def objective_list(self) -> tuple[str, ...]:
        return _lines(self.objectives.data)

    def key_point_list(self) -> tuple[str, ...]:
        return _lines(self.key_points.data)

    def bank_list(self) -> tuple[str, ...]:
        return tuple(b.strip() for b in (self.banks.data or "").replace("，", ",").split(",") if b.strip())


class AssignmentForm(FlaskForm):
    title = StringField(_l("任务名称"), validators=[DataRequired(_l("请填写任务名称")), Length(max=200)])
    scope = RadioField(_l("学习内容"), default="modules",
                       choices=choices([("modules", _l("选定的模块")), ("law", _l("整部法律的全部模块"))]))
    modules = SelectMultipleField(_l("模块"), coerce=int, validate_choice=False)
    law = SelectField(_l("法律"), validate_choice=False)
    departments = SelectMultipleField(_l("部门（含下级部门）"), coerce=int, validate_choice=False)
    usernames = TextAreaField(_l("人员登录名或工号（每行或逗号分隔一个）"), validators=[Optional(), Length(max=5000)])
    due_date = DateField(_l("截止日期"), validators=[Optional()])
    note = TextAreaField(_l("说明（可选）"), validators=[Optional(), Length(max=2000)])
    awards_certificate = BooleanField(_l("完成全部模块后颁发培训合格证书"))
    submit = SubmitField(_l("发布任务"))

    def username_list(self) -> list[str]:
        text = (self.usernames.data or "").replace("，", ",").replace("、", ",")
        return [u.strip() for chunk in text.splitlines() for u in chunk.split(",") if u.strip()]
