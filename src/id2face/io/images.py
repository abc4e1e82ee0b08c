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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from id2face.io.colour import to_srgb
from id2face.io.files import publish
from id2face.io.heif import HEIF_EXTENSIONS, MISSING, heif_ready, is_heif
from id2face.io.transparency import ALPHA_FORMATS, has_transparency, join, over_white, straight

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm", ".pgm",
                    ".avif", *HEIF_EXTENSIONS}
# Photos that are named as photos (a folder's are listed) but not read: each fails with this line, so a
# folder of RAW + JPEG pairs never passes its RAW files (which still show every face) in silence.
NOT_READ = dict.fromkeys((".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".orf", ".rw2", ".raf", ".srw",
                          ".pef", ".x3f", ".3fr", ".iiq"), "camera RAW") | {".jxl": "JPEG XL"}
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
    """A photo the tool reads, by its extension."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def is_photo_name(path: str | os.PathLike) -> bool:
    """A photo by its extension, read or not (NOT_READ): what a folder given to anonymize lists, so that
    the photos it cannot read fail aloud."""
    return is_image(path) or Path(path).suffix.lower() in NOT_READ


def load_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read a photo as an upright (EXIF-oriented) RGB uint8 array, or raise MediaError.
    A transparent photo is given as it looks over white."""
    return _read(path, max_pixels)[0]


def load_photo(path: str | os.PathLike,
               max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, np.ndarray | None]:
    """The photo to anonymize and its alpha, (H, W) uint8, where it has transparency (else None).

    With an alpha the colour is the file's own (straight, black where fully transparent): faces are
    replaced in what the file holds; save_image(..., alpha=) puts the alpha back (io/transparency.py).
    """
    return colour_and_alpha(*_read(path, max_pixels))


def decode_image(data: bytes, name: str = "upload", max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """load_image for bytes in memory (uploads): same checks, same errors, nothing written to disk."""
    return _read_bytes(data, name, max_pixels)[0]


def decode_photo(data: bytes, name: str = "upload",
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, np.ndarray | None]:
    """load_photo for bytes in memory (uploads)."""
    return colour_and_alpha(*_read_bytes(data, name, max_pixels))


def colour_and_alpha(rgb: np.ndarray, rgba: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """to_rgb_alpha's pair as a photo to anonymize: its RGB, or with transparency its straight colour and
    alpha (see load_photo)."""
    return (rgb, None) if rgba is None else (straight(rgba), rgba[..., 3].copy())


def _read(path: str | os.PathLike, max_pixels: int) -> tuple[np.ndarray, np.ndarray | None]:
    path = checked_source(path)
    return _decode(path, str(path), max_pixels)


def checked_source(path: str | os.PathLike) -> Path:
    """`path`, or MediaError where it cannot be a photo to read: a format not read here (NOT_READ), HEIF
    without pillow-heif, a file that is missing or empty."""
    path = Path(path)
    unread = NOT_READ.get(path.suffix.lower())
    if unread:
        raise MediaError(f"{path}: {unread} photos are not read here; export it as JPEG, PNG or TIFF and "
                         "anonymize that (this file still shows every face)")
    if is_heif(path) and not heif_ready():
        raise MediaError(f"{path}: {MISSING}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise MediaError(f"{path}: cannot read ({e.strerror or e})") from e
    if size == 0:
        raise MediaError(f"{path}: empty file")
    return path


def _read_bytes(data: bytes, name: str, max_pixels: int) -> tuple[np.ndarray, np.ndarray | None]:
    return _decode(checked_bytes(data, name), name, max_pixels)


def checked_bytes(data: bytes, name: str) -> io.BytesIO:
    """checked_source for bytes in memory (an upload): MediaError where empty, else a file to open."""
    if not data:
        raise MediaError(f"{name}: empty file")
    heif_ready()  # an upload has no extension to go by: HEIF is read wherever the package is there
    return io.BytesIO(data)


def _decode(source, name: str, max_pixels: int) -> tuple[np.ndarray, np.ndarray | None]:
    with decoding(name), Image.open(source) as im:
        w, h = im.size
        if w * h > max_pixels:
            raise TooManyPixels(name, w, h, max_pixels)
        im.load()
        return to_rgb_alpha(to_srgb(ImageOps.exif_transpose(im)))


@contextmanager
def decoding(name: str) -> Iterator[None]:
    """Decoding under way: PIL's errors become one MediaError naming `name` and the reason. PIL's own
    pixel limit is off (the caller's check names the real limit; PIL's would name twice it)."""
    old_limit = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = None
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
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


def to_rgb_alpha(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Any PIL mode (palette, 16-bit, CMYK, alpha) to 8-bit RGB as seen over white, and the straight
    RGBA where some pixel is not opaque (else None)."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        arr = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2), None
    if im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        arr = np.clip(arr * (255.0 if arr.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2), None
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = np.array(im.convert("RGBA"), dtype=np.uint8)
        return over_white(rgba), (rgba if has_transparency(rgba) else None)
    return np.array(im.convert("RGB"), dtype=np.uint8), None  # a writable copy


_FORMATS = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".bmp": "BMP", ".webp": "WEBP",
    ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF", ".ppm": "PPM", ".pgm": "PPM", ".avif": "AVIF",
    ".heic": "HEIF", ".heif": "HEIF",
}
_QUALITY_FORMATS = {"JPEG", "WEBP", "AVIF", "HEIF"}  # lossy: they take the --quality


def encode_image(image: np.ndarray, fmt: str = "PNG", quality: int = 95,
                 alpha: np.ndarray | None = None) -> bytes:
    """RGB pixels (and an alpha, as for save_image) -> file bytes in `fmt` (a PIL format name) with no
    metadata at all."""
    buf = io.BytesIO()
    _write(image, buf, fmt, quality, alpha)
    return buf.getvalue()


def fresh_image(image: np.ndarray, fmt: str, alpha: np.ndarray | None = None) -> Image.Image:
    """A new PIL image from raw pixels (RGB, or (H, W) grey), so it carries no EXIF/XMP/ICC/thumbnail of the
    input. With an `alpha` (RGB only): RGBA where `fmt` keeps one, else the picture as it looks over white
    (io/transparency.py)."""
    arr = np.ascontiguousarray(image, dtype=np.uint8)
    if alpha is None:
        return Image.fromarray(arr, mode="L" if arr.ndim == 2 else "RGB")
    rgba = join(arr, alpha)
    if fmt in ALPHA_FORMATS:
        return Image.fromarray(rgba, mode="RGBA")
    return Image.fromarray(over_white(rgba), mode="RGB")


def format_of(path: Path) -> str:
    """The PIL format an output path's extension asks for, or MediaError."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MediaError(f"{path}: unsupported output format {path.suffix!r}")
    if fmt == "HEIF" and not heif_ready():
        raise MediaError(f"{path}: {MISSING}")
    return fmt


def _write(image: np.ndarray, f, fmt: str, quality: int, alpha: np.ndarray | None = None) -> None:
    kwargs: dict = {"quality": quality} if fmt in _QUALITY_FORMATS else {}
    fresh_image(image, fmt, alpha).save(f, format=fmt, **kwargs)


def save_image(image: np.ndarray, path: str | os.PathLike, quality: int = 95,
               alpha: np.ndarray | None = None) -> None:
    """Write RGB pixels atomically with no metadata at all; the format follows the extension.

    alpha: the input's (load_photo): a PNG, WebP, TIFF or GIF output keeps the transparency; other
    formats show the picture as it looks over white.
    """
    path = Path(path)
    fmt = format_of(path)
    write_atomically(path, lambda f: _write(image, f, fmt, quality, alpha))


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write` into a temporary file beside `path`, then rename it into place: a failure leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as f:  # readable too: PIL reads back what it wrote of a multi-page TIFF
            write(f)
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
