"""Classic anonymizers on aligned crops: blur, pixelate, solid mask.

They are the baselines the evaluation compares against, and the `--on-error blur` fallback.
Each is deterministic and strong enough that a recognizer no longer matches the face.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from id2face.face.config import MaskConfig
from id2face.face.types import Face
from id2face.geometry import FFHQ, CropTemplate

# The mask method's crop: FFHQ's face shrunk to 60 % about a point between the eyes and the mouth, so
# that the region pushed below the chin (a beard) and any hair push stay inside the crop (a mask clipped
# at the crop border left straight cut edges and the beard uncovered).
MASK_SHRINK = 0.6
WIDE = CropTemplate.scaled("ffhq-wide", np.asarray(FFHQ.points), MASK_SHRINK, (0.5, 0.45))


@dataclass(kw_only=True)
class ClassicMethod:
    """What every classic filter shares: a 256-px crop on the FFHQ template, no colour matching.

    Their calls take `strength` (as every method may) and ignore it: a filter has one strength.
    """

    crop_size: int = 256
    template: CropTemplate = FFHQ
    color_match: bool = False


@dataclass(kw_only=True)
class BlurMethod(ClassicMethod):
    """Heavy Gaussian blur of the face region (sigma relative to the crop)."""

    sigma: float = 0.08
    name: str = "blur"

    def __call__(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None,
                 strength: float | None = None) -> np.ndarray:
        size = crops.shape[1]
        small = max(8, size // 4)  # blur at quarter size: same look, a sixteenth of the work
        s = self.sigma * small * np.sqrt(2)  # equals two passes of sigma: nothing survives at the centre
        out = []
        for c in crops:
            low = cv2.GaussianBlur(cv2.resize(c, (small, small), interpolation=cv2.INTER_AREA), (0, 0), s)
            out.append(cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC))
        return np.stack(out)


@dataclass(kw_only=True)
class PixelateMethod(ClassicMethod):
    """Mosaic: the face region averaged into `blocks` x `blocks` cells."""

    blocks: int = 10
    name: str = "pixelate"

    def __call__(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None,
                 strength: float | None = None) -> np.ndarray:
        size = crops.shape[1]
        out = []
        for c in crops:
            small = cv2.resize(c, (self.blocks, self.blocks), interpolation=cv2.INTER_AREA)
            out.append(cv2.resize(small, (size, size), interpolation=cv2.INTER_NEAREST))
        return np.stack(out)


@dataclass(kw_only=True)
class MaskMethod(ClassicMethod):
    """Solid fill of the face region with one colour (default: black)."""

    colour: tuple[int, int, int] = (0, 0, 0)
    name: str = "mask"
    crop_size: int = 384  # WIDE's face is 60 % as large: a finer crop keeps the mask's edge as fine
    template: CropTemplate = WIDE
    beard: float = 0.3  # the covered region reaches this fraction of the face height below the chin

    def mask_config(self, base: MaskConfig) -> MaskConfig:
        """The photo's mask settings for this method: down over a beard, dilate and feather in face terms.

        Dilate and feather are fractions of the crop; the face is MASK_SHRINK as large in WIDE, so they
        shrink by as much to keep the same size on the face.
        """
        return replace(base, chin=max(base.chin, self.beard), dilate=base.grow * MASK_SHRINK,
                       feather=base.feather * MASK_SHRINK)

    def __call__(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None,
                 strength: float | None = None) -> np.ndarray:
        out = np.empty_like(crops)
        out[...] = np.asarray(self.colour, dtype=np.uint8)
        return out


CLASSIC_METHODS = {"blur": BlurMethod, "pixelate": PixelateMethod, "mask": MaskMethod}
