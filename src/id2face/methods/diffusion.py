"""The ID2Face method: a loaded ID2FacePipeline behind the FaceMethod interface."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import numpy as np

from id2face.face.config import MaskConfig
from id2face.face.points_mesh import PointsMesh, load_points_mesh
from id2face.face.types import Face
from id2face.geometry import CropTemplate, affine_scale
from id2face.identity import Recognizer
from id2face.model.config import (
    DEFAULT_FACE_SHAPE,
    DEFAULT_FACE_SHAPE_SPREAD,
    checked_amount,
    checked_attributes,
    checked_sampling,
    checked_skin_tone,
    checked_spread,
    recorded_face_shape,
    recorded_face_shape_spread,
)
from id2face.model.face_shape import FaceShape, key_rng, load_face_shape
from id2face.model.geometry_maps import NUM_MESH_POINTS
from id2face.model.pipeline import ID2FacePipeline

from .runtime import DiffusionOptions, prepare_pipeline
from .track_identity import PersonRegistry, TrackIdentities

__all__ = ["DiffusionOptions", "ID2FaceMethod", "TrackIdentities", "prepare_pipeline"]


def crop_depth(face: Face) -> np.ndarray | None:
    """(478,) the face mesh's depth in crop pixels (the photo's depth scaled as the crop scales it), or None
    for a face without a 3-D mesh."""
    mesh, matrix = face.mesh, face.matrix
    if mesh is None or matrix is None or np.asarray(mesh).ndim != 2 or np.asarray(mesh).shape[1] < 3 \
            or len(mesh) < NUM_MESH_POINTS:
        return None
    return np.asarray(mesh, np.float64)[:NUM_MESH_POINTS, 2] * affine_scale(matrix)


class ID2FaceMethod:
    """Anonymises aligned crops with a trained ID2Face model (one sampling pass per face).

    Per-face identity key (see `identity_keys`): f"{seed}:{track_id}" for tracked faces (one video
    track keeps one fake identity), f"{seed}:person{n}" under --consistent, else
    f"{seed}:{face.photo_key}:face{face.face_index}"; seed None draws a fresh random run seed.
    """

    name = "id2face"
    color_match = True

    def __init__(self, pipe: ID2FacePipeline, steps: int | None = None,
                 strength: float = DiffusionOptions.strength, batch_size: int = DiffusionOptions.batch_size,
                 track_frames: int = DiffusionOptions.track_frames, consistent: bool = False,
                 guidance: float | None = None, identity_candidates: int | None = None,
                 guidance_start: float | None = None, face_shape: float | None = None,
                 face_shape_spread: float | None = None,
                 attributes: str | None = None, attributes_min_px: float | None = None,
                 skin_tone: float | None = None) -> None:
        """Defaults are DiffusionOptions' (one place); steps and the guidance settings None: the
        pipeline's defaults (the model's training.json)."""
        self.pipe = pipe
        self.tracks = TrackIdentities(track_frames)
        self.persons: PersonRegistry | None = None
        if consistent:  # one fake identity per real person across the run (recognizer's own limit)
            self.persons = PersonRegistry(float(pipe.recognizer.same_person_threshold), track_frames)
        self.pipe.set_progress_bar_config(disable=True)
        self.steps = int(steps) if steps else pipe.default_steps
        self.strength = float(strength)
        self.guidance, self.guidance_start, self.identity_candidates = checked_sampling(
            pipe.default_guidance if guidance is None else guidance,
            pipe.default_guidance_start if guidance_start is None else guidance_start,
            pipe.default_identity_candidates if identity_candidates is None else identity_candidates)
        self.batch_size = batch_size
        # keep / gender: of the identity candidates, those of the face's gender and age / gender first (the
        # model's identity_attributes map; model/identity_attributes.py); free: the least like the source.
        # None: the model's choice for faces at least its `default_attributes_min_px` wide, free below.
        self.attributes = None if attributes is None else checked_attributes(attributes)
        if attributes_min_px is not None and not float(attributes_min_px) >= 0:
            raise ValueError(f"attributes_min_px must be >= 0, not {attributes_min_px!r}")
        self.attributes_min_px = attributes_min_px
        # how far each fake identity moves toward its face's skin tone (model/skin_tone.py); None: the model's
        self.skin_tone = None if skin_tone is None else checked_skin_tone(skin_tone)
        # a video track's or a --consistent person's choice, made on its first face: one fake identity each
        self._sticky_looks: dict[tuple[str, int], str] = {}
        # The model's map from five points to its face mesh (face/points_mesh.py): set by from_pretrained
        # when the model folder has one.
        self.points_mesh: PointsMesh | None = None
        # The model's identity directions of face shape (model/face_shape.py) and how much of a face's own
        # shape along them is redrawn: set by from_pretrained when the model folder has them.
        self.face_shape: FaceShape | None = None
        self.shape_amount = checked_amount(DEFAULT_FACE_SHAPE if face_shape is None else face_shape)
        self.shape_spread = checked_spread(DEFAULT_FACE_SHAPE_SPREAD if face_shape_spread is None
                                           else face_shape_spread)

    @classmethod
    def from_pretrained(
        cls, model_dir: str | Path, options: DiffusionOptions | None = None,
        recognizer: Recognizer | None = None, recognizer_onnx: str | Path | None = None, **option_kwargs,
    ) -> ID2FaceMethod:
        """Load a model directory; `options` (or keyword options: device=, steps=, sampler=, ...) say
        how it runs."""
        from diffusers.utils import logging as diffusers_logging

        opts = options or DiffusionOptions(**option_kwargs)
        diffusers_logging.disable_progress_bar()  # the loading bar is noise next to the CLI's own
        pipe = ID2FacePipeline.from_pretrained(
            model_dir, recognizer=recognizer, recognizer_onnx=recognizer_onnx
        )
        method = cls.from_pipeline(pipe, opts)
        method.points_mesh = load_points_mesh(model_dir)
        method.face_shape = load_face_shape(model_dir)
        if opts.face_shape is None:  # the share the model records (training.json), else none
            method.shape_amount = checked_amount(recorded_face_shape(model_dir))
        if opts.face_shape_spread is None:
            method.shape_spread = checked_spread(recorded_face_shape_spread(model_dir))
        for what, part in (("points-to-mesh map", method.points_mesh), ("face-shape map", method.face_shape)):
            if part is not None and part.template != pipe.template.name:
                raise ValueError(f"{model_dir}: its {what} is for template {part.template!r}, the model's is "
                                 f"{pipe.template.name!r}")
        return method

    @classmethod
    def from_pipeline(cls, pipe: ID2FacePipeline, opts: DiffusionOptions) -> ID2FaceMethod:
        """A loaded or freshly built pipeline, prepared and wrapped as `opts` say (the pipeline's
        `default_steps` unless opts.steps is set)."""
        return cls(prepare_pipeline(pipe, opts), steps=opts.steps, strength=opts.strength,
                   batch_size=opts.batch_size, track_frames=opts.track_frames, consistent=opts.consistent,
                   guidance=opts.guidance, identity_candidates=opts.identity_candidates,
                   guidance_start=opts.guidance_start, face_shape=opts.face_shape,
                   face_shape_spread=opts.face_shape_spread, attributes=opts.attributes,
                   attributes_min_px=opts.attributes_min_px, skin_tone=opts.skin_tone)

    def mask_config(self, base: MaskConfig) -> MaskConfig:
        """The photo's mask settings, grown as the model records (training.json "mask_dilate": the region
        it was trained to fill) unless the caller chose a width (`base.dilate` set)."""
        recorded = self.pipe.default_mask_dilate
        return replace(base, dilate=recorded) if base.dilate is None and recorded is not None else base

    def mesh_from_points(self, crop_points5: np.ndarray) -> np.ndarray | None:
        """(478, 2) crop-pixel mesh estimated from a face's five crop-pixel points, for a face without a mesh:
        the model then gets a mesh-shaped region and geometry maps, as in training. None without a map."""
        return None if self.points_mesh is None else self.points_mesh.predict(crop_points5, self.crop_size)

    def attribute_choices(self, faces: list[Face], persons: list[int | None] | None = None) -> list[str]:
        """Each face's look choice: the one asked for (else the model's) for faces at least
        `attributes_min_px` wide in the photo (else the model's width if its choice is used, else 0), and
        "free" for smaller ones, where a kept gender was measured to help the recognizers most and is least
        seen (model card, "Identity attributes"). A video track or a --consistent person (`persons`) keeps the
        choice of its first face, so that its fake identity does not change when its size does."""
        look, wide = self.attributes_rule
        out = []
        for f, p in zip(faces, persons or [None] * len(faces), strict=True):
            choice = look if float(f.box[2] - f.box[0]) >= wide else "free"
            key = ("track", f.track_id) if f.track_id is not None else ("person", p)
            out.append(choice if key[1] is None else self._sticky_looks.setdefault(key, choice))
        return out

    @property
    def attributes_rule(self) -> tuple[str, float]:
        """(choice, width in photo pixels from which a face gets it), as `attribute_choices` applies them."""
        wide = self.attributes_min_px if self.attributes_min_px is not None else (
            self.pipe.default_attributes_min_px if self.attributes is None else 0.0)
        return self.attributes or self.pipe.default_attributes, float(wide)

    @property
    def crop_size(self) -> int:
        return int(self.pipe.config.crop_size)

    @property
    def template(self) -> CropTemplate:
        return self.pipe.template

    @staticmethod
    def identity_keys(
        faces: list[Face], seed: int | None, persons: list[int | None] | None = None
    ) -> list[str]:
        """Track id, else the run's person id (--consistent), else the photo (its content hash) and
        the face's place in it: batching never changes a key, and the first faces of two photos do
        not share one random identity draw."""
        run = seed if seed is not None else secrets.randbits(63)
        persons = persons or [None] * len(faces)
        return [f"{run}:{f.track_id}" if f.track_id is not None
                else f"{run}:person{p}" if p is not None
                else f"{run}:{f.photo_key or 'photo'}:face{i if f.face_index is None else f.face_index}"
                for i, (f, p) in enumerate(zip(faces, persons, strict=True))]

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

    def redrawn_shapes(self, landmarks: np.ndarray | None, faces: list[Face], keys: list[str]
                       ) -> np.ndarray | None:
        """Each meshed face's landmarks with `shape_amount` of its own face shape replaced by one drawn
        from its identity key (model/face_shape.py): the geometry the model draws keeps pose and expression,
        not the person's build. Unchanged without a face-shape map or at amount 0."""
        if landmarks is None or self.face_shape is None or self.shape_amount == 0.0:
            return landmarks
        out = landmarks.copy()
        for i, (face, key) in enumerate(zip(faces, keys, strict=True)):
            if np.isfinite(out[i]).all():
                target = self.face_shape.draw(key_rng(key), self.shape_spread)
                out[i] = self.face_shape.redraw(out[i], self.crop_size, target, self.shape_amount,
                                                depth=crop_depth(face))
        return out

    def new_sequence(self) -> None:
        """Called at the start of each video: track ids start again, so do their identities."""
        self.tracks.reset()
        self._sticky_looks = {k: v for k, v in self._sticky_looks.items() if k[0] != "track"}

    def source_embeddings(self, crops: np.ndarray, faces: list[Face]) -> tuple[np.ndarray, list[int | None]]:
        """Recognizer embeddings, and each untracked face's person id under --consistent.

        A tracked face reuses its track's identity (TrackIdentities); with --consistent an untracked
        face uses its person's (PersonRegistry)."""
        need = [i for i, f in enumerate(faces) if f.track_id is None or self.tracks.needs(f.track_id)]
        out = np.zeros((len(faces), self.pipe.idvae.config.embed_dim), np.float32)
        persons: list[int | None] = [None] * len(faces)
        if need:
            fresh = self.pipe.recognizer.embed(crops[need], self.template, self.crop_size)
            for row, i in zip(fresh, need, strict=True):
                if faces[i].track_id is not None:
                    self.tracks.add(faces[i].track_id, row)
                elif self.persons is not None:
                    persons[i] = self.persons.assign(row)
                    out[i] = self.persons.get(persons[i])
                else:
                    out[i] = row
        for i, f in enumerate(faces):
            if f.track_id is not None:
                out[i] = self.tracks.get(f.track_id)
        return out, persons

    def __call__(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None,
                 strength: float | None = None) -> np.ndarray:
        """`strength` for this call only (None: the one this method was built with)."""
        strength = self.strength if strength is None else float(strength)
        crops = np.asarray(crops, dtype=np.uint8)
        if len(crops) == 0:
            return crops.copy()
        src, persons = self.source_embeddings(crops, faces)
        keys = self.identity_keys(faces, seed, persons)
        lms = self.redrawn_shapes(self._landmarks(faces), faces, keys)
        choices = self.attribute_choices(faces, persons)
        out = []
        for s in range(0, len(crops), self.batch_size):
            sl = slice(s, s + self.batch_size)
            res = self.pipe(
                crops[sl], masks=np.asarray(masks[sl], dtype=np.float32),
                landmarks=None if lms is None else lms[sl], identity_key=keys[sl], source_embeddings=src[sl],
                strength=strength, num_inference_steps=self.steps, guidance_scale=self.guidance,
                identity_candidates=self.identity_candidates, guidance_start=self.guidance_start,
                attributes=choices[sl], skin_tone=self.skin_tone, output_type="np",
            )
            out.append(res.images)
        return np.concatenate(out)

