"""The HTTP answers tell the truth: what was changed, which option is wrong, the page's own limits."""

import io
import socket
import time
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
def base():
    pool = AnonymizerPool(lambda m: Anonymizer(method=m), methods=("blur", "pixelate", "mask"))
    cfg = WebConfig(
        port=0, max_upload_mb=1.0, max_pixels=2_000_000, default_method="blur", request_timeout=0.3,
        max_frames=3,
    )
    with serving(make_server(pool, cfg)) as address:
        yield address


def test_a_photo_without_a_face_is_reported_unchanged(base, astronaut):
    status, headers, _ = post(base, "method=blur", encode_image(np.ascontiguousarray(astronaut[:60, :120])))
    assert status == 200 and headers["X-Changed"] == "0" and headers["X-Faces"] == "0"
    assert headers["X-Summary"] == "no face found: nothing was changed"
    status, headers, _ = post(base, "method=blur", encode_image(astronaut))
    assert headers["X-Changed"] == "1" and headers["X-Replaced"] == "1" and headers["X-Fallbacks"] == "0"
    assert headers["X-Blurred"] == "0"
    assert headers["X-Summary"] == "1 face replaced"


def test_a_bad_seed_names_the_seed_only(base, astronaut):
    status, _, body = post(base, "method=blur&seed=1e3", encode_image(astronaut))
    assert status == 400 and b"seed" in body and b"strength" not in body
    status, _, body = post(base, "method=blur&strength=x", encode_image(astronaut))
    assert status == 400 and b"strength" in body and b"seed" not in body


def test_the_pixel_limit_is_the_real_one_and_worded_for_the_page(base):
    for side in (1600, 3000):  # 2.56 MP (over the 2 MP limit) and 9 MP (over twice the limit)
        status, _, body = post(base, "method=blur", encode_image(np.zeros((side, side, 3), np.uint8)))
        assert status == 400 and b"up to 2 megapixels" in body and b"--max-pixels" not in body, body


def test_transparency_of_an_rgba_png_is_kept(base, astronaut):
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    rgba[:100, :, 3] = 0  # a transparent band at the top
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    status, _, body = post(base, "method=blur&format=png", buf.getvalue())
    with Image.open(io.BytesIO(body)) as im:
        assert status == 200 and im.mode == "RGBA"
        assert np.array_equal(np.asarray(im)[..., 3], rgba[..., 3])
    status, _, body = post(base, "method=blur&format=jpeg", buf.getvalue())
    assert status == 200 and Image.open(io.BytesIO(body)).mode == "RGB"


def test_queue_position_of_an_unknown_ticket_is_null(base):
    assert urllib.request.urlopen(f"{base}/api/queue?ticket=nobody", timeout=10).read() == b'{"ahead": null}'


def test_stalled_connections_do_not_flood_the_log(base, capfd):
    socks = [socket.create_connection(base.removeprefix("http://").split(":"), timeout=5) for _ in range(5)]
    time.sleep(1.0)  # past the 0.3 s request timeout: the server drops them
    for s in socks:
        s.close()
    assert post(base, "method=mask", encode_image(np.zeros((64, 64, 3), np.uint8)))[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "AttributeError" not in err and "timed out" not in err, err


def _gif(frames: list[np.ndarray], duration: int = 100) -> bytes:
    images = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0)
    return buf.getvalue()


@pytest.mark.parametrize("fmt,pil", [("png", "PNG"), ("webp", "WEBP")])
def test_an_animated_upload_comes_back_animated_every_frame_done(base, astronaut, fmt, pil):
    small = astronaut[::2, ::2]
    data = _gif([np.roll(small, 5 * i, axis=1) for i in range(3)], duration=120)
    status, headers, body = post(base, f"method=blur&format={fmt}", data)
    assert status == 200 and headers["X-Frames"] == "3" and headers["X-Replaced"] == "3", headers
    assert "over 3 frames" in headers["X-Summary"]
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == pil and im.n_frames == 3 and im.size == (256, 256)
        seen = []
        for i in range(3):
            im.seek(i)
            seen.append(np.asarray(im.convert("RGB"), dtype=np.int16))
            assert im.info.get("duration") == 120
    for i, frame in enumerate(seen):  # each frame's own face blurred, the rest of it kept
        original = np.roll(small, 5 * i, axis=1).astype(np.int16)
        assert np.abs(frame - original).mean() > 1.0
        assert np.abs(frame - original)[:, :20].mean() < 8  # the left edge: no face there


def test_an_animated_upload_as_jpeg_says_only_its_first_frame_was_done(base, astronaut):
    small = astronaut[::2, ::2]
    data = _gif([np.roll(small, 5 * i, axis=1) for i in range(3)])
    status, headers, body = post(base, "method=blur&format=jpeg", data)
    assert status == 200 and headers["X-Frames"] == "3" and headers["X-Replaced"] == "1"
    assert "first frame of 3 only" in headers["X-Summary"] and Image.open(io.BytesIO(body)).size == (256, 256)
    status, headers, _ = post(base, "method=blur", encode_image(astronaut))
    assert headers["X-Frames"] == "1" and "frame" not in headers["X-Summary"]


def test_an_animation_over_the_page_limits_is_refused_with_its_reason(base, astronaut):
    small = astronaut[::4, ::4]
    four = _gif([np.roll(small, i, axis=1) for i in range(4)])
    status, _, body = post(base, "method=blur&format=png", four)
    assert status == 400 and b"4 frames" in body and b"up to 3" in body
    big = np.zeros((1024, 1024, 3), np.uint8)  # 2 frames of 1 MP: over the page's 2 MP counted together
    big[::7] = 200
    status, _, body = post(base, "method=blur&format=webp", _gif([big, 255 - big]))
    assert status == 400 and b"this animation is too large" in body and b"--max-pixels" not in body, body
