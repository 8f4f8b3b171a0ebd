"""The organisation settings form (shape only; services.clean checks the rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional


class SettingsForm(FlaskForm):
    org_name = StringField(_l("单位名称（打印在证书和页脚上）"), validators=[DataRequired(), Length(max=64)])
    cert_prefix = StringField(_l("证书编号前缀"), validators=[DataRequired(), Length(max=12)])
    base_url = StringField(_l("系统访问地址（证书二维码和核验链接指向此地址）"),
                           validators=[Optional(), Length(max=255)])
