"""Measure where dlib's face chips put our five canonical points.

Run: python -m id2face.identity.derive_dlib_template

dlib aligns with its own 5-point model; our front-end uses eye centres, nose tip and mouth corners.
For each photo we map those points (from dlib's 68-point model) into dlib's 150x150 chip and
average, and check that re-warping with the chip transform reproduces dlib's own descriptor.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from id2face.geometry import FFHQ, umeyama_similarity
from id2face.identity import DlibRecognizer


def chip_matrix(chip) -> np.ndarray:
    """2x3 affine image -> chip for a dlib.chip_details (rotate by angle, crop rect, scale)."""
    rc = chip.rect
    c = np.array([(rc.left() + rc.right()) / 2, (rc.top() + rc.bottom()) / 2])
    a = chip.angle
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * (rc.width() / chip.cols)
    t = c - rot @ np.array([chip.cols / 2, chip.rows / 2])
    return np.linalg.inv(np.vstack([np.hstack([rot, t[:, None]]), [0, 0, 1]]))[:2]


def main() -> None:
    import cv2
    import dlib
    import face_recognition_models as frm

    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--data", default=str(Path(__file__).parents[3] / ".." / "shared" / "data" / "celeba-wild")
    )
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--validate", type=int, default=0, help="also validate on this many identities")
    args = ap.parse_args()
    root = Path(args.data)
    rows = list(csv.DictReader(open(root / "identities.csv")))[: args.n]
    det = dlib.get_frontal_face_detector()
    sp5 = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    sp68 = dlib.shape_predictor(frm.pose_predictor_model_location())
    rec = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    pts, dists = [], []
    for r in rows:
        img = cv2.cvtColor(cv2.imread(str(root / r["file"])), cv2.COLOR_BGR2RGB)
        boxes = det(img, 1)
        if len(boxes) != 1:
            continue
        s5, s68 = sp5(img, boxes[0]), sp68(img, boxes[0])
        m = chip_matrix(dlib.get_face_chip_details(s5, 150, 0.25))
        chip = cv2.warpAffine(img, m, (150, 150), flags=cv2.INTER_LINEAR)
        ref = np.array(rec.compute_face_descriptor(img, s5))
        dists.append(np.linalg.norm(np.array(rec.compute_face_descriptor(chip)) - ref))
        p = np.array([[s68.part(i).x, s68.part(i).y] for i in range(68)], float)
        five = np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])
        pts.append(five @ m[:, :2].T + m[:, 2])
    print(
        f"faces: {len(pts)}; re-warp vs dlib descriptor L2: mean {np.mean(dists):.3f} max {np.max(dists):.3f}"
    )
    print("DLIB_POINTS =", np.round(np.mean(pts, 0) / 150, 4).tolist())
    if args.validate:
        validate(root, det, sp68, args.validate)


def dlib_ffhq_crop(img: np.ndarray, det, sp68, size: int) -> np.ndarray | None:
    """FFHQ-aligned crop from dlib's own detector and 68 points (independent of MediaPipe); None
    unless one face."""
    import cv2

    boxes = det(img, 1)
    if len(boxes) != 1:
        return None
    s = sp68(img, boxes[0])
    p = np.array([[s.part(i).x, s.part(i).y] for i in range(68)], float)
    five = np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])
    return cv2.warpAffine(
        img, umeyama_similarity(five, FFHQ.pixels(size)), (size, size), flags=cv2.INTER_LINEAR
    )


def validate(root: Path, det, sp68, n_ids: int, per_id: int = 3, size: int = 192) -> None:
    """Same/different-person L2 of DlibRecognizer on FFHQ-aligned crops (the path the model uses)."""
    import cv2

    rows = list(csv.DictReader(open(root / "identities.csv")))
    by_id: dict[str, list[str]] = {}
    for r in rows:
        by_id.setdefault(r["identity"], []).append(r["file"])
    ids, crops = [], []
    for ident, files in list(by_id.items())[:n_ids]:
        for f in files[: per_id * 2]:
            crop = dlib_ffhq_crop(cv2.cvtColor(cv2.imread(str(root / f)), cv2.COLOR_BGR2RGB), det, sp68, size)
            if crop is None:
                continue
            crops.append(crop)
            ids.append(ident)
            if ids.count(ident) == per_id:
                break
    e = DlibRecognizer().embed(np.stack(crops), FFHQ, size, normalize=False)
    d = np.linalg.norm(e[:, None] - e[None], axis=-1)
    iu = np.triu_indices(len(ids), 1)
    same = np.array(ids)[iu[0]] == np.array(ids)[iu[1]]
    acc = ((d[iu] < 0.6) == same).mean()
    print(
        f"validation: {len(ids)} faces, {same.sum()} same / {(~same).sum()} different pairs; raw L2 same "
        f"mean {d[iu][same].mean():.3f} max {d[iu][same].max():.3f}, "
        f"different mean {d[iu][~same].mean():.3f} min {d[iu][~same].min():.3f}; "
        f"pair accuracy at 0.6: {acc:.3f}"
    )


if __name__ == "__main__":
    main()
