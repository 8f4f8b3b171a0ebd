"""The course-module upload (/courses/manage/import) against hostile archives: refused with a message naming
the file, nothing stored, nothing unpacked or expanded in memory, nothing written outside."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from lawtrain.courses.models import CourseModule
from tests.security.test_hostile_files import MEMORY_LIMIT, _bomb, _many_entries, _post, _signed_in

MODULE = ("---\ntitle: 攻击模块\nlaw: 安全生产法\narticles: 1-2\nminutes: 5\n---\n\n正文\n").encode()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


CASES = {
    "bomb": lambda: _bomb(_zip({"law/modules/a.md": MODULE})),
    "many entries": lambda: _many_entries(_zip({"law/modules/a.md": MODULE})),
    "not a zip": lambda: b"PK\x03\x04 not really a zip",
    "no modules": lambda: _zip({"readme.txt": b"x", "../../tmp/lawtrain_slip.md": MODULE.replace(b"5\n", b"x\n")}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_course_archives_are_refused(app, session, case):
    client = _signed_in(app, "trainer")
    r, peak = _post(client, "/courses/manage/import", {}, "课程.zip", CASES[case]())
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and peak < MEMORY_LIMIT, (case, r.status_code, peak)
    assert "无法导入 课程.zip" in text, case
    assert session.query(CourseModule).count() == 0
    assert not os.path.exists("/tmp/lawtrain_slip.md")
