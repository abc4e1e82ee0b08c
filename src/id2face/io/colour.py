"""Colour-managed reading: a photo tagged with a colour profile other than sRGB is converted to sRGB.

Outputs carry no metadata, the colour profile included (io/images.py). A phone photo in Display P3 or a
camera's Adobe RGB, read as plain numbers and written without its profile, came out duller than it went
in: every pixel of it, not just the faces. Its pixels are now converted to sRGB once, on reading, so the
output shows the same colours without any profile, and the models see the colours they were trained on.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageCms

_MODES = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB", "LA": "RGBA"}  # in -> out


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_srgb(im: Image.Image) -> Image.Image:
    """`im` in sRGB: converted from its embedded profile where it has one that is not sRGB; as it is
    where it has none, an sRGB one, or one that cannot be used (a damaged or unusual profile)."""
    icc = im.info.get("icc_profile")
    out_mode = _MODES.get(im.mode)
    if not icc or out_mode is None:
        return im
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in (ImageCms.getProfileDescription(profile) or "").lower().replace(" ", ""):
            return im
        return ImageCms.profileToProfile(im, profile, _srgb(), outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
