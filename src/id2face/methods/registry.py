"""The methods by name: what every CLI, the web page and the evaluation offer, and how each is built."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from id2face.methods.base import FaceMethod

CLASSIC = ("blur", "pixelate", "mask")
METHODS = ("id2face", *CLASSIC)


def default_model_dir() -> Path:
    """The model bundled inside the package (present once the default model ships)."""
    return Path(__file__).parents[1] / "assets" / "default_model"


def default_method(model: str | os.PathLike | None = None) -> str:
    """id2face when a model is given or bundled, otherwise blur (and say so once)."""
    if model or (default_model_dir() / "model_index.json").is_file():
        return "id2face"
    print("note: no bundled ID2Face model is installed; using --method blur", file=sys.stderr)
    return "blur"


def build_method(name: str, model: str | os.PathLike | None = None, device: str = "cpu",
                 steps: int | None = None, strength: float = 1.0, **runtime: Any) -> FaceMethod:
    """A method by name; `id2face` loads `model` or the bundled default.

    `runtime` takes the other fields of methods.runtime.DiffusionOptions (sampler, dtype,
    channels_last, compile, batch_size, track_frames, consistent).
    """
    # Here, not at the top: the CLIs import this module to build their --help, and the classic
    # filters need OpenCV and the id2face method torch + diffusers (seconds to import).
    from id2face.methods.classic import CLASSIC_METHODS

    if name in CLASSIC_METHODS:
        return CLASSIC_METHODS[name]()
    if name != "id2face":
        raise ValueError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")
    model_dir = Path(model) if model else default_model_dir()
    if not (model_dir / "model_index.json").is_file():
        raise FileNotFoundError(
            f"no ID2Face model at {model_dir}: pass --model DIR (a directory written by `id2face train` "
            "or ID2FacePipeline.save_pretrained), or choose --method blur|pixelate|mask"
        )
    from id2face.methods.diffusion import DiffusionOptions, ID2FaceMethod  # torch: see above

    opts = DiffusionOptions(device=device, steps=steps, strength=strength, **runtime)
    return ID2FaceMethod.from_pretrained(model_dir, opts)
