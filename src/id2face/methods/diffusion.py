"""The ID2Face method: a loaded ID2FacePipeline behind the FaceMethod interface."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from id2face.face.types import Face
from id2face.geometry import CropTemplate
from id2face.model.geometry_maps import NUM_MESH_POINTS
from id2face.model.pipeline import ID2FacePipeline
from id2face.model.recognizers import Recognizer


def default_steps(model_dir: str | Path, fallback: int = 20) -> int:
    """The sampling steps the model was exported with (training.json), else `fallback`."""
    card = Path(model_dir) / "training.json"
    try:
        return int(json.loads(card.read_text()).get("inference_steps", fallback))
    except (OSError, ValueError):
        return fallback


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class DiffusionOptions:
    """How a loaded model runs: where, in which precision, with which sampler and how many steps.

    dtype "auto" is bfloat16 on CUDA and float32 elsewhere (CPUs without bf16 units run it slower).
    The identity path (recognizer embedding, ID-VAE, OIM) always stays float32.
    """

    device: str = "cpu"
    steps: int | None = None  # None: the steps the model was exported with
    strength: float = 1.0
    sampler: str | None = None  # None: the model's own scheduler; else a key of model.samplers.SAMPLERS
    dtype: str = "auto"
    channels_last: bool = True  # NHWC convolutions: 3-7 % faster per step on the 2-core CPU as well
    compile: bool = False  # torch.compile the denoiser (first batches pay the compile time)
    batch_size: int = 32  # faces per denoiser batch
    track_frames: int = 5  # a video track's source identity: the mean of its first N embeddings

    def check_device(self) -> None:
        """A clear message instead of torch's assertion when the asked device is not there."""
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"--device {self.device}: no CUDA device is available here (torch {torch.__version__}"
                             f"{', built without CUDA' if torch.version.cuda is None else ''}); use --device cpu")
        if self.device.startswith("mps") and not torch.backends.mps.is_available():
            raise ValueError(f"--device {self.device}: Apple MPS is not available here; use --device cpu")

    def torch_dtype(self) -> torch.dtype:
        if self.dtype == "auto":
            return torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be auto or one of {', '.join(DTYPES)}, got {self.dtype!r}")
        return DTYPES[self.dtype]


def prepare_pipeline(pipe: ID2FacePipeline, opts: DiffusionOptions) -> ID2FacePipeline:
    """Move to the device and precision, swap the sampler, and apply the speed options."""
    from diffusers.utils import logging as diffusers_logging

    from id2face.model.samplers import make_sampler

    opts.check_device()
    dtype = opts.torch_dtype()
    level = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()  # no "keep in float32" notes: our models list no such modules
    try:
        for name, module in pipe.components.items():
            if isinstance(module, torch.nn.Module):  # identity sampling (a tiny MLP) stays float32
                module.to(device=opts.device, dtype=torch.float32 if name == "idvae" else dtype)
    finally:
        diffusers_logging.set_verbosity(level)
    if opts.sampler:
        pipe.scheduler = make_sampler(opts.sampler, pipe.scheduler.config)
    if opts.channels_last:
        pipe.unet.to(memory_format=torch.channels_last)
    if opts.compile:
        pipe.compile_denoiser()
    return pipe


class TrackIdentities:
    """Source identity per video track: the mean of its first `frames` embeddings, then reused.

    A person's identity does not change within a track, so embedding every frame would only add
    time (the recognizer is ~80 ms per face on a CPU) and jitter: the fake identity derived from
    it would flicker from frame to frame.
    """

    def __init__(self, frames: int = 5) -> None:
        self.frames = frames
        self._sum: dict[int, np.ndarray] = {}
        self._count: dict[int, int] = {}

    def reset(self) -> None:
        self._sum.clear()
        self._count.clear()

    def needs(self, track_id: int) -> bool:
        return self._count.get(track_id, 0) < self.frames

    def add(self, track_id: int, embedding: np.ndarray) -> None:
        self._sum[track_id] = self._sum.get(track_id, 0.0) + np.asarray(embedding, np.float64)
        self._count[track_id] = self._count.get(track_id, 0) + 1

    def get(self, track_id: int) -> np.ndarray:
        mean = self._sum[track_id] / self._count[track_id]
        return (mean / max(np.linalg.norm(mean), 1e-12)).astype(np.float32)


class ID2FaceMethod:
    """Anonymises aligned crops with a trained ID2Face model (one sampling pass per face).

    Per-face identity key: f"{seed}:{track_id}" for tracked faces (one video track keeps one fake
    identity), f"{seed}:face{i}" otherwise; seed None draws a fresh random run seed.
    """

    name = "id2face"
    color_match = True

    def __init__(self, pipe: ID2FacePipeline, steps: int | None = None, strength: float = 1.0,
                 batch_size: int = 32, track_frames: int = 5) -> None:
        self.pipe = pipe
        self.tracks = TrackIdentities(track_frames)
        self.pipe.set_progress_bar_config(disable=True)
        self.steps = int(steps) if steps else 20
        self.strength = float(strength)
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(
        cls, model_dir: str | Path, options: DiffusionOptions | None = None,
        recognizer: Recognizer | None = None, recognizer_onnx: str | Path | None = None, **option_kwargs,
    ) -> ID2FaceMethod:
        """Load a model directory; `options` (or keyword options: device=, steps=, sampler=, ...) say how it runs."""
        from diffusers.utils import logging as diffusers_logging

        opts = options or DiffusionOptions(**option_kwargs)
        diffusers_logging.disable_progress_bar()  # the loading bar is noise next to the CLI's own
        pipe = ID2FacePipeline.from_pretrained(model_dir, recognizer=recognizer, recognizer_onnx=recognizer_onnx)
        return cls(prepare_pipeline(pipe, opts), steps=opts.steps or default_steps(model_dir),
                   strength=opts.strength, batch_size=opts.batch_size, track_frames=opts.track_frames)

    @property
    def crop_size(self) -> int:
        return int(self.pipe.config.crop_size)

    @property
    def template(self) -> CropTemplate:
        return self.pipe.template

    @staticmethod
    def identity_keys(faces: list[Face], seed: int | None) -> list[str]:
        run = seed if seed is not None else secrets.randbits(63)
        # face_index: the face's place in its own photo, so batching photos never changes a key
        return [f"{run}:{f.track_id}" if f.track_id is not None else f"{run}:face{f.extras.get('face_index', i)}"
                for i, f in enumerate(faces)]

    @staticmethod
    def _landmarks(faces: list[Face]) -> np.ndarray | None:
        rows, any_mesh = [], False
        for f in faces:
            lm = f.crop_landmarks
            if lm is not None and np.asarray(lm).shape[0] == NUM_MESH_POINTS:
                rows.append(np.asarray(lm, dtype=np.float32)[:, :2])
                any_mesh = True
            else:
                rows.append(np.full((NUM_MESH_POINTS, 2), np.nan, np.float32))
        return np.stack(rows) if any_mesh else None

    def new_sequence(self) -> None:
        """Called at the start of each video: track ids start again, so do their identities."""
        self.tracks.reset()

    def source_embeddings(self, crops: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Recognizer embeddings; a tracked face reuses its track's (see TrackIdentities)."""
        need = [i for i, f in enumerate(faces) if f.track_id is None or self.tracks.needs(f.track_id)]
        out = np.zeros((len(faces), self.pipe.idvae.config.embed_dim), np.float32)
        if need:
            fresh = self.pipe.recognizer.embed(crops[need], self.template, self.crop_size)
            for row, i in zip(fresh, need, strict=True):
                if faces[i].track_id is None:
                    out[i] = row
                else:
                    self.tracks.add(faces[i].track_id, row)
        for i, f in enumerate(faces):
            if f.track_id is not None:
                out[i] = self.tracks.get(f.track_id)
        return out

    def __call__(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None) -> np.ndarray:
        crops = np.asarray(crops, dtype=np.uint8)
        if len(crops) == 0:
            return crops.copy()
        keys = self.identity_keys(faces, seed)
        lms = self._landmarks(faces)
        src = self.source_embeddings(crops, faces)
        out = []
        for s in range(0, len(crops), self.batch_size):
            sl = slice(s, s + self.batch_size)
            res = self.pipe(
                crops[sl], masks=np.asarray(masks[sl], dtype=np.float32),
                landmarks=None if lms is None else lms[sl], identity_key=keys[sl], source_embeddings=src[sl],
                strength=self.strength, num_inference_steps=self.steps, output_type="np",
            )
            out.append(res.images)
        return np.concatenate(out)

