"""Administration forms (shape only; rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lawtrain.auth.roles import ALL_ROLES, ROLE_LABELS
from lawtrain.forms import choices

NO_DEPARTMENT = 0


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    return choices((r, ROLE_LABELS[r]) for r in ALL_ROLES)


class _UserFields(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)],
                               render_kw={"autocomplete": "off"})
    staff_no = StringField(_l("工号"), validators=[Optional(), Length(max=32)], render_kw={"autocomplete": "off"})
    department_id = SelectField(_l("部门"), coerce=int)
    roles = CheckboxesField(_l("角色"), choices=_role_choices(), validators=[DataRequired(_l("请至少选择一个角色"))])


class UserCreateForm(_UserFields):
    username = StringField(_l("登录名"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("初始密码（可选）"), validators=[Optional(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    must_change = BooleanField(_l("首次登录须修改密码"), default=True)


class UserEditForm(_UserFields):
    pass


class UserFilterForm(FlaskForm):
    """The search box and filters above the user list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索"), validators=[Optional(), Length(max=64)],
                    render_kw={"placeholder": _l("姓名、登录名或工号"), "type": "search", "maxlength": 64})
    department = SelectField(_l("部门"), coerce=int, validators=[Optional()])
    role = SelectField(_l("角色"), choices=choices([("", _l("全部角色"))]) + _role_choices(), validators=[Optional()])
    active = SelectField(_l("状态"), choices=choices([("", _l("全部状态")), ("1", _l("启用")), ("0", _l("已停用"))]),
                         validators=[Optional()])


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[DataRequired(), Length(max=64)])
    parent_id = SelectField(_l("上级部门"), coerce=int)


class StaffImportForm(FlaskForm):
    file = FileField(_l("人员名单文件"), validators=[
        FileRequired(_l("请选择要导入的文件")),
        FileAllowed(["xlsx", "csv"], _l("只支持 .xlsx 和 .csv 文件")),
    ], render_kw={"accept": ".xlsx,.csv"})
    create_missing_departments = BooleanField(_l("自动创建不存在的部门"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("操作"), validators=[Optional()])
    actor = StringField(_l("操作人登录名"), validators=[Optional(), Length(max=64)])
    start = DateField(_l("开始日期"), validators=[Optional()])
    end = DateField(_l("结束日期"), validators=[Optional()])
