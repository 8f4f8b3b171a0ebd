"""Sign-in and password forms (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("登录名"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, max=128)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认新密码"),
                            validators=[DataRequired(), EqualTo("new", message=_l("两次输入的密码不一致"))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("修改密码"))
