"""Benchmark: certificate PDFs rendered per second on one core, and a zip of 1,000 certificates.

Run: ``python bench/certificates.py`` — prints one JSON line per figure, no assertions.
Targets (issue 6): >= 100 renders per second per core; a zip of 1,000 certificates in < 20 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lawtrain import models  # noqa: E402,F401  (every mapper, so a model can be built without an app)
from lawtrain.certificates import pdf, services  # noqa: E402
from lawtrain.certificates.fonts import get_cjk_font  # noqa: E402
from lawtrain.certificates.models import Certificate  # noqa: E402

RENDERS = 200
ZIP_COUNT = 1000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def person(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i % 3 else GIVEN[(i * 11) % len(GIVEN)])


def certificate(i: int) -> Certificate:
    issued = datetime(2025, 6, 16, 2) + timedelta(minutes=i)
    return Certificate(
        id=i + 1, user_id=i + 1, exam_id=1, serial=f"BSYJ-2025-{i + 1:06d}", serial_year=2025, serial_no=i + 1,
        code=services.new_code(), issued_at=issued, valid_until=date(2028, 6, 15), person_name=person(i),
        staff_no=f"BS{20230000 + i}", department_path=("区应急局/执法大队/第一中队", "区应急局/顾村镇应急办")[i % 2],
        exam_title="2025年度 安全生产法 执法人员资格考试", laws=["安全生产法", "突发事件应对法"],
        score=60.0 + i % 41, max_score=100.0, percent=60.0 + i % 41, exam_date=date(2025, 6, 16))


def main() -> None:
    font = get_cjk_font(os.environ.get("LAWTRAIN_CJK_FONT"))
    options = services.RenderOptions("上海市宝山区应急管理局", "https://peixun.bsyj.local/", font)
    certs = [certificate(i) for i in range(ZIP_COUNT)]
    services.certificate_pdf(certs[0], options)  # warm up: font parsed and registered once per process

    wall, cpu = time.perf_counter(), time.process_time()
    for c in certs[:RENDERS]:
        services.certificate_pdf(c, options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"figure": "certificate_renders_per_second_per_core", "renders": RENDERS,
                      "per_second_cpu": round(RENDERS / cpu, 1), "per_second_wall": round(RENDERS / wall, 1),
                      "ms_each_cpu": round(1000 * cpu / RENDERS, 2), "font": font, "target": ">= 100"}))

    with tempfile.TemporaryFile() as out:
        wall, cpu = time.perf_counter(), time.process_time()
        n = services.write_zip(certs, out, lambda c: services.certificate_pdf(c, options))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = out.tell()
    # cpu_seconds is what the zip costs on an idle core; seconds (wall) also counts waiting for a busy machine
    print(json.dumps({"figure": "zip_of_1000_certificates_seconds", "certificates": n, "seconds": round(wall, 2),
                      "cpu_seconds": round(cpu, 2), "zip_mb": round(size / 1e6, 1), "target": "< 20"}))
    print(json.dumps({"figure": "pdf_bytes_each", "bytes": len(pdf.render_certificate(
        org_name=options.org_name, person_name="张晓伟", department="区应急局", staff_no="BS1", exam_title="考试",
        laws=["安全生产法"], score_text="90 分", exam_date=date(2025, 6, 16), serial="BSYJ-2025-000001",
        issued_on=date(2025, 6, 16), valid_until=None, verify_url=options.verify_url("x"), font_name=font))}))


if __name__ == "__main__":
    main()
