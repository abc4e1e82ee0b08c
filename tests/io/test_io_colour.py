"""Photos tagged with a colour profile other than sRGB are read in sRGB (outputs carry no profile)."""

import io
import struct

from PIL import Image, ImageCms

from id2face.io.animation import load_animation
from id2face.io.colour import to_srgb
from id2face.io.images import load_image

D50_COLORANTS = {b"rXYZ": (0.4361, 0.2225, 0.0139), b"gXYZ": (0.3851, 0.7169, 0.0971),
                 b"bXYZ": (0.1431, 0.0606, 0.7141), b"wtpt": (0.9642, 1.0, 0.8249)}


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def linear_rgb_profile() -> bytes:
    """A minimal ICC v2 display profile: sRGB's primaries with a linear tone curve (gamma 1), so that a
    value of 128 in it is a mid-grey that sRGB writes as about 188."""
    desc_text = b"Linear RGB test\x00"
    tags = {b"desc": b"desc" + bytes(4) + struct.pack(">I", len(desc_text)) + desc_text + bytes(8 + 67)}
    tags |= {sig: b"XYZ " + bytes(4) + b"".join(_s15(c) for c in xyz) for sig, xyz in D50_COLORANTS.items()}
    tags |= {sig: b"curv" + bytes(4) + struct.pack(">I", 0) for sig in (b"rTRC", b"gTRC", b"bTRC")}
    table, data, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for sig, body in tags.items():
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + bytes(12)
              + b"acsp" + bytes(4 + 4 + 4 + 4 + 8 + 4) + _s15(0.9642) + _s15(1.0) + _s15(0.8249)
              + bytes(4 + 16 + 28))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _tagged(path, value: int, fmt: str, **options) -> None:
    grey = Image.new("RGB", (32, 16), (value,) * 3)
    grey.save(path, format=fmt, icc_profile=linear_rgb_profile(), **options)


def test_a_photo_in_another_colour_space_is_read_in_srgb(tmp_path):
    _tagged(tmp_path / "linear.png", 128, "PNG")
    img = load_image(tmp_path / "linear.png")
    assert abs(int(img[8, 16, 0]) - 188) <= 2, img[8, 16]  # linear 0.5 is sRGB 0.735
    Image.new("RGB", (32, 16), (128,) * 3).save(tmp_path / "plain.png")
    assert (load_image(tmp_path / "plain.png") == 128).all()  # no profile: the numbers as they are


def test_srgb_tagged_and_broken_profiles_leave_the_pixels_as_they_are(tmp_path):
    srgb = Image.new("RGB", (8, 8), (128, 60, 200))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    srgb.save(tmp_path / "srgb.png", icc_profile=icc)
    assert (load_image(tmp_path / "srgb.png") == (128, 60, 200)).all()
    broken = srgb.copy()
    broken.info["icc_profile"] = b"not a profile"
    assert to_srgb(broken) is broken


def test_exif_turned_jpegs_and_animation_frames_are_converted_too(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    _tagged(tmp_path / "turned.jpg", 128, "JPEG", exif=exif, quality=100)
    img = load_image(tmp_path / "turned.jpg")
    assert img.shape == (32, 16, 3) and abs(int(img[16, 8, 0]) - 188) <= 3
    frames = [Image.new("RGB", (16, 16), (v,) * 3) for v in (64, 128)]
    frames[0].save(tmp_path / "anim.webp", save_all=True, append_images=frames[1:], lossless=True,
                   icc_profile=linear_rgb_profile(), duration=100)
    anim = load_animation(tmp_path / "anim.webp")
    assert abs(int(anim.frames[1][8, 8, 0]) - 188) <= 2 and abs(int(anim.frames[0][8, 8, 0]) - 137) <= 2


def test_profile_builder_is_a_valid_profile():
    profile = ImageCms.ImageCmsProfile(io.BytesIO(linear_rgb_profile()))
    assert ImageCms.getProfileDescription(profile).strip() == "Linear RGB test"
