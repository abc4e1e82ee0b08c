"""Anonymize every photo with every method variant, then measure each face (cached per photo).

Per photo and run, what is measured is stored in OUTPUT/cache/<variant>/<seed>/<photo>.npz,
so a rerun (or an interrupted run) reuses finished work; the anonymized photos are kept next
to them as PNG for inspection and for the image grid.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from id2face.anonymizer import Anonymizer
from id2face.evaluation.config import MASK_OPTIONS, PASSED_OPTIONS, EvalConfig, Variant
from id2face.evaluation.metrics.attributes import ATTRIBUTES
from id2face.evaluation.metrics.image import faces_mask, outside_psnr, outside_ssim
from id2face.evaluation.records import PhotoRecord
from id2face.face.config import MaskConfig
from id2face.face.detect import FaceDetector, box_iou
from id2face.face.fallback import as_missed
from id2face.face.types import Face
from id2face.identity.faceres import crop_resize, square_crop_box
from id2face.identity.verify import Verifier
from id2face.io.images import is_image, load_image, save_image
from id2face.jobs.manifest import model_checksum
from id2face.methods.registry import default_model_dir

REFERENCE = Variant("none")  # the untouched photo, scored like a method


def anonymizer_options(opts: dict) -> dict:
    """Keyword arguments for the Anonymizer from a variant's options (only the ones it names)."""
    given = {arg: cast(opts[key]) for key, (arg, cast) in PASSED_OPTIONS.items() if key in opts}
    mask = {field: cast(opts[key]) for key, (field, cast) in MASK_OPTIONS.items() if key in opts}
    if mask:
        given["mask"] = MaskConfig(**mask)
    return given


def list_photos(root: str | Path, limit: int | None = None) -> list[Path]:
    root = Path(root)
    photos = sorted(p for p in root.rglob("*") if p.is_file() and is_image(p)) if root.is_dir() else [root]
    return photos[:limit] if limit else photos


def photo_key(root: Path, path: Path) -> str:
    rel = str(path.relative_to(root)) if root.is_dir() else path.name
    return rel.replace("/", "__").rsplit(".", 1)[0] + "_" + hashlib.sha1(rel.encode()).hexdigest()[:6]


def face_crops(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Square crops 1.2x each box: the same window on original and result (FID, sharpness, grid)."""
    if len(boxes) == 0:
        return np.zeros((0, size, size, 3), np.uint8)
    return np.stack([crop_resize(image, square_crop_box(b), size) for b in boxes])


def _mesh_array(faces: list[Face]) -> tuple[np.ndarray, np.ndarray]:
    meshes = np.zeros((len(faces), 478, 3))
    has = np.zeros(len(faces), bool)
    for i, f in enumerate(faces):
        if f.mesh is not None and len(f.mesh) >= 478:
            m = np.asarray(f.mesh, np.float64)
            meshes[i, :, : m.shape[1]] = m[:478, :3]
            has[i] = m.shape[1] >= 3
    return meshes, has


class EvalRunner:
    """Runs (variant, seed) x photos with reuse of cached results."""

    def __init__(self, config: EvalConfig, recognizers: list[Verifier], detector=None):
        self.config = config
        self.recognizers = recognizers
        self._own_detector = detector is None
        self.detector = detector or FaceDetector()
        self.root = Path(config.data)
        self.out = Path(config.output)
        self.cache = self.out / "cache"
        self.photos = list_photos(self.root, config.max_images)
        if not self.photos:
            raise FileNotFoundError(f"no photos found in {self.root}")
        self._faces: dict[str, list[Face]] = {}
        self._anonymizers: dict[Variant, Anonymizer] = {}
        self._images: dict[str, np.ndarray] = {}

    def release(self, v: Variant) -> None:
        """Close and drop the variant's Anonymizer (a later run of it makes a new one)."""
        anon = self._anonymizers.pop(v, None)
        if anon is not None:
            anon.close()

    def close(self) -> None:
        """Close every Anonymizer still held, and the detector if the runner made it."""
        for v in list(self._anonymizers):
            self.release(v)
        if self._own_detector:
            self.detector.close()

    # ---------------------------------------------------------------- originals
    def _load(self, path: Path) -> np.ndarray:
        key = photo_key(self.root, path)
        if key not in self._images:
            self._images[key] = load_image(path)
        return self._images[key]

    def original_faces(self, path: Path) -> list[Face]:
        key = photo_key(self.root, path)
        if key not in self._faces:
            self._faces[key] = self.detector.detect(self._load(path))
        return self._faces[key]

    def _embed(self, image: np.ndarray, faces: list[Face]) -> dict[str, np.ndarray]:
        """Each recognizer's embeddings; a recognizer that also judges gender and age (faceres: `describe`)
        adds them under ATTRIBUTES from the same pass."""
        out = {}
        for r in self.recognizers:
            if hasattr(r, "describe"):
                out[r.name], out[ATTRIBUTES] = (np.asarray(a, np.float32) for a in r.describe(image, faces))
            else:
                out[r.name] = np.asarray(r.embed(image, faces), np.float32)
        return out

    def _record_keys(self) -> set[str]:
        """What a cached original's record must hold to be reused."""
        judged = any(hasattr(r, "describe") for r in self.recognizers)
        return {r.name for r in self.recognizers} | ({ATTRIBUTES} if judged else set())

    def originals(self) -> list[PhotoRecord]:
        d = self.cache / "originals"
        d.mkdir(parents=True, exist_ok=True)
        recs = []
        for path in tqdm(self.photos, desc="originals", unit="photo"):
            f = d / (photo_key(self.root, path) + ".npz")
            if f.is_file():
                rec = PhotoRecord.load(f)
                if set(rec.embeddings) >= self._record_keys() and rec.unsure is not None:
                    recs.append(rec)
                    continue
            img = self._load(path)
            faces = self.original_faces(path)
            boxes = np.array([x.box for x in faces]).reshape(-1, 4)
            meshes, has = _mesh_array(faces)
            rec = PhotoRecord(boxes, np.ones(len(faces), bool), meshes, has, self._embed(img, faces),
                              face_crops(img, boxes, self.config.crop_size),
                              unsure=np.array([x.unsure for x in faces], bool))
            rec.save(f)
            recs.append(rec)
        return recs

    # ---------------------------------------------------------------- runs
    def seeds_for(self, v: Variant) -> list[int]:
        return list(range(self.config.seeds)) if v.method in self.config.stochastic else [0]

    def run_dir(self, v: Variant, seed: int) -> Path:
        return self.cache / v.slug / f"seed{seed}"

    def _anonymizer(self, v: Variant):
        """One Anonymizer per variant (the model loads once); the seed is passed per call."""
        if v not in self._anonymizers:
            opts = dict(v.options)
            steps = int(opts["steps"]) if "steps" in opts else self.config.steps
            self._anonymizers[v] = Anonymizer(
                method=v.method,
                model=self.config.model,
                on_error="blur",
                device=self.config.device,
                steps=steps,
                strength=float(opts.get("strength", 1.0)),
                sampler=opts.get("sampler", self.config.sampler),
                **anonymizer_options(opts),
            )
        return self._anonymizers[v]

    def run_meta(self, v: Variant, seed: int) -> dict:
        """What a cached run was made with; a run whose record differs is made again. For id2face it holds
        the model's checksum (weights and recorded settings), a changed model is not read from the cache; and
        for every method the mask settings, defaults included."""
        meta = {"variant": v.label, "seed": seed, "model": self.config.model,
                "recognizers": [r.name for r in self.recognizers],
                # all mask settings, defaults included: a run cached before a default changed is made again
                "mask": asdict(anonymizer_options(dict(v.options)).get("mask", MaskConfig()))}
        if v.method == "id2face":
            meta["model_sums"] = model_checksum(self.config.model or default_model_dir())
        return json.loads(json.dumps(meta))  # as read back from meta.json (tuples become lists)

    def run(self, v: Variant, seed: int, originals: list[PhotoRecord]) -> list[PhotoRecord]:
        d = self.run_dir(v, seed)
        d.mkdir(parents=True, exist_ok=True)
        meta = self.run_meta(v, seed)
        meta_file = d / "meta.json"
        fresh = not meta_file.is_file() or json.loads(meta_file.read_text()) != meta
        meta_file.write_text(json.dumps(meta))
        recs = []
        for path, orig in tqdm(list(zip(self.photos, originals, strict=True)), desc=f"{v.label} seed {seed}",
                               unit="photo", leave=False):
            key = photo_key(self.root, path)
            f = d / (key + ".npz")
            # a cached result is reused only where it was made on these original faces (an older front-end's
            # may differ: the originals are found again when their record lacks something)
            rec = PhotoRecord.load(f) if f.is_file() and not fresh else None
            if rec is not None and rec.boxes.shape == orig.boxes.shape and np.allclose(rec.boxes, orig.boxes):
                if not set(rec.embeddings) >= self._record_keys() and (d / (key + ".png")).is_file():
                    # made before a measure was added: measured again on its saved result, not made again
                    again = self.measure(self._load(path), load_image(d / (key + ".png")), orig)
                    again.fallbacks, again.seconds = rec.fallbacks, rec.seconds
                    again.save(f)
                    rec = again
                recs.append(rec)
                continue
            img = self._load(path)
            t0 = time.perf_counter()
            fallbacks = 0
            if v == REFERENCE:
                result = img.copy()
            else:
                faces = copy.deepcopy(self.original_faces(path))
                if dict(v.options).get("faces") == "points":
                    faces = [as_missed(face) for face in faces]
                result, rep = self._anonymizer(v).anonymize_rgb(img, faces, seed=seed)
                fallbacks = rep.fallbacks
            seconds = time.perf_counter() - t0
            save_image(result, d / (key + ".png"))
            rec = self.measure(img, result, orig)
            rec.fallbacks, rec.seconds = fallbacks, seconds
            rec.save(f)
            recs.append(rec)
        return recs

    def measure(self, original: np.ndarray, result: np.ndarray, orig: PhotoRecord) -> PhotoRecord:
        """Detect faces on the result, match them to the originals, embed, and compare pixels."""
        found = self.detector.detect(result) if len(orig.boxes) else []
        matched: list[Face | None] = []
        for b in orig.boxes:
            ious = [box_iou(b, g.box) for g in found]
            k = int(np.argmax(ious)) if ious else -1
            matched.append(found[k] if k >= 0 and ious[k] >= self.config.match_iou else None)
        detected = np.array([m is not None for m in matched], bool)
        faces = [m for m in matched if m is not None]
        meshes, has = _mesh_array(faces)
        all_meshes = np.zeros((len(matched), 478, 3))
        all_has = np.zeros(len(matched), bool)
        all_meshes[detected], all_has[detected] = meshes, has
        emb = {}
        for name, e in self._embed(result, faces).items():
            full = np.zeros((len(matched), e.shape[1] if e.ndim == 2 and e.shape[1] else 1), np.float32)
            if len(faces):
                full[detected] = e
            emb[name] = full
        mask = faces_mask(
            original.shape,
            orig.boxes,
            [m if h else None for m, h in zip(orig.meshes, orig.has_mesh, strict=True)],
        )
        return PhotoRecord(orig.boxes, detected, all_meshes, all_has, emb,
                           face_crops(result, orig.boxes, self.config.crop_size),
                           outside_psnr(original, result, mask), outside_ssim(original, result, mask))

    def variants(self) -> tuple[list[Variant], dict[str, str]]:
        """Variants to run, and the ones skipped with the reason."""
        out = [REFERENCE] if self.config.reference else []
        skipped: dict[str, str] = {}
        specs = list(self.config.methods) + [a for a in self.config.ablations
                                             if Variant.parse(a).method in self.config.methods]
        for spec in specs:
            v = Variant.parse(spec)
            try:
                self._anonymizer(v)
            except Exception as e:  # noqa: BLE001 - a missing model skips the variant, with its reason
                skipped[v.label] = f"{type(e).__name__}: {e}"
                print(f"skipping {v.label}: {e}", file=sys.stderr)
                continue
            if v not in out:
                out.append(v)
        return out, skipped
