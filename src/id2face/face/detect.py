"""Face detection (MediaPipe full range + CenterFace, optional dlib HOG) with face-mesh landmarks.

Detection runs on a downscaled copy (and tiles of large photos, for small faces); the mesh runs
on a fixed-size crop around each box, so memory stays bounded for any photo size. The detectors'
boxes are fused (face/fuse.py): MediaPipe gives tight boxes, CenterFace finds the faces it misses
(cut by the frame, turned, dark, defocused, half hidden).
"""

from __future__ import annotations

import os
import threading

# MediaPipe logs through glog/absl at import and first use; keep the console for our own messages.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from id2face.face.centerface import Detection
from id2face.face.config import DetectorConfig
from id2face.face.fuse import Candidate, fuse, same_face
from id2face.face.fuse import nms as nms  # re-exported: callers from before the fusion
from id2face.face.landmarks import MeshEstimator, keypoints5_from_detection
from id2face.face.pyramid import centerface_tiles, tiles
from id2face.face.quiet import native_stderr_silenced, settle
from id2face.face.scale import downscaled
from id2face.face.types import Face
from id2face.geometry import box_iou as box_iou  # re-exported: evaluation.runner imports it from here

FAINT = "centerface-faint"  # a weak CenterFace peak: a face only once a zoomed second look confirms it
# CenterFace's box at a finer scale than the whole look (face/pyramid.py); as a witness, such a box scoring
# from `centerface_sure` to `centerface_fine_sure`: a face once the zoomed look confirms it, else blurred
FINE = "centerface-fine"


def _tiles(w: int, h: int, size: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (x0, y0, x1, y1), a quarter overlap, covering a w x h frame; none for a
    frame that fits in one."""
    return [] if max(w, h) <= size else tiles(w, h, size)


class FaceDetector:
    """Finds faces and their landmarks in an RGB photo: `detect(image) -> list[Face]`."""

    def __init__(self, config: DetectorConfig | None = None):
        self.config = config or DetectorConfig()
        if not (self.config.mediapipe or self.config.centerface):
            raise ValueError("DetectorConfig: enable mediapipe, centerface or both")
        self._mp_detector = self._mp_short = self._mesh = None
        with native_stderr_silenced():
            import mediapipe as mp

            warm = np.zeros((64, 64, 3), np.uint8)
            if self.config.mediapipe:
                self._mp_detector = mp.solutions.face_detection.FaceDetection(
                    model_selection=1, min_detection_confidence=self.config.threshold
                )
                self._mp_short = mp.solutions.face_detection.FaceDetection(
                    model_selection=0, min_detection_confidence=self.config.threshold
                ) if self.config.short_range else None
                # The first inference of each graph prints delegate notices; run it now, silenced.
                settle(self._mp_detector, warm)
                if self._mp_short is not None:
                    settle(self._mp_short, warm)
            if self.config.mesh:
                self._mesh = MeshEstimator()
        self._centerface = None
        if self.config.centerface:
            from id2face.face.centerface import CenterFace

            self._centerface = CenterFace()
        self._dlib = None
        if self.config.second_detector == "dlib-hog":
            import dlib

            self._dlib = dlib.get_frontal_face_detector()
        elif self.config.second_detector not in (None, "", "none"):
            raise ValueError(f"unknown second detector {self.config.second_detector!r}; use dlib-hog")
        self._lock = threading.Lock()  # MediaPipe graphs are not re-entrant
        self._closed = False

    def close(self) -> None:
        """Stop MediaPipe's graphs (their native threads) now; a closed detector refuses to detect.

        Left to interpreter teardown, a graph's threads can outlive what they use and abort the
        process after its work is done ("terminate called without an active exception")."""
        with self._lock:
            for graph in (self._mp_detector, self._mp_short):
                if graph is not None:
                    graph.close()
            if self._mesh is not None:
                self._mesh.close()
            self._mp_detector = self._mp_short = self._mesh = None
            self._closed = True

    def candidates(self, image: np.ndarray, faint: bool = True, finer: bool = True) -> list[Candidate]:
        """Every detector's boxes, before fusion (photo pixels); with `faint`, CenterFace's faint
        small candidates too (see DetectorConfig.faint); with `finer`, CenterFace's on tiles of a large
        photo at finer scales (DetectorConfig.centerface_fine)."""
        if self._closed:
            raise RuntimeError("this FaceDetector was closed")
        cfg = self.config
        found: list[Candidate] = []
        small, scale = downscaled(image, cfg.max_side)
        with self._lock:
            if self._mp_detector is not None:
                whole = [(0, 0, small.shape[1], small.shape[0])]
                passes = [(self._mp_detector, small, scale, whole, "mediapipe")]
                if self._mp_short is not None:
                    passes.append((self._mp_short, small, scale, whole, "mediapipe-short"))
                # CenterFace sees photos up to twice its input side at half scale or better: tiles
                # are for the small faces of larger photos.
                large = max(image.shape[:2]) > cfg.centerface_tiles_above
                if cfg.tiles and (self._centerface is None or large):
                    fine, fscale = downscaled(image, cfg.tile_max_side)
                    tiles = _tiles(fine.shape[1], fine.shape[0], cfg.tile_size)
                    if tiles:
                        passes.append((self._mp_detector, fine, fscale, tiles, "mediapipe"))
                for model, img, sc, regions, label in passes:
                    for box, score, kp, name in self._detect_regions(model, img, regions, label):
                        kp5 = keypoints5_from_detection(box / sc, kp / sc)
                        found.append(Candidate(box / sc, score, kp5, name))
            if self._dlib is not None:
                for r in self._dlib(small, 1):
                    box = np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float64) / scale
                    found.append(Candidate(box, 0.5, None, "dlib-hog"))
        if self._centerface is not None:
            low = cfg.faint_threshold if faint and cfg.faint else None
            # Faint boxes are kept when small in CenterFace's input: the faces its downscaling lost.
            small_side = cfg.faint_max_size * max(1.0, max(image.shape[:2]) / cfg.centerface_max_side)
            whole = self._centerface(image, cfg.centerface_threshold, cfg.centerface_max_side, faint=low)
            fine = centerface_tiles(
                self._centerface, image, cfg.centerface_threshold, cfg.centerface_max_side,
                cfg.centerface_fine_min_face, cfg.centerface_finest_side, group=cfg.centerface_fine_group,
                seed=cfg.centerface_fine_seed, faint=low,
            ) if finer and cfg.centerface_fine else []
            for d, name in [(d, "centerface") for d in whole] + [(d, FINE) for d in fine]:
                if d.score > cfg.centerface_threshold:
                    found.append(Candidate(d.box, d.score, d.keypoints5, name))
                elif max(d.box[2] - d.box[0], d.box[3] - d.box[1]) <= small_side:
                    found.append(Candidate(d.box, d.score, d.keypoints5, FAINT))
        return found

    def detect(self, image: np.ndarray, faint: bool = True, finer: bool = True) -> list[Face]:
        """The faces in an RGB photo. `faint=False` skips the faint candidates' zoomed checks and
        `finer=False` the tiles at finer scales (both used on turned copies, where only faces with a mesh
        or a high score count)."""
        cfg = self.config
        faces: list[Face] = []
        weak: list[str] = []
        for g in fuse(self.candidates(image, faint, finer), cfg.nms_iou, cfg.nested):
            b = g.box
            if min(b[2] - b[0], b[3] - b[1]) < cfg.min_size:
                continue
            witness = _witness(g.scores, cfg)
            if witness == "drop":
                continue
            faces.append(Face(box=b, score=g.score, detector=g.detector, keypoints5=g.keypoints5
                              if g.keypoints5 is not None else keypoints5_from_detection(b, None)))
            weak.append(witness)
        # Unsure boxes are checked best first, at most `max_checks` of them (bounded time on textures).
        order = sorted(range(len(faces)), key=lambda i: (weak[i] == "", -faces[i].score))
        checks = 0
        keep = [w == "" for w in weak]
        # a crowd's unsure faces get checked too (its faces at a finer scale score 0.3-0.5 there)
        extra = cfg.checks_per_sure_face * sum(w in ("", FINE) for w in weak)
        budget = cfg.max_checks + extra
        claimed = [f.box for f, k in zip(faces, keep, strict=True) if k]  # the faces kept, as zoomed where so
        with self._lock:
            for i in order:
                f = faces[i]
                budgeted = weak[i] not in ("", FINE)  # a fine box stood unchecked before: checked outside it
                if weak[i] == FAINT or (budgeted and checks >= budget):
                    continue
                checks += budgeted
                look, again = (self._second_look(image, f.box, claimed, cfg.zoom_sure)
                               if weak[i] in ("centerface", FINE) else (None, False))
                zoomed = look is not None and look.score >= cfg.zoom_sure
                cut = not zoomed and look is not None and look.score >= cfg.cut_zoom_sure and past_edges(
                    look.box, image.shape) > 0
                if again and not cut and weak[i] != FINE:  # (a crowd's weak face beside one kept is not)
                    continue  # a second box on a face kept: two slivers of a face cut by the edge, zoomed
                meshed = self._mesh is not None and self._mesh.refine(image, f)
                keep[i] = keep[i] or meshed or zoomed or cut or weak[i] == FINE
                if keep[i] and weak[i]:
                    claimed.append(look.box if zoomed or cut else f.box)
                # the mesh fits patterns and hands too: a weak CenterFace box it alone confirms is unsure,
                # and so is one only a zoomed look confirms at a corner, or only weakly past the edge (cut),
                # and a fine-scale box the zoomed look does not confirm
                f.unsure = weak[i] in ("centerface", FINE) and not (meshed and zoomed) and (
                    not zoomed or past_corner(look.box, image.shape))
            self._confirm_faint(image, faces, weak, keep, int(cfg.faint_checks + extra))
            self._retry_meshes(image, [f for f, k in zip(faces, keep, strict=True) if k])
        return [f for f, k in zip(faces, keep, strict=True) if k]

    def glance(self, image: np.ndarray, threshold: float) -> list[np.ndarray]:
        """Boxes (photo pixels) one quick pass scores `threshold` or more: CenterFace's where it is on,
        else MediaPipe full range's. A cheap first look that says whether `detect` is worth running
        (face/orient.py looks at turned copies this way)."""
        if self._centerface is not None:
            return [d.box for d in self._centerface(image, threshold, self.config.centerface_max_side)]
        small, scale = downscaled(image, self.config.max_side)
        whole = [(0, 0, small.shape[1], small.shape[0])]
        with self._lock:
            return [box / scale for box, score, _, _ in self._detect_regions(self._mp_detector, small, whole)
                    if score >= threshold]

    def _retry_meshes(self, image: np.ndarray, kept: list[Face]) -> None:
        """Faces kept without a mesh: look again in other views (config.mesh_retry_contexts)."""
        if self._mesh is None:
            return
        for f in kept:
            for context in self.config.mesh_retry_contexts if f.mesh is None else ():
                if self._mesh.refine(image, f, context):
                    break

    def _confirm_faint(self, image: np.ndarray, faces: list[Face], weak: list[str], keep: list[bool],
                       budget: int) -> None:
        """Faint candidates, best first, at most `budget`: a face when CenterFace's zoomed look
        scores `faint_zoom_sure`, with the zoomed view's box and points (then the mesh, where it fits),
        unless that box is a face already kept."""
        cfg = self.config
        faint = sorted((i for i, w in enumerate(weak) if w == FAINT), key=lambda i: -faces[i].score)
        for i in faint[:budget]:
            kept = [f.box for f, k in zip(faces, keep, strict=True) if k]
            d, _ = self._second_look(image, faces[i].box, kept, cfg.faint_zoom_sure, cfg.faint_zoom)
            if d is None or d.score < cfg.faint_zoom_sure:
                continue
            f = faces[i]
            f.box, f.keypoints5, f.score, f.detector = d.box, d.keypoints5, d.score, "centerface-zoom"
            keep[i] = True
            meshed = self._mesh is not None and self._mesh.refine(image, f)
            f.unsure = not meshed and past_corner(f.box, image.shape)

    def _second_look(self, image: np.ndarray, box: np.ndarray, kept: list[np.ndarray], sure: float,
                     zoom: tuple[int, float] = (160, 2.5)) -> tuple[Detection | None, bool]:
        """CenterFace's zoomed look at a weak box: the best face it finds that is not one of the faces `kept`
        (a weak box beside a strong face, such as a face cut by the edge behind a person, is not answered by
        the strong face), or None, and whether it found faces scoring `sure` but each was one kept (the box
        is a second box on a face: dropped)."""
        cfg = self.config
        looks = self._centerface.looks(image, box, *zoom, mirror=cfg.zoom_mirror)
        free = [d for d in looks if not any(same_face(b, d.box, cfg.nms_iou, cfg.nested) for b in kept)]
        again = any(d.score >= sure for d in looks) and not any(d.score >= sure for d in free)
        return (free[0] if free else None), again

    @staticmethod
    def _detect_regions(
        model, img: np.ndarray, regions: list[tuple[int, int, int, int]], name: str = "mediapipe"
    ):
        """A MediaPipe detector on each region of img; yields (box, score, keypoints, name) in img pixels."""
        for x0, y0, x1, y1 in regions:
            res = model.process(np.ascontiguousarray(img[y0:y1, x0:x1]))
            rw, rh = x1 - x0, y1 - y0
            for d in res.detections or []:
                rb = d.location_data.relative_bounding_box
                box = np.array([rb.xmin * rw + x0, rb.ymin * rh + y0,
                                (rb.xmin + rb.width) * rw + x0, (rb.ymin + rb.height) * rh + y0])
                pts = np.array([[p.x * rw + x0, p.y * rh + y0] for p in d.location_data.relative_keypoints])
                yield box, float(d.score[0]), pts, name


def past_edges(box: np.ndarray, shape: tuple[int, ...]) -> int:
    """How many of the photo's sides (0-2: across, and up or down) the box reaches past."""
    h, w = shape[:2]
    return int(box[0] < 0 or box[2] > w) + int(box[1] < 0 or box[3] > h)


def past_corner(box: np.ndarray, shape: tuple[int, ...]) -> bool:
    """The box reaches past two edges of the photo (a corner). A zoomed look there sees the photo mirrored
    both ways, and a quarter of a shoulder or an arm mirrored so looks like a face (CenterFace 0.6): such
    a box with no face mesh is unsure (blurred, not given a new face); a face cut that deep is blurred too."""
    return past_edges(box, shape) == 2


def _witness(scores: dict[str, float], cfg: DetectorConfig) -> str:
    """"" for a face that stands as found, "drop", or the weak witness whose box counts once
    confirmed. With CenterFace on: either detector sure, or dlib, stands; CenterFace unsure (alone or
    with an unsure MediaPipe: two unsure detectors on one texture do not make a face) needs the face
    mesh or CenterFace's second look at a zoomed crop; MediaPipe alone and unsure is dropped (it fires
    on textures, mesh or not). CenterFace's box at a finer scale stands from `centerface_fine_sure`, and
    from `centerface_sure` is FINE: kept, blurred unless that second look confirms it. Without
    CenterFace, MediaPipe's short-range model alone needs the mesh."""
    if "dlib-hog" in scores:
        return ""
    mp, cf, fine = scores.get("mediapipe"), scores.get("centerface"), scores.get(FINE)
    if not cfg.centerface:
        return "" if mp is not None or not cfg.mesh else "mediapipe-short"
    mp = max(mp or 0.0, scores.get("mediapipe-short", 0.0))
    if (mp >= cfg.mediapipe_sure or (cf is not None and cf >= cfg.centerface_sure)
            or (fine is not None and fine >= cfg.centerface_fine_sure)):
        return ""
    if fine is not None and fine >= cfg.centerface_sure:
        return FINE
    if cf is not None or fine is not None:
        return "centerface"
    return FAINT if FAINT in scores else "drop"
