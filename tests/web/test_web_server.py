import io
import json
import urllib.error
import urllib.request

import numpy as np
import pytest
from helpers_web import post, serving
from PIL import Image

from id2face.anonymizer import Anonymizer
from id2face.io.images import encode_image
from id2face.web.server import AnonymizerPool, WebConfig, make_server


@pytest.fixture(scope="module")
def server():
    built = []

    def factory(method):
        built.append(method)
        return Anonymizer(method=method)

    pool = AnonymizerPool(factory, methods=("blur", "pixelate", "mask"))
    srv = make_server(
        pool, WebConfig(port=0, max_upload_mb=1.0, max_pixels=2_000_000, default_method="pixelate")
    )
    with serving(srv) as address:
        yield address, built


def _jpeg_with_exif(rgb):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:11:26 10:00:00"  # DateTime
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", exif=exif, quality=95)
    return buf.getvalue()


def test_page_and_info(server):
    base, _ = server
    page = urllib.request.urlopen(f"{base}/", timeout=10).read().decode()
    assert "<form" in page and "/api/anonymize" in page
    info = json.loads(urllib.request.urlopen(f"{base}/api/info", timeout=10).read())
    assert info["methods"] == ["blur", "pixelate", "mask"] and info["max_upload_bytes"] == 2**20


def test_upload_is_anonymized_without_metadata(server, astronaut):
    base, built = server
    upload = _jpeg_with_exif(astronaut)
    assert Image.open(io.BytesIO(upload)).getexif()[0x010F] == "SecretCam"
    status, headers, body = post(base, "method=pixelate&format=jpeg", upload)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and headers["X-Faces"] == "1"
    with Image.open(io.BytesIO(body)) as im:
        assert im.size == (512, 512) and not im.getexif() and "exif" not in im.info
        out = np.asarray(im.convert("RGB"), dtype=np.int16)
    face = (slice(60, 200), slice(170, 300))  # the astronaut's face
    assert np.abs(out[face] - astronaut[face]).mean() > 10
    corner = (slice(400, 512), slice(0, 100))  # far from the face: only JPEG noise
    assert np.abs(out[corner] - astronaut[corner]).mean() < 4
    status, headers, _ = post(base, "", encode_image(astronaut))  # the default method, PNG out
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert built.count("pixelate") == 1  # the Anonymizer is built once and reused


def test_bad_requests_get_one_line_answers(server, astronaut):
    base, _ = server
    status, _, body = post(base, "method=blur", b"this is not an image")
    assert status == 400 and b"not an image" in body and b"\n" not in body
    status, _, body = post(base, "method=swirl", encode_image(astronaut))
    assert status == 400 and b"unknown method" in body
    status, _, body = post(base, "method=blur&strength=3", encode_image(astronaut))
    assert status == 400 and b"strength" in body
    status, _, body = post(base, "method=blur", b"")
    assert status == 400 and b"empty" in body
    big = np.zeros((1600, 1600, 3), np.uint8)  # 2.56 MP > the 2 MP limit, small as a PNG
    status, _, body = post(base, "method=blur", encode_image(big))
    assert status == 400 and b"too large" in body
    status, _, body = post(base, "method=blur", b"\0" * (2**20 + 1))
    assert status == 413
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{base}/nothing", timeout=10)
    assert e.value.code == 404
    # the server is still there after all of that
    assert post(base, "method=mask", encode_image(astronaut))[0] == 200


def test_cli_reports_an_address_it_cannot_use(capsys):
    from id2face.cli.main import main

    assert main(["web", "--host", "203.0.113.7", "--port", "0", "--device", "cpu"]) == 2  # not this machine's
    assert capsys.readouterr().err.startswith("error:")
