"""Shared bits of the benchmark harness: JSON output, percentiles, the machine description."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Every line printed by emit() is also kept here so run.py can write a summary file.
LINES: list[dict] = []
_T0 = time.monotonic()


def emit(figure: str, **fields) -> dict:
    """Print one figure as one JSON line (flushed at once, so a killed run keeps what it measured)."""
    line = {"figure": figure, **fields, "at_s": round(time.monotonic() - _T0, 1),
            "loadavg_1m": round(os.getloadavg()[0], 2)}  # the machine is shared: the load beside each figure
    LINES.append(line)
    print(json.dumps(line, ensure_ascii=False, default=_jsonable), flush=True)
    return line


def log(message: str) -> None:
    """Progress on stderr, so stdout stays one JSON line per figure."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _jsonable(value):
    if isinstance(value, float):
        return round(value, 3)
    return str(value)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of a list of numbers; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def latency_ms(seconds: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds from latencies in seconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "p50_ms": r1(percentile(ms, 50)),
        "p95_ms": r1(percentile(ms, 95)),
        "p99_ms": r1(percentile(ms, 99)),
        "max_ms": r1(max(ms) if ms else None),
    }


def r1(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def machine() -> dict:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    pg = None
    try:
        cmd = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", "show server_version"]
        pg = subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg()[0],
    }
