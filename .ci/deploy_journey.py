"""The smoke journey of .ci/deploy-smoke, through nginx and across two app servers (httpx, as API.md shows).

Usage: python .ci/deploy_journey.py BASE_URL CA_FILE CLIENT_ADDRESS PASSWORD
Signs in a trainer, imports a bank (upload -> preview -> confirm), authors and publishes an exam, lets a staff
member start, answer and submit it through the JSON API, downloads the certificate, and checks the security
headers. Every response names the app server that answered (X-Lawtrain-Upstream, added by the smoke's copy
of the nginx config); the bank import must have crossed servers. Prints one line per step; exits non-zero
on the first failure.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta

import httpx

BASE, CA_FILE, CLIENT_ADDRESS, PASSWORD = sys.argv[1:5]
BANK_CSV = ("题型,题干,A,B,C,D,答案,解析,依据,编号\n"
            "单选题,部署冒烟：生产经营单位的主要负责人是本单位安全生产的什么人？,第一责任人,协助人,监督人,旁观者,A,,"
            "安全生产法 第5条,SMOKE-1\n"
            "判断题,部署冒烟：从业人员有权拒绝违章指挥和强令冒险作业。,,,,,对,,安全生产法 第54条,SMOKE-2\n").encode()
ANSWERS = {"single": ["A"], "true_false": ["true"], "truefalse": ["true"], "judge": ["true"]}
seen: dict[str, set[str]] = {}


def step(message: str) -> None:
    print(f"  ok  {message}", flush=True)


def client() -> httpx.Client:
    # The journey's own source address (a loopback alias): the audit log must show it, not nginx's.
    transport = httpx.HTTPTransport(verify=CA_FILE, local_address=CLIENT_ADDRESS)
    return httpx.Client(base_url=BASE, transport=transport, follow_redirects=False, timeout=30)


def upstream(r: httpx.Response, flow: str) -> httpx.Response:
    seen.setdefault(flow, set()).add(r.headers.get("x-lawtrain-upstream", "?"))
    return r


def csrf(html: str) -> str:
    match = (re.search(r'name="csrf-token" content="([^"]+)"', html)
             or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(c: httpx.Client, path: str, page: str, **kwargs) -> httpx.Response:
    """A form POST as a browser sends it: the page's token and a Referer (checked strictly over HTTPS)."""
    data = {"csrf_token": csrf(c.get(page).text), **kwargs.pop("data", {})}
    return c.post(path, data=data, headers={"Referer": BASE + page}, **kwargs)


def sign_in(c: httpx.Client, username: str) -> None:
    r = post(c, "/auth/login", "/auth/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, (username, r.status_code, r.text[:300])
    step(f"{username} signed in")


def import_bank(trainer: httpx.Client) -> None:
    page = trainer.get("/banks/import").text
    r = upstream(trainer.post("/banks/import", headers={"Referer": BASE + "/banks/import"},
                              data={"csrf_token": csrf(page), "bank_id": "0", "new_bank_name": "部署冒烟题库",
                                    "fmt": ""},
                              files={"file": ("冒烟.csv", BANK_CSV, "text/csv")}), "bank")
    assert r.status_code == 302, (r.status_code, r.text[:500])
    preview_path = r.headers["location"]
    preview = upstream(trainer.get(preview_path), "bank")
    assert preview.status_code == 200 and "部署冒烟" in preview.text, preview.status_code
    done = upstream(trainer.post(preview_path, data={"csrf_token": csrf(preview.text)},
                                 headers={"Referer": BASE + preview_path}), "bank")
    assert done.status_code == 302 and done.headers["location"].endswith("/banks/import/done"), done.status_code
    assert len(seen["bank"]) >= 2, f"the bank import never crossed servers: {seen['bank']}"
    step(f"bank uploaded, previewed and confirmed across {sorted(seen['bank'])}")


def create_exam(trainer: httpx.Client, staff_username: str) -> int:
    now = datetime.now(UTC).astimezone(tz=None)
    local = lambda dt: (dt.astimezone(UTC) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    form = {"title": "部署冒烟考试", "instructions": "", "opens_at": local(now - timedelta(hours=1)),
            "closes_at": local(now + timedelta(days=1)), "duration_minutes": "30", "attempts_allowed": "1",
            "counting": "best", "pass_percent": "60", "multiple_scoring": "all_or_nothing", "release": "immediate",
            "review": "full", "people": staff_username, "paper_mode": "fixed",
            "fixed_questions": "SMOKE-1\nSMOKE-2", "fixed_points": "50"}
    r = post(trainer, "/exams/new", "/exams/new", data=form)
    assert r.status_code == 302, (r.status_code, re.findall(r'invalid-feedback[^>]*>([^<]+)', r.text))
    exam_id = int(re.search(r"/exams/(\d+)", r.headers["location"]).group(1))
    admin_page = f"/exams/{exam_id}/admin"
    published = post(trainer, f"/exams/{exam_id}/publish", admin_page)
    assert published.status_code == 302, published.status_code
    step(f"exam {exam_id} authored and published")
    return exam_id


def sit_exam(staff: httpx.Client, exam_id: int) -> None:
    token = csrf(staff.get("/home/staff").text)
    api = {"X-CSRFToken": token, "Referer": BASE + "/home/staff"}
    paper = upstream(staff.post(f"/api/exams/{exam_id}/attempts", headers=api), "exam")
    assert paper.status_code in (200, 201), (paper.status_code, paper.text[:300])
    paper = paper.json()
    for seq, q in enumerate(paper["questions"], start=1):
        if q["type"] == "single":
            key = next(o["key"] for o in q["options"] if o["text"] == "第一责任人")
            response = [key]
        else:
            response = ["true"]
        saved = upstream(staff.put(f"/api/attempts/{paper['attempt_id']}/answers/{q['id']}", headers=api,
                                   json={"response": response, "seq": seq}), "exam")
        assert saved.status_code == 200 and saved.json()["saved"], (saved.status_code, saved.text[:300])
    result = upstream(staff.post(f"/api/attempts/{paper['attempt_id']}/submit", headers=api), "exam").json()
    assert result.get("passed") is True, result
    step(f"exam started, answered and submitted through the API: {result['score']}/{result['max_score']}")


def download_certificate(staff: httpx.Client) -> None:
    certs = staff.get("/api/certificates").json()
    assert certs, "no certificate issued"
    cert = certs[0]
    assert cert["serial"].startswith("SMOKE-"), cert["serial"]
    pdf = staff.get(cert["pdf_url"].replace(BASE, ""))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code
    assert cert["verify_url"].startswith(BASE), cert["verify_url"]
    verify = httpx.get(cert["verify_url"], verify=CA_FILE)
    assert verify.status_code == 200, verify.status_code
    step(f"certificate {cert['serial']} downloaded ({len(pdf.content)} bytes) and verified")


def check_headers(c: httpx.Client) -> None:
    page = c.get("/auth/login")
    h = page.headers
    assert h.get("strict-transport-security", "").startswith("max-age="), "no HSTS on pages"
    assert h.get("server") == "nginx", f"server header gives a version: {h.get('server')}"
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert name in h, f"no {name}"
    css = re.search(r'href="(/static/[^"]+\.css\?v=[0-9a-f]+)"', page.text)
    assert css, "no version-stamped stylesheet on the sign-in page"
    static = c.get(css.group(1))
    assert static.status_code == 200
    assert static.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"], \
        static.headers.get_list("cache-control")
    assert static.headers.get("strict-transport-security"), "no HSTS on static files"
    health = c.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    step("security headers (HSTS, CSP, no version), one Cache-Control on stamped static files, /healthz")


def main() -> None:
    trainer, staff = client(), client()
    check_headers(trainer)
    sign_in(trainer, "smoke_trainer")
    import_bank(trainer)
    exam_id = create_exam(trainer, "smoke_staff")
    sign_in(staff, "smoke_staff")
    sit_exam(staff, exam_id)
    download_certificate(staff)
    print(f"  servers seen: {sorted(set().union(*seen.values()))}")


if __name__ == "__main__":
    main()
