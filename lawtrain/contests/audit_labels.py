"""How the contests area's audit entries read on the log page: labels, the contest's title, fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lawtrain.auth import audit
from lawtrain.contests.live_models import LiveContest
from lawtrain.contests.online_models import OnlineContest


def _titles(model):
    def names(session, ids: list[int]) -> dict[int, str]:
        return dict(session.execute(select(model.id, model.title).where(model.id.in_(ids))).all())
    return names


def describe() -> None:
    audit.describe(
        actions={"contest.save": _l("保存知识竞赛"), "contest.publish": _l("发布知识竞赛"),
                 "contest.close": _l("结束知识竞赛并评奖"), "contest.publish_results": _l("公布竞赛结果"),
                 "contest.purge_guests": _l("清除社会参赛者个人信息"),
                 "live_contest.start": _l("开始现场竞赛"), "live_contest.finish": _l("结束现场竞赛"),
                 "live_contest.undo": _l("撤销评判"), "live_contest.override": _l("裁判调整分数"),
                 "live_contest.awards": _l("颁发现场竞赛获奖证书")},
        targets={"online_contest": (_l("知识竞赛"), _titles(OnlineContest)),
                 "live_contest": (_l("现场竞赛"), _titles(LiveContest))},
        details={"frozen": _l("规则已冻结"), "prizes": _l("获奖人数"), "certificates": _l("证书数"),
                 "guests": _l("社会参赛者人数"), "early": _l("提前结束"), "team_id": _l("队伍编号"),
                 "points": _l("分值"), "title": _l("名称")},
    )

