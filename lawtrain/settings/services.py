"""Read the effective organisation settings and change them (audited).

Order of precedence: what an administrator saved in the database (the same on every app server), then the
environment (LAWTRAIN_ORG_NAME, LAWTRAIN_CERT_PREFIX, LAWTRAIN_BASE_URL), then a default — the demo
bureau's own values when LAWTRAIN_DEMO is on, neutral ones otherwise (a fresh install asks for them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.settings.models import SiteSetting

DEMO_ORG_NAME = "上海市宝山区应急管理局"
DEMO_CERT_PREFIX = "BSYJ"
NEUTRAL_CERT_PREFIX = "LT"
# config key per setting
CONFIG_KEYS = {"org_name": "LAWTRAIN_ORG_NAME", "cert_prefix": "LAWTRAIN_CERT_PREFIX",
               "base_url": "LAWTRAIN_BASE_URL"}
_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,12}$")


class SettingsError(ValueError):
    """A value that cannot be saved; `field` names the setting."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field, self.message = field, message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class OrgSettings:
    org_name: str
    cert_prefix: str
    base_url: str

    @property
    def is_complete(self) -> bool:
        """The organisation has named itself (certificates print the name)."""
        return bool(self.org_name)


def defaults(config: Mapping) -> OrgSettings:
    """What applies when the database holds nothing: environment, else demo or neutral defaults."""
    demo = bool(config.get("LAWTRAIN_DEMO"))
    return OrgSettings(
        org_name=config.get("LAWTRAIN_ORG_NAME") or (DEMO_ORG_NAME if demo else ""),
        cert_prefix=config.get("LAWTRAIN_CERT_PREFIX") or (DEMO_CERT_PREFIX if demo else NEUTRAL_CERT_PREFIX),
        base_url=config.get("LAWTRAIN_BASE_URL") or "",
    )


def effective(session: Session, config: Mapping) -> OrgSettings:
    """The settings in force: saved values over `defaults(config)`."""
    saved = {key: value for key, value in session.execute(select(SiteSetting.key, SiteSetting.value))}
    base = defaults(config)
    return OrgSettings(**{f.name: saved.get(f.name) or getattr(base, f.name) for f in fields(OrgSettings)})


def clean(org_name: str, cert_prefix: str, base_url: str) -> OrgSettings:
    """Normalise and check the values an administrator typed; raise SettingsError naming the field."""
    org_name = (org_name or "").strip()
    cert_prefix = (cert_prefix or "").strip().upper()
    base_url = (base_url or "").strip()
    if not org_name or len(org_name) > 64:
        raise SettingsError("org_name", _l("单位名称必填，最多 64 个字"))
    if not _PREFIX_RE.match(cert_prefix):
        raise SettingsError("cert_prefix", _l("证书编号前缀只能用 1 到 12 个大写字母或数字，如 BSYJ"))
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise SettingsError("base_url", _l("访问地址须以 http:// 或 https:// 开头，如 https://peixun.example.gov.cn/"))
        if not base_url.endswith("/"):
            base_url += "/"
    return OrgSettings(org_name=org_name, cert_prefix=cert_prefix, base_url=base_url)


def save_settings(session: Session, values: OrgSettings, *, actor, now: datetime, ip: str | None = None) -> None:
    """Store all three settings for every app server; audited with the values that changed."""
    changed = {}
    for f in fields(OrgSettings):
        value = getattr(values, f.name)
        row = session.get(SiteSetting, f.name)
        if row is None:
            session.add(SiteSetting(key=f.name, value=value, updated_at=now, updated_by_id=getattr(actor, "id", None)))
            changed[f.name] = value
        elif row.value != value:
            row.value, row.updated_at, row.updated_by_id = value, now, getattr(actor, "id", None)
            changed[f.name] = value
    if changed:
        audit.record(session, "settings.changed", actor=actor, target_type="settings", ip=ip, now=now, **changed)
    session.commit()
