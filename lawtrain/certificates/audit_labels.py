"""How the certificates area's audit entries read: labels, the certificate's serial and holder, fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.certificates.models import Certificate


def _certificate_names(session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Certificate.id, Certificate.serial, User.display_name)
                           .join(User, User.id == Certificate.user_id).where(Certificate.id.in_(ids)))
    return {i: f"{serial}（{name}）" for i, serial, name in rows}


def describe() -> None:
    audit.describe(
        actions={"certificate.issue": _l("颁发证书"), "certificate.reinstate": _l("恢复证书"),
                 "certificate.rescore": _l("证书分数更新"),
                 "certificate.reaward": _l("更新获奖证书"), "certificate.revoke": _l("撤销证书"),
                 "certificate.seal_set": _l("上传证书印章"), "certificate.seal_removed": _l("删除证书印章")},
        targets={"certificate": (_l("证书"), _certificate_names), "seal": (_l("证书印章"), None)},
        details={"serial": _l("证书编号"), "exam_id": _l("考试"), "assignment_id": _l("学习任务"),
                 "bytes": _l("文件大小（字节）"), "modules": _l("学习模块数"), "study_minutes": _l("学习分钟"),
                 "automatic": _l("系统自动"), "prize": _l("奖项"), "rank": _l("名次")},
    )
