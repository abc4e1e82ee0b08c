"""Face-level recall benchmark of the detection front-end (`id2face eval --detection`).

Scenes with known face boxes are composed from real photos (evaluation/detection/scenes.py), by
category: size, cut by each edge, turned, half covered, defocused, dark, a crowd, printed in dots, an
upright face beside a turned one, a crowd in a 12-MP photo, a face mostly past an edge; face-free images
count false alarms. Each detector setting runs on the same scenes: MediaPipe as the front-end was before
CenterFace, CenterFace alone, and the two fused (the default), all with the photo front-end's
retry on turned copies where the setting has it, and a halftone's or dither's dots smoothed first
(face/screen.py) where the setting has that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from id2face.evaluation.detection.score import Tally, matches
from id2face.face.config import DetectorConfig


@dataclass
class BenchSettings:
    data: Path
    per_category: int = 60
    face_free: int = 60
    mosaics: int = 10  # large face-free mosaics (1280x960 and 4032x3024 in turn): false alarms of the tiles
    sources: int = 200
    seed: int = 0
    categories: tuple[str, ...] = ()  # only categories starting with one of these ("tiny", "cut"); () all
    detectors: tuple[str, ...] = ()  # only detector settings starting with one of these ("fused"); () all


def detector_settings() -> dict[str, DetectorConfig]:
    return {
        "mediapipe (before)": DetectorConfig(centerface=False, rotations=False),
        "centerface": DetectorConfig(mediapipe=False),
        "fused (default)": DetectorConfig(),
        "dots not smoothed (fused)": DetectorConfig(descreen=False),
        "upright only (fused)": DetectorConfig(rotations_beside=False),
        "coarse only (fused)": DetectorConfig(centerface_fine=False),
        "edges replicated (fused)": DetectorConfig(zoom_mirror=False),
        "every scale (fused, --small-faces)": DetectorConfig(centerface_fine_group=0),
        "gate only (fused)": DetectorConfig(centerface_fine_seed=0.0),
    }


def run_detection_bench(
    settings: BenchSettings, configs: dict[str, DetectorConfig] | None = None, progress: bool = True
) -> dict[str, Tally]:
    """Recall per category and false alarms for each detector setting, on the same scenes."""
    from tqdm import tqdm

    from id2face.evaluation.detection.scenes import (
        face_free_images,
        face_free_mosaics,
        find_sources,
        pick_categories,
        scenes,
    )
    from id2face.face.detect import FaceDetector

    configs = configs or detector_settings()
    if settings.detectors:
        configs = {k: v for k, v in configs.items() if k.startswith(settings.detectors)}
        if not configs:
            raise ValueError(f"no detector setting starts with {', '.join(settings.detectors)}")
    picked = pick_categories(settings.categories)  # before the sources: a typo fails at once
    sources = find_sources(
        settings.data,
        FaceDetector(DetectorConfig(centerface=False, rotations=False)),
        settings.sources,
        settings.seed,
    )
    if not sources:
        raise FileNotFoundError(f"no photo with one clear face under {settings.data}")
    composed = list(scenes(sources, settings.per_category, settings.seed, picked))
    free = face_free_images(settings.face_free, settings.seed)
    mosaics = face_free_mosaics(settings.mosaics, settings.seed)
    results: dict[str, Tally] = {}
    for name, cfg in configs.items():
        det = FaceDetector(cfg)
        tally = Tally()
        for sc in tqdm(composed, desc=name, disable=not progress, leave=False):
            t = time.perf_counter()
            faces = _found(det, sc.image, cfg.descreen)
            tally.seconds.append(time.perf_counter() - t)
            tally.add(
                sc.category, matches(sc.boxes, [f.box for f in faces], sc.image.shape[1::-1]), len(sc.boxes),
                sc.source,
            )
        for img in free:
            t = time.perf_counter()
            tally.false_alarms += len(_found(det, img, cfg.descreen))
            tally.seconds.append(time.perf_counter() - t)
            tally.free_images += 1
        for img in mosaics:
            t = time.perf_counter()
            tally.mosaic_false_alarms += len(_found(det, img, cfg.descreen))
            tally.mosaic_seconds.append(time.perf_counter() - t)
            tally.mosaics += 1
        results[name] = tally
    return results


def _found(detector, image, descreen: bool) -> list:
    """The faces the photo front-end finds: on turned copies too (face/orient.py), and in a print's
    smoothed copy where it finds more (face/screen.py), as Anonymizer.anonymize_batch looks."""
    from functools import partial

    from id2face.face.orient import detect_any_orientation
    from id2face.face.screen import find_screen, pick_view

    return pick_view(image, find_screen(image, descreen), partial(detect_any_orientation, detector))[1]


def table(results: dict[str, Tally]) -> str:
    """Recall (%) by category, one column per detector setting, then false alarms."""
    names = list(results)
    cats = list(next(iter(results.values())).total)
    width = max(len(c) for c in cats + ["false alarms / face-free mosaics"])
    head = f"{'category':<{width}}  " + "  ".join(f"{n:>18}" for n in names)
    lines = [head, "-" * len(head)]
    for c in cats:
        n = next(iter(results.values())).total[c]
        lines.append(
            f"{c + f' ({n})':<{width}}  " + "  ".join(f"{100 * results[k].recall(c):>17.1f}%" for k in names)
        )
    lines.append(
        f"{'all faces':<{width}}  " + "  ".join(f"{100 * results[k].recall():>17.1f}%" for k in names)
    )
    lines.append(
        f"{'false alarms / face-free images':<{width}}  "
        + "  ".join(f"{f'{results[k].false_alarms} / {results[k].free_images}':>18}" for k in names)
    )
    if any(r.mosaics for r in results.values()):
        lines.append(
            f"{'false alarms / face-free mosaics':<{width}}  "
            + "  ".join(f"{f'{results[k].mosaic_false_alarms} / {results[k].mosaics}':>18}" for k in names)
        )
    lines.append(
        f"{'median ms per image':<{width}}  "
        + "  ".join(f"{results[k].as_dict()['median_ms_per_image']:>18.1f}" for k in names)
    )
    return "\n".join(lines)
