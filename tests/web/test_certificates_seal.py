"""The administrator's seal page: a PNG is cleaned, kept and printed on certificates; anything else is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from lawtrain.certificates import services
from lawtrain.certificates.seal import SealError, clean_seal_png
from tests import factories
from tests.conftest import login


def _png(size=(200, 200), **info) -> bytes:
    image = Image.new("RGBA", size, (200, 0, 0, 0))
    for x in range(size[0] // 5, size[0] * 4 // 5):  # a red stroke on a transparent ground
        image.putpixel((x, size[1] // 2), (200, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG", **info)
    return out.getvalue()


def _upload(client, data: bytes, name: str):
    return client.post("/certificates/seal", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _images_in(pdf: bytes) -> int:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    return sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")


def test_the_seal_is_cleaned_of_everything_but_its_pixels():
    cleaned = clean_seal_png(_png(pnginfo=_text_chunk("Comment", "<script>x</script>")), "seal.png")
    assert cleaned.startswith(b"\x89PNG") and b"<script>" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (200, 200) and image.mode == "RGBA"


def _text_chunk(key, value):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


@pytest.mark.parametrize(("data", "message"), [
    (b"GIF89a" + b"\0" * 100, "不是 PNG 图片"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "无法作为图片读取"),
    (None, "边长应在 64 到 2000 像素之间"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1), "超过 1 MB"),
])
def test_what_is_not_a_usable_seal_is_refused_with_the_reason(data, message):
    with pytest.raises(SealError, match=message):
        clean_seal_png(data if data is not None else _png(size=(20, 20)), "章.png")


def test_an_administrator_uploads_sees_and_removes_the_seal_and_certificates_carry_it(app, client, session):
    admin = factories.make_user(session, roles=["admin"])
    assert login(client, admin.username).status_code == 302
    staff = factories.make_user(session)
    cert = factories.make_certificate(session, staff, factories.make_exam(session, users=[staff]))
    plain = services.certificate_pdf(cert, services.render_options(session, app.config, "http://lawtrain.test/"))
    r = _upload(client, _png(), "区应急局印章.png")
    assert r.status_code == 302
    assert services.uploaded_seal(session).startswith(b"\x89PNG")
    page = client.get("/certificates/seal").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "移除印章" in page
    options = services.render_options(session, app.config, "http://lawtrain.test/")
    assert options.seal_png and options.seal_png.startswith(b"\x89PNG")
    assert _images_in(plain) == 0 and _images_in(services.certificate_pdf(cert, options)) == 1
    assert client.post("/certificates/seal/remove").status_code == 302
    assert services.uploaded_seal(session) is None
    assert services.render_options(session, app.config, "http://lawtrain.test/").seal_png is None


def test_a_bad_file_is_named_and_changes_nothing(app, client, session):
    admin = factories.make_user(session, roles=["admin"])
    login(client, admin.username)
    r = _upload(client, b"%PDF-1.4 not an image", "印章.pdf")
    assert r.status_code == 400
    assert "印章.pdf 不是 PNG 图片" in r.get_data(as_text=True)
    assert services.uploaded_seal(session) is None


@pytest.mark.parametrize("role", ["staff", "trainer", "leader"])
def test_only_an_administrator_may_change_the_seal(app, client, session, role):
    user = factories.make_user(session, roles=[role])
    login(client, user.username)
    assert client.get("/certificates/seal").status_code == 403
    assert _upload(client, _png(), "seal.png").status_code == 403
    assert client.post("/certificates/seal/remove").status_code == 403
    assert services.uploaded_seal(session) is None
