"""The load generator: logged-in takers (a cookie jar each) and the scenarios.

asyncio with the minimal HTTP/1.1 client of bench/_http.py (a fraction of httpx's CPU, which matters when
the generator shares the server's two cores), loopback only, every scenario bounded in time and in requests.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from bench._common import latency_ms
from bench._http import Client, HTTPError

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
RESPONSES = {"single": ["A"], "multiple": ["A", "C"], "true_false": ["true"], "fill_blank": ["一小时"]}


@dataclass
class Taker:
    username: str
    client: Client
    csrf: str = ""
    attempt_id: int | None = None
    questions: list[tuple[int, str]] = field(default_factory=list)  # (question id, type)
    seq: int = 0
    # (attempt id, question id) -> highest seq the server acknowledged as stored
    acked: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf}


class Pool:
    """The signed-in takers, each with cookies of their own (one connection per request)."""

    def __init__(self, base_url: str, password: str):
        self.base_url = base_url
        self.password = password
        self.takers: dict[str, Taker] = {}

    def client(self) -> Client:
        return Client(self.base_url, timeout=120.0)

    async def close(self) -> None:
        """Nothing held open between requests."""

    async def login(self, username: str) -> Taker:
        taker = self.takers.get(username)
        if taker is not None:
            return taker
        c = self.client()
        r = await c.get("/auth/login")
        token = CSRF_META.search(r.text).group(1)
        r = await c.post("/auth/login", data={"username": username, "password": self.password, "csrf_token": token})
        if r.status_code != 302:
            raise RuntimeError(f"login {username}: HTTP {r.status_code}")
        r = await c.get("/home/staff")  # the CSRF secret is rotated at sign-in: read the new token
        m = CSRF_META.search(r.text)
        if r.status_code != 200 or not m:
            raise RuntimeError(f"home page after login {username}: HTTP {r.status_code}")
        taker = Taker(username, c, m.group(1))
        self.takers[username] = taker
        return taker

    async def login_many(self, usernames: list[str], concurrency: int = 50) -> tuple[list[Taker], float]:
        sem = asyncio.Semaphore(concurrency)

        async def one(u: str) -> Taker:
            async with sem:
                return await self.login(u)

        t0 = time.perf_counter()
        takers = await asyncio.gather(*(one(u) for u in usernames))
        return list(takers), time.perf_counter() - t0


# ------------------------------------------------------------------ requests


async def start(taker: Taker, exam_id: int) -> int:
    """Start (or resume) the exam; keep the paper on the taker. Returns the HTTP status."""
    taker.attempt_id, taker.questions = None, []  # a failed start leaves the taker without an attempt
    r = await taker.client.post(f"/api/exams/{exam_id}/attempts", headers=taker.headers)
    if r.status_code == 200:
        body = r.json()
        taker.attempt_id = body["attempt_id"]
        taker.questions = [(q["id"], q["type"]) for q in body["questions"]]
        taker.seq = max(taker.seq, int(body.get("last_seq") or 0))
        if len(taker.questions) != 50:
            return 599  # a paper of the wrong size counts as an error
    return r.status_code


async def save(taker: Taker, index: int | None = None) -> int:
    """PUT one answer with the next seq; remember what the server acknowledged."""
    taker.seq += 1
    seq = taker.seq
    qid, qtype = taker.questions[(seq if index is None else index) % len(taker.questions)]
    r = await taker.client.put(f"/api/attempts/{taker.attempt_id}/answers/{qid}",
                               json_body={"response": RESPONSES[qtype], "seq": seq}, headers=taker.headers)
    if r.status_code == 200 and r.json().get("saved"):
        key = (taker.attempt_id, qid)
        taker.acked[key] = max(taker.acked.get(key, 0), seq)
    return r.status_code


async def me(taker: Taker) -> int:
    r = await taker.client.get("/api/me")
    return r.status_code


async def submit(taker: Taker) -> int:
    r = await taker.client.post(f"/api/attempts/{taker.attempt_id}/submit", headers=taker.headers)
    if r.status_code == 200 and r.json().get("status") != "submitted":
        return 598
    return r.status_code


# ------------------------------------------------------------------ scenarios


async def closed_loop(takers: list[Taker], request, *, duration: float, warmup: float,
                      max_requests: int) -> dict:
    """Every taker sends its next request as soon as the last one returned (saturation)."""
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    measure_from, stop_at = t0 + warmup, t0 + warmup + duration
    samples: list[tuple[float, float, int]] = []
    sent = 0

    async def worker(taker: Taker) -> None:
        nonlocal sent
        while time.perf_counter() < stop_at and sent < max_requests:
            sent += 1
            start_t = time.perf_counter()
            try:
                status = await request(taker)
            except HTTPError as e:
                status = str(e)
            samples.append((start_t, time.perf_counter(), status))

    await asyncio.gather(*(worker(t) for t in takers))
    generator_cpu_ms = (time.process_time() - cpu0) * 1000 / max(len(samples), 1)
    # Throughput: answers completed inside the window (whenever they were sent), so long queues at
    # saturation still count; latency of those same answers.
    window = [(s, e, st) for s, e, st in samples if measure_from <= e <= stop_at]
    ok = [e - s for s, e, st in window if st == 200]
    elapsed = stop_at - measure_from
    return {
        "concurrency": len(takers),
        "requests": len(window),
        "ok": len(ok),
        "errors": len(window) - len(ok),
        "statuses": dict(Counter(st for _s, _e, st in window if st != 200)),
        "rate_per_s": round(len(ok) / elapsed, 1) if elapsed > 0 else None,
        "seconds": round(elapsed, 2),
        **latency_ms(ok),
        "generator_cpu_ms_per_request": round(generator_cpu_ms, 2),  # CPU the load generator took from the server
    }


async def open_loop(takers: list[Taker], request, *, rate: float, duration: float,
                    max_in_flight: int = 400) -> dict:
    """Requests at a fixed offered rate whatever the answers (latency counted from the scheduled time)."""
    total = int(rate * duration)
    t0 = time.perf_counter() + 0.05
    results: list[tuple[float, int]] = []

    async def one(i: int, scheduled: float) -> None:
        try:
            status = await request(takers[i % len(takers)])
        except HTTPError as e:
            status = str(e)
        results.append((time.perf_counter() - scheduled, status))

    tasks: set[asyncio.Task] = set()
    shed = 0
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks = {t for t in tasks if not t.done()}
        if len(tasks) >= max_in_flight:  # the server is not keeping up: count it, do not pile up more
            shed += 1
            continue
        tasks.add(asyncio.create_task(one(i, scheduled)))
    # Bounded: whatever has not been answered 10 s after the last request was sent counts as unanswered.
    pending: set = set()
    if tasks:
        _done, pending = await asyncio.wait(tasks, timeout=10)
        for task in pending:
            task.cancel()
    ok = [lat for lat, st in results if st == 200]
    achieved = len(ok) / (max(time.perf_counter() - t0, duration))
    return {"offered_per_s": rate, "seconds": duration, "requests": total, "ok": len(ok),
            "errors": total - len(ok), "not_sent_over_in_flight_cap": shed, "in_flight_cap": max_in_flight,
            "unanswered_after_10s": len(pending), "achieved_per_s": round(achieved, 1), **latency_ms(ok)}


async def burst(takers: list[Taker], request) -> dict:
    """Release every taker at once; time until the last one has its answer."""
    gate = asyncio.Event()
    lat: list[float] = []
    statuses: Counter = Counter()

    async def one(taker: Taker) -> None:
        await gate.wait()
        s = time.perf_counter()
        try:
            status = await request(taker)
        except HTTPError as e:
            status = str(e)
        statuses[status] += 1
        if status == 200:
            lat.append(time.perf_counter() - s)

    tasks = [asyncio.create_task(one(t)) for t in takers]
    await asyncio.sleep(0.2)  # every task is parked on the gate
    t0 = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    total = time.perf_counter() - t0
    errors = sum(n for st, n in statuses.items() if st != 200)
    return {"takers": len(takers), "all_done_s": round(total, 2), "errors": errors,
            "statuses": {str(k): v for k, v in statuses.items() if k != 200}, **latency_ms(lat)}


async def bounded(takers: list[Taker], request, *, concurrency: int) -> Counter:
    """Run `request` once per taker with at most `concurrency` in flight (setup phases)."""
    sem = asyncio.Semaphore(concurrency)
    statuses: Counter = Counter()

    async def one(t: Taker) -> None:
        async with sem:
            try:
                statuses[await request(t)] += 1
            except HTTPError as e:
                statuses[str(e)] += 1

    await asyncio.gather(*(one(t) for t in takers))
    return statuses
