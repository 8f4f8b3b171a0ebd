"""The audit log reads contests' entries in Chinese: labels, the contest named by its title, fields."""

from __future__ import annotations

import random

from lawtrain.auth import audit
from lawtrain.contests import live_services
from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.contests_online_helpers import make_contest
from tests.web.test_screens import text_of


def test_contest_entries_read_as_labels_with_the_contest_named(client, login_as, session):
    login_as("admin")
    trainer = factories.make_user(session, roles=["trainer"], display_name="李培训")
    now = utcnow()
    online = make_contest(session, trainer, now, title="宪法宣传周网络竞赛")
    live = live_services.create_contest(session, title="安全生产法现场决赛", false_start_penalty=0, actor=trainer,
                                        now=now, rng=random.Random(1))
    audit.record(session, "contest.close", actor=trainer, target_type="online_contest", target_id=online.id,
                 now=now, prizes=3, certificates=3)
    audit.record(session, "live_contest.override", actor=trainer, target_type="live_contest", target_id=live.id,
                 now=now, team_id=5, points=-10, reason="抢答犯规")
    session.commit()
    page = text_of(client.get("/admin/audit").get_data(as_text=True))
    for raw in ("contest.close", "contest.save", "contest.publish", "live_contest", "online_contest", "其他操作",
                "prizes", "team_id"):
        assert raw not in page, raw
    assert "结束知识竞赛并评奖" in page and "知识竞赛 宪法宣传周网络竞赛" in page and "获奖人数 3" in page
    assert "保存知识竞赛" in page and "发布知识竞赛" in page  # recorded by the services that made the contest
    assert "裁判调整分数" in page and "现场竞赛 安全生产法现场决赛" in page
    assert "队伍编号 5" in page and "分值 -10" in page and "抢答犯规" in page
