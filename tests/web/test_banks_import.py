"""The import flow in the browser: upload -> preview with every problem named -> confirm -> questions listed."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from lawtrain.banks.models import Bank, Question
from lawtrain.storage.models import StoredFile
from tests.factories import make_bank, make_question

HEADER = "题型,题干,选项A,选项B,选项C,选项D,答案,解析,法律依据,题目ID\n"
GOOD = [
    "单选题,生产经营单位的主要负责人是本单位安全生产的什么人？,第一责任人,协助人,监督人,旁观者,A,见第五条,"
    "安全生产法 第5条,S-1",
    "多选题,以下哪些属于从业人员的权利？,知情权,建议权,拒绝违章指挥,无偿加班,ABC,,安全生产法 第53条,S-3",
    "填空题,生产经营单位应当建立健全全员安全生产____制。,,,,,责任,,安全生产法 第4条,S-4",
]
BAD_2 = "单选题,安全生产工作坚持什么方针？,安全第一,效益优先,速度第一,规模优先,E,,安全生产法 第3条,S-2"
BAD_5 = "判断题,安全生产工作坚持中国共产党的领导。,,,,,也许,,安全生产法 第3条,S-5"
FIXED_2 = BAD_2.replace(",E,", ",A,")
FIXED_5 = BAD_5.replace("也许", "正确")


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def upload(client, data: bytes, filename: str = "题库.csv", bank_id: int = 0, new_bank_name: str = "安全生产法题库",
           fmt: str = ""):
    return client.post("/banks/import", data={
        "bank_id": str(bank_id), "new_bank_name": new_bank_name, "fmt": fmt,
        "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def test_two_mistakes_are_named_then_the_fixed_file_imports(app, client, session, login_as):
    login_as("trainer")
    response = upload(client, csv_bytes(GOOD[0], BAD_2, GOOD[1], GOOD[2], BAD_5))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url)
    text = text_of(page)
    assert page.status_code == 200
    assert "共 5 题，2 个错误" in text
    assert "第3行 “答案”列" in text and '"E" 不在选项 A–D 中' in text
    assert "第6行 “答案”列" in text and "也许" in text
    assert "确认导入" not in text  # no confirm while there are errors
    # Confirming anyway (a crafted POST) stores nothing.
    assert client.post(preview_url).status_code == 302
    assert session.scalar(select(func.count()).select_from(Question)) == 0
    assert session.scalar(select(func.count()).select_from(Bank)) == 0

    response = upload(client, csv_bytes(GOOD[0], FIXED_2, GOOD[1], GOOD[2], FIXED_5))
    preview_url = response.headers["Location"]
    text = text_of(client.get(preview_url))
    assert "共 5 题，0 个错误" in text and "确认导入 5 题" in text
    done = client.post(preview_url)
    assert done.status_code == 302 and done.headers["Location"].endswith("/banks/import/done")
    result = text_of(client.get("/banks/import/done"))
    assert "新增</dt>" in result.replace(" ", "") and "5 题" in result

    bank = session.scalar(select(Bank))
    assert bank.name == "安全生产法题库" and len(bank.questions) == 5
    listing = text_of(client.get(f"/banks/{bank.id}"))
    assert "安全生产工作坚持什么方针？" in listing and "共 5 道题目" in listing
    # The upload is gone once used.
    assert client.get(preview_url).status_code == 404


def test_reimport_into_existing_bank_updates_by_id(app, client, session, login_as):
    login_as("trainer")
    bank = make_bank(session, name="已有题库")
    make_question(session, bank, external_id="S-1", stem="旧题干", options=["第一责任人", "协助人", "监督人", "旁观者"])
    response = upload(client, csv_bytes(GOOD[0], GOOD[1]), bank_id=bank.id, new_bank_name="")
    text = text_of(client.get(response.headers["Location"]))
    assert "将新增 1 题，更新 1 题" in text
    client.post(response.headers["Location"])
    session.expire_all()
    stems = sorted(q.current_version.stem for q in session.get(Bank, bank.id).questions)
    assert stems == sorted(["生产经营单位的主要负责人是本单位安全生产的什么人？", "以下哪些属于从业人员的权利？"])


def test_unreadable_uploads_get_a_clear_message(app, client, login_as):
    login_as("trainer")
    renamed = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(64), filename="bank.xlsx")
    assert renamed.status_code == 200 and "无法读取 bank.xlsx" in text_of(renamed)
    empty = upload(client, b"", filename="empty.csv")
    assert empty.status_code == 200 and "empty.csv" in text_of(empty)
    unnamed = upload(client, csv_bytes(GOOD[0]), new_bank_name="")
    assert unnamed.status_code == 200 and "新建题库时请填写题库名称" in text_of(unnamed)


def test_zip_bomb_is_refused_with_a_reason(app, client, login_as):
    import zipfile

    login_as("trainer")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    response = upload(client, buf.getvalue(), filename="bomb.xlsx")
    assert response.status_code == 200 and "无法读取 bomb.xlsx" in text_of(response)


def test_upload_over_the_size_limit_gets_the_413_page(app, client, login_as):
    login_as("trainer")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, b"x" * 4096)
    assert response.status_code == 413 and "文件大小超过上限" in text_of(response)


def test_someone_elses_upload_is_not_found(app, client, session, login_as):
    from tests.conftest import login
    from tests.factories import make_user

    login_as("trainer")
    preview_url = upload(client, csv_bytes(GOOD[0])).headers["Location"]
    other = make_user(session, roles=["trainer"])
    second = app.test_client()
    login(second, other.username)
    assert second.get(preview_url).status_code == 404
    assert second.post(preview_url).status_code == 404
    assert client.get(preview_url).status_code == 200


def test_template_download_is_an_xlsx(app, client, login_as):
    login_as("trainer")
    response = client.get("/banks/template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "/banks/template.xlsx" in client.get("/banks/import").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/banks/", "/banks/import", "/banks/review", "/banks/template.xlsx"])
def test_staff_and_leaders_are_refused(app, client, session, login_as, path):
    login_as("staff")
    assert client.get(path).status_code == 403


def test_staff_get_403_on_every_banks_route(app, session):
    from tests.conftest import login
    from tests.factories import make_user

    staff = make_user(session, roles=["staff"])
    bank = make_bank(session)
    q = make_question(session, bank)
    client = app.test_client()
    login(client, staff.username)
    urls = [("GET", "/banks/"), ("GET", f"/banks/{bank.id}"), ("GET", f"/banks/{bank.id}/export/json"),
            ("POST", f"/banks/{bank.id}/retire"), ("GET", f"/banks/{bank.id}/questions/new"),
            ("POST", f"/banks/{bank.id}/questions/new"), ("GET", f"/banks/questions/{q.id}/edit"),
            ("POST", f"/banks/questions/{q.id}/edit"), ("GET", f"/banks/questions/{q.id}/versions"),
            ("GET", "/banks/review"),
            ("POST", f"/banks/questions/{q.id}/reviewed"), ("GET", "/banks/template.xlsx"),
            ("GET", "/banks/import"), ("POST", "/banks/import"), ("GET", "/banks/import/abcdefghijklmnopqrstuvwxyz"),
            ("POST", "/banks/import/abcdefghijklmnopqrstuvwxyz"), ("GET", "/banks/import/done"),
            ("GET", f"/banks/{bank.id}/revision-impact"), ("POST", f"/banks/questions/{q.id}/recite"),
            ("POST", f"/banks/questions/{q.id}/retire"), ("GET", f"/banks/{bank.id}/cases/new"),
            ("POST", f"/banks/{bank.id}/cases/new"), ("GET", f"/banks/cases/{q.id}"), ("POST", f"/banks/cases/{q.id}"),
            ("GET", f"/banks/cases/{q.id}/items/new"), ("POST", f"/banks/cases/{q.id}/items/new"),
            ("POST", f"/banks/cases/{q.id}/items/{q.id}/move"), ("POST", f"/banks/{bank.id}/kind")]
    for method, url in urls:
        assert client.open(url, method=method).status_code == 403, (method, url)
    adapter = app.url_map.bind("lawtrain.test")
    covered = {adapter.match(url, method)[0] for method, url in urls}
    assert covered == {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("banks.")}


def test_uploads_are_kept_in_the_database_until_confirmed(client, session, login_as):
    login_as("trainer")
    token = upload(client, csv_bytes(GOOD[0])).headers["Location"].rsplit("/", 1)[1]
    kept = session.scalar(select(StoredFile).where(StoredFile.token == token))
    assert kept is not None and kept.kind == "bank_upload" and kept.data == csv_bytes(GOOD[0])
    client.post(f"/banks/import/{token}")
    session.expire_all()
    assert session.scalar(select(StoredFile).where(StoredFile.token == token)) is None


def test_a_new_bank_is_imported_as_an_exam_bank_when_the_trainer_says_so(app, client, session, login_as):
    login_as("trainer")
    response = client.post("/banks/import", data={
        "bank_id": "0", "new_bank_name": "年度考试题库", "new_bank_kind": "exam", "fmt": "",
        "file": (io.BytesIO(csv_bytes(*GOOD)), "题库.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.post(response.headers["Location"]).status_code == 302
    bank = session.scalar(select(Bank))
    assert (bank.name, bank.kind) == ("年度考试题库", "exam")
    assert "考试题库" in text_of(client.get("/banks/"))
