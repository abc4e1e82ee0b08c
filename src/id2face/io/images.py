"""Photo input/output with the privacy and safety defaults of the tool.

Reading applies the EXIF orientation, converts any mode to RGB and refuses files that are not
images, are truncated, or exceed a pixel budget, each with one clear `MediaError`. Writing goes to
a temporary file and is renamed into place, and never carries over metadata (EXIF, XMP, GPS, ICC
thumbnails): a fresh image is built from the pixels alone.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from id2face.io.files import publish

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm", ".pgm"}
# Default pixel budget: 200 megapixels (a 50 MP photo is fine; a decompression bomb is not).
DEFAULT_MAX_PIXELS = 200_000_000


class MediaError(ValueError):
    """A file that cannot be read or written; the message names the file and the reason."""


class TooManyPixels(MediaError):
    """A photo over the pixel limit; carries its size so each front-end can word its own advice."""

    def __init__(self, name: str, width: int, height: int, limit: int):
        super().__init__(f"{name}: {width}x{height} exceeds the {limit:,}-pixel limit (--max-pixels)")
        self.width, self.height, self.limit = width, height, limit


def is_image(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def load_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read a photo as an upright (EXIF-oriented) RGB uint8 array, or raise MediaError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise MediaError(f"{path}: cannot read ({e.strerror or e})") from e
    if size == 0:
        raise MediaError(f"{path}: empty file")
    return _decode(path, str(path), max_pixels)


def decode_image(data: bytes, name: str = "upload", max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """load_image for bytes in memory (uploads): same checks, same errors, nothing written to disk."""
    if not data:
        raise MediaError(f"{name}: empty file")
    return _decode(io.BytesIO(data), name, max_pixels)


def _decode(source, name: str, max_pixels: int) -> np.ndarray:
    old_limit = Image.MAX_IMAGE_PIXELS
    try:
        # Our own check below reads the size from the header and names the real limit; PIL's would
        # name twice the limit for a photo over 2x (its error threshold) and a different text below.
        Image.MAX_IMAGE_PIXELS = None
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                w, h = im.size
                if w * h > max_pixels:
                    raise TooManyPixels(name, w, h, max_pixels)
                im.load()
                im = ImageOps.exif_transpose(im)
                rgb = _to_rgb(im)
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise MediaError(f"{name}: image too large ({e}); raise --max-pixels if it is genuine") from e
    except UnidentifiedImageError as e:
        raise MediaError(f"{name}: not an image or an unsupported format") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise MediaError(f"{name}: corrupt or truncated image ({e})") from e
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
    return rgb


def _to_rgb(im: Image.Image) -> np.ndarray:
    """Any PIL mode (palette, 16-bit, CMYK, alpha) to 8-bit RGB; alpha is composited on white."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        arr = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2)
    if im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        arr = np.clip(arr * (255.0 if arr.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.array(im.convert("RGB"), dtype=np.uint8)  # a writable copy


_FORMATS = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".bmp": "BMP", ".webp": "WEBP",
    ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF", ".ppm": "PPM", ".pgm": "PPM",
}


def encode_image(image: np.ndarray, fmt: str = "PNG", quality: int = 95) -> bytes:
    """RGB pixels -> file bytes in `fmt` (a PIL format name) with no metadata at all."""
    buf = io.BytesIO()
    _write(image, buf, fmt, quality)
    return buf.getvalue()


def _write(image: np.ndarray, f, fmt: str, quality: int) -> None:
    arr = np.ascontiguousarray(image, dtype=np.uint8)
    # A fresh Image from raw pixels carries no EXIF/XMP/ICC/thumbnail of the input.
    im = Image.fromarray(arr, mode="RGB")
    kwargs: dict = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    im.save(f, format=fmt, **kwargs)


def save_image(image: np.ndarray, path: str | os.PathLike, quality: int = 95) -> None:
    """Write RGB pixels atomically with no metadata at all; the format follows the extension."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MediaError(f"{path}: unsupported output format {path.suffix!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            _write(image, f, fmt, quality)
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
