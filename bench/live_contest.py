"""Benchmark: a live contest with 200 team pads and one big screen polling (ETags), the app under gunicorn
with the production settings on loopback.

    python bench/live_contest.py [--pads 200] [--changes 12] [--buzzers 50] [--poll-ms 400]

Figures (one JSON line each, no assertions; docs/PERFORMANCE.md):
  live_state_propagation  — from the host's action to the moment each pad and the screen holds the new state
                            (goal: p99 <= 1000 ms), with the pollers' request rate and 304 share;
  live_buzz_order         — 50 buzzes sent within 100 ms: the server's order is by its own arrival stamp
                            (checked: non-decreasing), the spread of the arrivals, and how many pairs the
                            network swapped against the send order.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, latency_ms, log, machine  # noqa: E402
from bench._http import Client, HTTPError  # noqa: E402
from bench._server import Gunicorn, default_workers  # noqa: E402
from bench._setup import PASSWORD, Scratch, make_app  # noqa: E402

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def setup(app, pads: int, buzzers: int) -> dict:
    """Tables, a trainer, a bank and a started contest with `buzzers` teams (buzz questions only)."""
    from lawtrain.auth.models import User, UserRole
    from lawtrain.auth.passwords import _PROFILES
    from lawtrain.contests import live_services as svc
    from lawtrain.extensions import db
    from lawtrain.timeutil import utcnow
    from tests.factories import make_bank, make_question

    with app.app_context():
        s = db.session
        db.create_all()
        trainer = User(username="bench-host", display_name="主持人", password_hash=_PROFILES["fast"].hash(PASSWORD),
                       must_change_password=False, is_active_account=True)
        trainer.role_rows = [UserRole(role="trainer")]
        s.add(trainer)
        s.commit()
        bank = make_bank(s, name="基准竞赛题库")
        for i in range(60):
            make_question(s, bank, stem=f"基准竞赛题{i}：根据《安全生产法》下列说法正确的是？", answer=["B"])
        rng = random.Random(21)
        contest = svc.create_contest(s, title="基准现场竞赛", false_start_penalty=0, actor=None, now=utcnow(), rng=rng)
        for i in range(buzzers):
            svc.add_team(s, contest, name=f"第{i + 1:02d}队", department=None, members=(), rng=rng)
        svc.add_round(s, contest, type="buzz", title="抢答", points_right=10, points_wrong=0, seconds=600,
                      source={"count": 40, "bank_ids": [bank.id]})
        svc.start_contest(s, contest, actor=None, now=utcnow(), rng=rng)
        return {"contest": contest.id, "screen": contest.screen_code,
                "teams": [(t.id, t.join_code) for t in contest.teams]}


async def join(base: str, team_id: int, code: str) -> Client:
    client = Client(base, timeout=30)
    page = await client.get("/contests/live/join")
    token = CSRF.search(page.text).group(1)
    r = await client.post("/contests/live/join", data={"code": code, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    client.csrf = CSRF.search((await client.get(f"/contests/live/pad/{team_id}")).text).group(1)
    client.team_id = team_id
    return client


class Poller:
    def __init__(self, client: Client, path: str, poll_s: float):
        self.client, self.path, self.poll_s = client, path, poll_s
        self.etag, self.version, self.seen = None, 0, {}
        self.requests = self.not_modified = self.errors = 0

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.sleep(random.random() * self.poll_s)  # pads do not start in step
        while not stop.is_set():
            headers = {"If-None-Match": self.etag} if self.etag else {}
            try:
                r = await self.client.get(self.path, headers=headers)
                self.requests += 1
                if r.status_code == 304:
                    self.not_modified += 1
                elif r.status_code == 200:
                    self.etag = r.headers.get("etag")
                    version = r.json()["version"]
                    if version > self.version:
                        self.version = version
                        self.seen[version] = time.monotonic()
                else:
                    self.errors += 1
            except HTTPError:
                self.errors += 1
            await asyncio.sleep(self.poll_s)


async def host(base: str) -> Client:
    client = Client(base, timeout=30)
    token = CSRF.search((await client.get("/auth/login")).text).group(1)
    r = await client.post("/auth/login", data={"username": "bench-host", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    client.csrf = CSRF.search((await client.get("/contests/live/")).text).group(1)
    return client


async def act(client: Client, contest: int, action: str, **body) -> float:
    t0 = time.monotonic()
    r = await client.post(f"/contests/live/{contest}/console/{action}", json_body=body,
                          headers={"X-CSRFToken": client.csrf})
    assert r.status_code == 200, (action, r.status_code, r.text[:200])
    return t0


async def version_of(client: Client, contest: int) -> int:
    return (await client.get(f"/contests/live/{contest}/console/state")).json()["version"]


async def buzz_race(base: str, info: dict, host_client: Client, buzzers: int) -> None:
    """Open buzzing, then 50 pads (one per team) send their buzz within 100 ms of each other."""
    pads = [await join(base, tid, code) for tid, code in info["teams"][:buzzers]]
    await act(host_client, info["contest"], "open")
    await asyncio.sleep(0.3)
    start = time.monotonic() + 0.05
    offsets = sorted(random.Random(7).uniform(0, 0.1) for _ in pads)
    sent: dict[int, float] = {}

    async def one(pad: Client, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        sent[pad.team_id] = time.monotonic()
        r = await pad.post(f"/contests/live/pad/{pad.team_id}/buzz", json_body={"rtt": 1},
                           headers={"X-CSRFToken": pad.csrf})
        assert r.status_code == 200, r.text[:200]

    await asyncio.gather(*(one(p, start + off) for p, off in zip(pads, offsets, strict=True)))
    state = (await host_client.get(f"/contests/live/{info['contest']}/console/state")).json()
    order = [b["team_id"] for b in state["buzzes"]]
    after = [b["after_ms"] for b in state["buzzes"]]
    by_send = sorted(sent, key=sent.get)
    swapped = sum(1 for i in range(len(order)) for j in range(i + 1, len(order))
                  if by_send.index(order[i]) > by_send.index(order[j]))
    emit("live_buzz_order", buzzes_sent=len(pads), buzzes_recorded=len(order),
         server_order_by_arrival=after == sorted(after),
         sent_spread_ms=round((max(sent.values()) - min(sent.values())) * 1000, 1),
         arrival_spread_ms=round(after[-1] - after[0], 1) if after else None, pairs_swapped_by_network=swapped,
         pairs=len(order) * (len(order) - 1) // 2)


async def drive(base: str, info: dict, pads: int, changes: int, buzzers: int, poll_s: float) -> None:
    teams = info["teams"]
    log(f"joining {pads} pads")
    clients = []
    for i in range(pads):
        tid, code = teams[i % len(teams)]
        clients.append(await join(base, tid, code))
    pollers = [Poller(c, f"/contests/live/pad/{c.team_id}/state", poll_s) for c in clients]
    pollers.append(Poller(Client(base, timeout=30), f"/contests/{info['contest']}/screen/state?code={info['screen']}",
                          poll_s))
    host_client = await host(base)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop)) for p in pollers]
    await asyncio.sleep(2.0)
    cycle = ["show", "reveal", "next"]
    latencies, missed, started = [], 0, time.monotonic()
    for n in range(changes):
        t0 = await act(host_client, info["contest"], cycle[n % 3])
        target = await version_of(host_client, info["contest"])
        await asyncio.sleep(2.5)
        for p in pollers:
            seen = min((t for v, t in p.seen.items() if v >= target), default=None)
            if seen is None:
                missed += 1
            else:
                latencies.append(seen - t0)
    elapsed = time.monotonic() - started
    await act(host_client, info["contest"], "show")
    await buzz_race(base, info, host_client, buzzers)
    stop.set()
    await asyncio.gather(*tasks)
    reqs = sum(p.requests for p in pollers)
    emit("live_state_propagation", pads=pads, screens=1, poll_ms=int(poll_s * 1000), changes=changes,
         observations=len(latencies), missed=missed, **latency_ms(latencies), goal_p99_ms=1000,
         poll_requests_per_s=round(reqs / (elapsed + 5), 1),
         not_modified_share=round(sum(p.not_modified for p in pollers) / max(reqs, 1), 3),
         errors=sum(p.errors for p in pollers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pads", type=int, default=200)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--buzzers", type=int, default=50)
    parser.add_argument("--poll-ms", type=int, default=400)
    args = parser.parse_args()
    scratch = Scratch.create("sqlite")
    try:
        info = setup(make_app(scratch), args.pads, args.buzzers)
        workers = default_workers("sqlite")
        emit("machine", **machine(), workers=workers)
        with Gunicorn(scratch.url, scratch.instance, workers=workers) as server:
            asyncio.run(drive(server.base_url, info, args.pads, args.changes, args.buzzers, args.poll_ms / 1000))
            emit("live_server_errors", tracebacks=server.error_count())
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
