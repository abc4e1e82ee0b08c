"""Halftone and dithered photos: a scanned newspaper page, a fax, a 1-bit export.

Their tones are patterns of black and white dots, and neither face detector finds a face in dots: such a
photo came out unchanged, every face in it still there. A black-and-white photo whose fine detail is mostly
a screen is smoothed with a Gaussian matched to the screen's period; faces are found, and the method draws,
in that smoothed copy; only the pixels the method changed go back into the photo, dithered to black and
white again, so the new face is dots like the rest of the page and the page keeps its own. Colour prints
(four screens) and grey scans that show the dots as soft grey blobs are not recognised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from id2face.io.deep import changed_region

TILE = 64  # side of the tiles looked at
GRID = 8  # at most GRID x GRID tiles, spread over the photo: a printed photo may fill only part of a page
EXTREME = 40  # grey levels from black or white that count as black or white
# A photo is printed in dots when its pixels are black or white (this share of them, each of the two at
# least INK: a dark, noisy night shot is nearly all black, never white too) and at least SCREEN_TILES of
# its tiles change between black and white at least DENSE times per pixel along a row or column (a screen
# of at most 1 / DENSE pixels; solid shapes, silhouettes and a page's margins change far less). 2,800
# celeba-wild and lfw photos: none over 0.91 black or white; halftones of 3-10 px: all black or white.
BLACK_WHITE = 0.95
INK = 0.02
DENSE = 1 / 12
SCREEN_TILES = 3
FLAT = 2.0  # a tile with less spread (grey levels) has no detail to judge
FINE_PERIOD = 2.5  # a screen finer than this (pixels) is a dither: new dots are diffused, not clustered
SMOOTHING = 0.55  # the Gaussian's sigma, in estimated periods: a screen at 45 degrees changes up to 1.4x as
# often along a row as its period says, and 0.4 of the true period leaves under 5 % of it


@dataclass
class Screen:
    """A screened photo: its smoothed copy and the screen's period (pixels)."""

    smooth: np.ndarray
    period: float

    def restore(self, original: np.ndarray, out: np.ndarray) -> np.ndarray:
        """`original` with the pixels a method changed in `smooth` (giving `out`) taken from `out`, turned
        into black and white dots of the photo's own kind (`dots`)."""
        changed = changed_region(self.smooth, out, 3)  # no old dot through a new pixel equal to its old one
        result = np.array(original, dtype=np.uint8, copy=True)
        if not changed.any():
            return result
        ys, xs = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        box = (slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
        grey = np.asarray(Image.fromarray(np.ascontiguousarray(out[box])).convert("L"))
        new = dots(grey, self.period, (int(ys[0]), int(xs[0])))
        result[box][changed[box]] = new[changed[box]][:, None]
        return result


def dots(grey: np.ndarray, period: float, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Grey levels as black (0) and white (255) dots: error diffusion (Floyd-Steinberg) for a dither's
    fine grain, else a clustered-dot halftone of `period` pixels at 45 degrees, as print screens are.
    `origin`: where `grey` sits in the photo, so that pieces of one photo share one screen."""
    if period < FINE_PERIOD:
        return np.asarray(Image.fromarray(grey).convert("1"), np.uint8) * 255
    y, x = np.mgrid[0:grey.shape[0], 0:grey.shape[1]].astype(np.float64)
    y, x = (y + origin[0]) / period, (x + origin[1]) / period
    threshold = _spot((x + y) / np.sqrt(2.0), (y - x) / np.sqrt(2.0))
    # through the spot function's own distribution over a cell: a grey level g inks a share g of the cell
    cell = np.sort(_spot(*np.meshgrid(np.linspace(0, 1, 128), np.linspace(0, 1, 128))).ravel())
    threshold = np.interp(threshold, cell, np.linspace(0.0, 1.0, cell.size))
    return np.where(grey / 255.0 > threshold, 255, 0).astype(np.uint8)


def _spot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A round dot's threshold over a screen cell (u, v in cell units), in [0, 1]: dots grow from the cell's
    centre as the grey level darkens and join in a checkerboard at mid-grey."""
    return (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4.0 + 0.5


def _tiles(image: np.ndarray) -> np.ndarray:
    """(N, TILE, TILE) grey tiles spread over the photo (only they are converted: a photo may be 50 MP)."""
    h, w = image.shape[:2]
    ys = np.unique(np.linspace(0, h - TILE, GRID).astype(int))
    xs = np.unique(np.linspace(0, w - TILE, GRID).astype(int))
    tiles = np.stack([image[y:y + TILE, x:x + TILE] for y in ys for x in xs]).astype(np.float32)
    return tiles.mean(axis=3) if tiles.ndim == 4 else tiles


def screen_of(image: np.ndarray) -> tuple[float, float, np.ndarray] | None:
    """(share of black pixels, of white pixels, each detailed tile's changes between black and white per
    pixel along rows and columns: about 1 / period for a screen) of an RGB photo; None below a tile's size."""
    if image.shape[0] < TILE or image.shape[1] < TILE:
        return None
    tiles = _tiles(image)
    black, white = float((tiles < EXTREME).mean()), float((tiles > 255 - EXTREME).mean())
    ink = tiles[tiles.reshape(len(tiles), -1).std(axis=1) >= FLAT] > 127  # tiles with detail to judge
    along_rows = (ink[:, :, 1:] != ink[:, :, :-1]).mean(axis=(1, 2))
    return black, white, (along_rows + (ink[:, 1:] != ink[:, :-1]).mean(axis=(1, 2))) / 2


def find_screen(image: np.ndarray, look: bool = True) -> Screen | None:
    """A Screen for a halftone or dithered RGB photo, else None (every ordinary photo: see
    docs/PERFORMANCE.md, "Photos printed in dots"; and every photo where `look` is off:
    DetectorConfig.descreen)."""
    stats = screen_of(image) if look else None
    if stats is None:
        return None
    black, white, changes = stats
    dense = changes[changes >= DENSE]
    if black + white < BLACK_WHITE or min(black, white) < INK or len(dense) < SCREEN_TILES:
        return None
    period = 1.0 / float(np.median(dense))
    sigma = max(0.8, SMOOTHING * period)
    smooth = cv2.GaussianBlur(np.ascontiguousarray(image, dtype=np.uint8), (0, 0), sigma)
    return Screen(smooth=smooth, period=period)


def pick_view(image: np.ndarray, screen: Screen | None, detect: Callable[[np.ndarray], list]
              ) -> tuple[Screen | None, list]:
    """(the screen to work through, or None for the photo as it is; the faces `detect` finds there). A photo
    taken for a print is looked at both ways and worked on in the view with more faces the face mesh
    aligned, then more faces (the photo's own on a tie): a thresholded photo (black and white, but no
    screen) keeps its sharp edges where they serve."""
    own = detect(image)
    if screen is None:
        return None, own
    smoothed = detect(screen.smooth)
    return (screen, smoothed) if _worth(smoothed) > _worth(own) else (None, own)


def _worth(faces: list) -> tuple[int, int]:
    return sum(getattr(f, "mesh", None) is not None for f in faces), len(faces)
