"""The Anonymizer joins the front-end (photos) and a method (aligned crops).

detect -> align -> mask -> method -> check -> colour match -> paste. A face that was found but
could not be anonymized raises `FaceAnonymizationError` (or is blurred with on_error="blur");
it is never passed through unchanged. A face without a face mesh is replaced on its five points, or on
points placed from its box (face/fallback.py); one found on weak evidence (Face.unsure) is blurred where a
method would draw a new face (MaskConfig.unsure: most such boxes are patterns). All count as fallbacks.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from id2face.face.align import align_face
from id2face.face.config import DetectorConfig, MaskConfig
from id2face.face.detect import FaceDetector
from id2face.face.fallback import HEAD, MESH, POINTS, as_head, paste_order, replacement_kind
from id2face.face.hands import hands_in_front, without_hands
from id2face.face.mask import blend_mask, core_mask, face_mask
from id2face.face.orient import detect_any_orientation, detect_frame
from id2face.face.paste import harmonize, paste_crop
from id2face.face.screen import Screen, find_screen, pick_view
from id2face.face.track import FaceTracker
from id2face.face.track_fill import LookaheadTracks, with_smoothed
from id2face.face.types import Face
from id2face.io.animation import load_animation, save_animation
from id2face.io.images import DEFAULT_MAX_PIXELS, load_photo
from id2face.io.transparency import join, straight
from id2face.io.video import process_video_stream
from id2face.methods.base import FaceMethod, estimate_mesh, mask_settings
from id2face.methods.classic import BlurMethod
from id2face.methods.keys import photo_key
from id2face.methods.registry import METHODS as METHODS  # re-exported: importers from before issue 13
from id2face.methods.registry import build_method
from id2face.methods.registry import default_method as default_method  # re-exported, as METHODS
from id2face.methods.registry import default_model_dir as default_model_dir  # re-exported, as METHODS
from id2face.photo_batches import anonymize_files
from id2face.reports import FaceAnonymizationError, FileResult, ImageReport

if TYPE_CHECKING:
    from id2face.keep import KeepList

__all__ = ["Anonymizer", "FaceAnonymizationError", "ImageReport"]

# A replaced face must differ from the source by at least this mean absolute level inside the mask.
MIN_CHANGE = 2.0


class Anonymizer:
    """Anonymize every face in photos, arrays and videos.

    >>> Anonymizer(method="blur").anonymize(image)   # numpy in -> numpy out, PIL in -> PIL out
    """

    def __init__(self, method: str | FaceMethod = "id2face", model: str | os.PathLike | None = None,
                 seed: int | None = 0, on_error: str = "fail", detector: DetectorConfig | None = None,
                 mask: MaskConfig | None = None, device: str = "cpu", steps: int | None = None,
                 strength: float = 1.0, max_pixels: int = DEFAULT_MAX_PIXELS, keep: KeepList | None = None,
                 gap_frames: int = 3, lookahead_frames: int = 8, **runtime: Any):
        """`keep`: people left as they are (id2face.keep.KeepList).
        `gap_frames`: in videos, a face the detector loses is still replaced at its tracked place
        for this many frames (0: only detected faces); with `lookahead_frames` (video files and
        animations) a face found again within that many frames is filled in over all the frames between.
        `runtime`: sampler=, dtype=, channels_last=, compile=, batch_size= for the id2face method (a
        sampler the model's training.json does not list is a ValueError, as --sampler is in the CLI)."""
        if on_error not in ("fail", "blur"):
            raise ValueError("on_error must be 'fail' or 'blur'")
        self.method: FaceMethod = method if not isinstance(method, str) else build_method(
            method, model, device=device, steps=steps, strength=strength, **runtime)
        self.seed, self.on_error = seed, on_error
        self.detector = FaceDetector(detector)
        self.mask_config = mask or MaskConfig()
        self.max_pixels = max_pixels
        self.keep = keep
        self.gap_frames, self.lookahead_frames = gap_frames, lookahead_frames
        self.timings: dict[str, float] = {}
        self._fallback = BlurMethod(crop_size=self.method.crop_size, template=self.method.template)

    # ---- photos -------------------------------------------------------------------------
    def anonymize(self, image: Any, *, seed: int | None = None, strength: float | None = None) -> Any:
        """Anonymize a numpy array (RGB, RGBA or grayscale uint8) or a PIL image; same type out.

        `seed` and `strength` hold for this call only (default: the Anonymizer's seed and the
        method's own strength), like diffusers' `generator`: one Anonymizer can serve many callers.
        A path (str or PathLike) is read as a photo and gives an RGB array (see anonymize_file to write).
        """
        opts = {"seed": seed, "strength": strength}
        if isinstance(image, (str, os.PathLike)):
            return self.anonymize_rgb(load_photo(image, self.max_pixels)[0], **opts)[0]
        try:
            from PIL import Image
        except ImportError:  # pragma: no cover - Pillow is a dependency
            Image = None
        if Image is not None and isinstance(image, Image.Image):
            if image.mode == "RGBA":
                return Image.fromarray(self.anonymize(np.asarray(image), **opts), mode="RGBA")
            rgb = np.asarray(image.convert("RGB"))
            out, _ = self.anonymize_rgb(rgb, **opts)
            result = Image.fromarray(out)
            return result.convert(image.mode) if image.mode == "L" else result
        arr = np.asarray(image)
        if arr.dtype != np.uint8:
            raise TypeError(f"expected a uint8 image, got {arr.dtype}")
        if arr.ndim == 2:
            out, _ = self.anonymize_rgb(np.repeat(arr[..., None], 3, axis=2), **opts)
            luma = out.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
            return np.round(luma).astype(np.uint8)
        if arr.ndim == 3 and arr.shape[2] == 4:  # the colour the picture holds, its alpha kept
            return join(self.anonymize_rgb(straight(arr), **opts)[0], arr[..., 3])
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise ValueError(f"expected an HxWx3 image, got shape {arr.shape}")
        return self.anonymize_rgb(arr, **opts)[0]

    def close(self) -> None:
        """Release the detectors' native graphs (call once done; `with Anonymizer(...) as a:` does)."""
        self.detector.close()

    def __enter__(self) -> Anonymizer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def anonymize_rgb(self, rgb: np.ndarray, faces: list[Face] | None = None, *, seed: int | None = None,
                      strength: float | None = None) -> tuple[np.ndarray, ImageReport]:
        """Anonymize an RGB uint8 array (a copy is returned) with optional pre-detected faces."""
        return self.anonymize_batch([rgb], None if faces is None else [faces], seed=seed,
                                    strength=strength)[0]

    def anonymize_batch(self, images: list[np.ndarray], faces: list[list[Face]] | None = None, *,
                        seed: int | None = None, strength: float | None = None,
                        screens: list[Screen | None] | None = None) -> list[tuple[np.ndarray, ImageReport]]:
        """Anonymize several RGB arrays with one method call over all their faces (faster on a GPU).

        `seed`, `strength`: for this call only (see `anonymize`). Stage times accumulate in `self.timings`
        (seconds): detect, align, method, paste. A halftone or dithered photo is anonymized in a smoothed
        copy, what changed going back as dots (face/screen.py; `screens`: find_screen's, or looked for).
        """
        if screens is None:
            screens = [find_screen(img, self.detector.config.descreen) for img in images]
        if faces is None and any(s is not None for s in screens):  # a print: its view with more faces
            views = [pick_view(img, s, partial(detect_any_orientation, self.detector))
                     for img, s in zip(images, screens, strict=True)]
            screens, faces = [v[0] for v in views], [v[1] for v in views]
        smooth = [img if s is None else s.smooth for img, s in zip(images, screens, strict=True)]
        done = self._anonymize_batch(smooth, faces, self.seed if seed is None else seed, strength)
        return [(out if s is None else s.restore(img, out), rep)
                for img, s, (out, rep) in zip(images, screens, done, strict=True)]

    def _anonymize_batch(self, images: list[np.ndarray], faces: list[list[Face]] | None, seed: int,
                         strength: float | None) -> list[tuple[np.ndarray, ImageReport]]:
        m = self.method
        t = time.perf_counter()
        if faces is None:
            faces = [detect_any_orientation(self.detector, img) for img in images]
        t = self._tick("detect", t)
        for fs in faces:
            for i, f in enumerate(fs):  # numbered before any filtering: identity keys never shift
                f.face_index = i
        reports = [ImageReport(faces=len(fs), boxes=[f.box.tolist() for f in fs]) for fs in faces]
        if self.keep is not None:  # kept people's faces go no further: not replaced, not pasted
            faces = [
                self._without_kept(img, fs, rep) for img, fs, rep in zip(images, faces, reports, strict=True)
            ]
            t = self._tick("keep", t)
        flat: list[Face] = []
        kinds: list[str] = []
        for img, fs in zip(images, faces, strict=True):
            key = photo_key(img)
            for f in fs:
                f.photo_key = key
                kinds.append(replacement_kind(f))
                if kinds[-1] == HEAD:
                    as_head(f)
                    if self.mask_config.heads == "replace":  # the method on points placed from the box
                        kinds[-1] = POINTS
                align_face(img, f, m.crop_size, m.template)
                if kinds[-1] == POINTS:
                    estimate_mesh(m, f)
                settings = mask_settings(m, self.mask_config)
                face_mask(f, m.crop_size, m.template, settings)
                blend_mask(f, m.crop_size, m.template, settings)
                kinds[-1] = HEAD if f.unsure and settings.unsure == "blur" and m.color_match else kinds[-1]
                flat.append(f)
        t = self._tick("align", t)
        outs = [np.array(img, dtype=np.uint8, copy=True) for img in images]
        if not flat:
            return list(zip(outs, reports, strict=True))
        crops, masks = np.stack([f.crop for f in flat]), np.stack([f.mask for f in flat])
        heads = np.array([k == HEAD for k in kinds])
        # faces the blur covers (heads, and faces whose method failed): pasted over their whole region
        # (f.mask), whatever the blend
        blurred = heads.copy()
        new = np.empty_like(crops)
        fell_back = np.array([k != MESH for k in kinds])
        if (~heads).any():
            idx = np.flatnonzero(~heads)
            new[idx], failed = self._run_method(crops[idx], masks[idx], [flat[i] for i in idx], seed,
                                                  strength)
            fell_back[idx] |= failed
            blurred[idx] = failed
        if heads.any():  # nothing to align on: the head ellipse is blurred instead of replaced
            idx = np.flatnonzero(heads)
            new[idx] = self._fallback(crops[idx], masks[idx], [flat[i] for i in idx], seed)
        t = self._tick("method", t)
        first = 0  # index in `flat` of each photo's first face
        for img, out, fs, rep in zip(images, outs, faces, reports, strict=True):
            span = slice(first, first + len(fs))
            self._paste_photo(img, out, fs, kinds[span], new[span], blurred[span])
            rep.fallbacks += int(fell_back[span].sum())
            rep.blurred += int(blurred[span].sum())
            first += len(fs)
        self._tick("paste", t)
        return list(zip(outs, reports, strict=True))

    def _paste_photo(self, image: np.ndarray, out: np.ndarray, faces: list[Face], kinds: list[str],
                     new: np.ndarray, blurred: np.ndarray) -> None:
        """Paste one photo's new faces into `out`, in paste_order. Where one face's grown region reaches over
        another's face (a neighbour beside it, a face half behind it), each face's own face inside its
        outline is pasted again, in the same order: a region's margin never hides another face."""
        m = self.method
        settings = mask_settings(m, self.mask_config)
        order = paste_order(faces, kinds)
        generated = [m.color_match and not b for b in blurred]  # new faces (not a blur or a mask)
        # hands in front of a new face keep their pixels (a blur or a mask covers them: nothing drawn there)
        hands = [hands_in_front(image, f, m.crop_size) if settings.hands and g else None
                 for f, g in zip(faces, generated, strict=True)]
        pasted, paste = {}, partial(paste_crop, out, reference=image, resample=settings.resample)
        for j in order:
            f = faces[j]
            if generated[j] and settings.blend == "person":  # the new head is known: its outline counts too
                blend_mask(f, m.crop_size, m.template, settings, new=new[j])
            region = f.mask if blurred[j] else f.blend
            pasted[j] = harmonize(new[j], f.crop, region, settings.edge_match) if generated[j] else new[j]
            paste(pasted[j], without_hands(region, hands[j]), f.matrix, grain=settings.grain * generated[j])
        if len(faces) < 2:
            return
        for j in order:
            if blurred[j]:  # a blurred head has no face of its own to keep
                continue
            f = faces[j]
            core = without_hands(core_mask(f, m.crop_size, m.template, settings), hands[j])
            grain = settings.grain if m.color_match else 0.0
            paste(pasted[j], core, f.matrix, grain=grain)

    def _without_kept(self, image: np.ndarray, faces: list[Face], report: ImageReport) -> list[Face]:
        kept = self.keep.matches(image, faces)
        report.kept = int(kept.sum())
        return [f for f, k in zip(faces, kept, strict=True) if not k]

    def _tick(self, stage: str, start: float) -> float:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - start
        return now

    def _run_method(self, crops: np.ndarray, masks: np.ndarray, faces: list[Face], seed: int | None,
                    strength: float | None) -> tuple[np.ndarray, np.ndarray]:
        """New crops, and which faces had to fall back to blur (on_error="blur").

        `masks` is what the method replaces; each face's `blend` is what will be written, and a face
        must change there."""
        fell_back = np.zeros(len(faces), bool)
        per_call = {} if strength is None else {"strength": strength}  # methods without one need not take it
        try:
            new = np.asarray(self.method(crops, masks, faces, seed, **per_call))
            if new.shape != crops.shape or new.dtype != np.uint8:
                raise FaceAnonymizationError(f"method {self.method.name} returned {new.shape} {new.dtype}")
        except Exception as e:  # noqa: BLE001 - any method failure is a face we could not anonymize
            if self.on_error != "blur":
                raise FaceAnonymizationError(f"{len(faces)} face(s) could not be anonymized: {e}") from e
            fell_back[:] = True
            return self._fallback(crops, masks, faces, seed), fell_back
        new = np.array(new, copy=True)
        # A face the method left (nearly) unchanged must never be written silently.
        for i in range(len(faces)):
            w = faces[i].blend > 0.5
            if w.sum() and np.abs(new[i][w].astype(np.int16) - crops[i][w]).mean() < MIN_CHANGE:
                if self.on_error != "blur":
                    raise FaceAnonymizationError(f"method {self.method.name} left face {i} unchanged")
                new[i] = self._fallback(crops[i:i + 1], masks[i:i + 1], faces[i:i + 1], seed)[0]
                fell_back[i] = True
        return new, fell_back

    def anonymize_file(
        self, src: str | os.PathLike, dst: str | os.PathLike, quality: int = 95
    ) -> ImageReport:
        """Read, anonymize and atomically write one photo (every frame of an animated one); the input is
        never modified, its transparency and 16 bits are kept where the output format can hold them."""
        if Path(src).resolve() == Path(dst).resolve():
            raise ValueError(f"{src}: refusing to overwrite the input file")
        done = next(anonymize_files(self, [(src, dst)], quality=quality))
        if done.error is not None:
            raise done.error
        return done.report

    def anonymize_animation(self, src: str | os.PathLike, dst: str | os.PathLike, quality: int = 95,
                            progress: bool = True, batch_frames: int = 1) -> ImageReport:
        """An animated GIF, WebP, APNG or multi-page TIFF, as a clip: faces tracked over its frames, one new
        person per real one, every frame written back with its timing (io/animation.py); one face that
        cannot be anonymized in any frame fails the file, and nothing is written."""
        if Path(src).resolve() == Path(dst).resolve():
            raise ValueError(f"{src}: refusing to overwrite the input file")
        anim = load_animation(src, self.max_pixels)
        total, outs = ImageReport(), []
        frames = tqdm(anim.frames, unit="frame", desc=Path(src).name, leave=False,
                      disable=None if progress else True)
        for out, report in self.anonymize_stream(frames, batch_frames, lookahead=self.lookahead_frames):
            outs.append(out)
            total.add(report)
        save_animation(anim, outs, dst, quality=quality)
        return total

    def anonymize_files(self, pairs: Iterable[tuple[str | os.PathLike, str | os.PathLike]], batch: int = 8,
                        quality: int = 95, progress: bool = True) -> Iterator[FileResult]:
        """Anonymize (src, dst) photo pairs, `batch` photos per method call; one FileResult each, in order.

        Same guarantees as `anonymize_file` per photo: a file that fails (unreadable, a face that could
        not be anonymized) gets its own `error` and nothing written, and the other photos go on.
        `progress`: an animated picture's frame bar (on a terminal).
        """
        return anonymize_files(self, pairs, batch=batch, quality=quality, progress=progress)

    # ---- video --------------------------------------------------------------------------
    def anonymize_video(self, src: str | os.PathLike, dst: str | os.PathLike, keep_audio: bool = True,
                        progress: bool = True, batch_frames: int = 1) -> ImageReport:
        """Tracked faces (one track id per person) and the audio copied through.

        Detection and tracking run frame by frame in order, `lookahead_frames` ahead of the frames
        anonymized (face/track_fill.py); `batch_frames` frames then share one method call (faster on a
        GPU; the frames written are the same).
        """
        if Path(src).resolve() == Path(dst).resolve():
            raise ValueError(f"{src}: refusing to overwrite the input file")
        total = ImageReport()

        def anonymized(frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
            for out, rep in self.anonymize_stream(frames, batch_frames, lookahead=self.lookahead_frames):
                total.add(rep)
                yield out

        process_video_stream(src, dst, anonymized, progress=progress, keep_audio=keep_audio)
        return total

    def anonymize_stream(self, frames: Iterable[np.ndarray], batch_frames: int = 1, *,
                         seed: int | None = None, strength: float | None = None,
                         lookahead: int = 0) -> Iterator[tuple[np.ndarray, ImageReport]]:
        """Live frames (RGB) in, anonymized frames out, in order (a camera, a stream, an animation).

        Tracking, per-track identities and gap filling work as for video files; `batch_frames` frames
        share one method call (a GPU's speed; the frames are the same), 1 for a live source. `seed`,
        `strength`: for this sequence only (see `anonymize`). `lookahead`: frames read ahead of the one
        given out, so that faces the detector lost for a while are filled in (0 for a live source).
        """
        tracks = LookaheadTracks(FaceTracker(), self._frame_faces, self.gap_frames, lookahead)
        held = tracks.run(frames)
        with self._sequence(seed) as run_seed:
            while chunk := list(islice(held, batch_frames)):
                faces = [[with_smoothed(f) for f in h.faces] for h in chunk]
                yield from self.anonymize_batch([h.frame for h in chunk], faces, seed=run_seed,
                                                strength=strength, screens=[h.extra for h in chunk])

    @contextmanager
    def _sequence(self, seed: int | None = None) -> Iterator[int]:
        """One video or stream: the method's per-track state starts afresh (track ids restart); yields
        its seed (`seed`, else the Anonymizer's): without one, a random run seed holds throughout (a
        person keeps one fake identity)."""
        start = getattr(self.method, "new_sequence", None)
        if callable(start):
            start()
        seed = self.seed if seed is None else seed
        yield seed if seed is not None else secrets.randbits(63)

    def _frame_faces(self, frame: np.ndarray) -> tuple[Screen | None, list[Face]]:
        """A video frame's print screen (if any) and its faces, found in the smoothed copy of a print."""
        screen = find_screen(frame, self.detector.config.descreen)
        return screen, detect_frame(self.detector, frame if screen is None else screen.smooth)
