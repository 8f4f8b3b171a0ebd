"""Journey 5 — the administrator bulk-imports staff, deactivates one of them (whose open session ends at
once) and finds the deactivation in the audit log."""

from __future__ import annotations

import pytest

from tests.browser.helpers import check_page, follow_menu
from tests.conftest import DESKTOP, BrowserSession

pytestmark = pytest.mark.browser


def _roster(tag: str) -> bytes:
    n = 1 if tag == "phone" else 2
    rows = ["工号,姓名,部门,角色,登录名",
            f"J5{n}01,导入一{tag},区应急局/执法大队,学员,j5{tag}a",
            f"J5{n}02,导入二{tag},区应急局/办公室,学员,j5{tag}b"]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def test_admin_imports_staff_and_deactivation_ends_their_session(browser_session, browser, live_server):
    bs, page = browser_session, browser_session.page
    victim = f"j5{bs.tag}a"
    bs.sign_in("admin")
    follow_menu(bs, "系统管理")
    check_page(bs)
    page.get_by_role("navigation", name="系统管理").get_by_role("link", name="批量导入").click()
    page.get_by_role("heading", name="批量导入人员").wait_for()
    check_page(bs)
    page.get_by_label("人员名单文件").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster(bs.tag)}])
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("status").filter(has_text="检查通过：将创建 2 个账号").wait_for()
    check_page(bs)
    page.get_by_role("button", name="导入 2 个账号").click()
    page.get_by_role("heading", name="导入完成：2 个账号").wait_for()
    check_page(bs)
    row = page.get_by_role("row").filter(has_text=victim)
    initial = row.locator("code.user-select-all").inner_text().strip()
    assert len(initial) >= 8

    # The imported person signs in elsewhere (must change the initial password first) and keeps that session.
    other = BrowserSession(browser, live_server, DESKTOP, f"{bs.name}-imported")
    try:
        other.sign_in(victim, initial)
        assert other.page.url.endswith("/auth/password")
        other.page.get_by_label("当前密码").fill(initial)
        other.page.get_by_label("新密码", exact=True).fill("Imported2025ok")
        other.page.get_by_label("确认新密码").fill("Imported2025ok")
        other.page.get_by_role("button", name="修改密码").click()
        other.page.wait_for_url("**/home/staff")

        # The administrator finds and deactivates them (confirming the dialog).
        bs.goto("/admin/users")
        page.get_by_role("searchbox", name="搜索").fill(victim)
        page.get_by_role("button", name="查找").click()
        page.get_by_role("link", name=f"导入一{bs.tag}").click()
        page.get_by_role("heading", name=f"导入一{bs.tag}").wait_for()
        check_page(bs)
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="停用账号").click()
        page.get_by_text("账号已停用").wait_for()
        user_path = page.url.split(live_server.url, 1)[1]

        # Their open session has ended: the next navigation lands on the sign-in page.
        other.goto("/home/staff")
        assert "/auth/login" in other.page.url
        other.goto("/courses/")
        assert "/auth/login" in other.page.url
        assert other.external_requests() == []
    finally:
        other.close()

    # The audit log shows who did it, to whom.
    bs.goto("/admin/audit")
    page.get_by_label("操作", exact=True).select_option(label="停用用户")
    page.get_by_role("button", name="筛选").click()
    entry = page.get_by_role("row").filter(has=page.locator(f"a[href='{user_path}']")).first
    assert "停用用户" in entry.inner_text()
    assert "admin" in entry.inner_text()
    check_page(bs)
