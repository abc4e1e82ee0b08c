"""The targets a model must meet to become the bundled default (issue 11), checked on one report.

Every `id2face eval` report then says, per id2face variant, which target is met (✓), missed (✗) or was
not measured in that run (–), with the figure beside the mark: the decision after a training burst
reads off one table instead of seven.
"""

from __future__ import annotations

from dataclasses import dataclass

from id2face.evaluation.fid_floor import BASELINE

MET, MISSED, UNMEASURED = "✓", "✗", "–"


@dataclass(frozen=True)
class Targets:
    """Issue 11's "done when", as numbers (fractions for rates)."""

    fid_over_baseline: float = 0.5  # FID of the fake crops <= half of pixelate's, same run
    fid_half_over_floor: float = 2.0  # half-split FID (like with like) <= 2x the real-vs-real floor
    reid: float = 0.02  # top-1 re-identification, overall and in every size bucket with enough faces
    reid_recognizers: tuple[str, ...] = ("dlib", "faceres")
    detected: float = 0.99  # anonymized faces still detected
    pose_median_deg: float = 4.0
    different_pairs: float = 0.90  # seed pairs that are different people (dlib)
    training_identity: float = 0.05  # closer to a training identity than 95 % of unseen people


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _mark(value: float | None, ok: bool, text: str) -> str:
    return UNMEASURED if value is None else f"{MET if ok else MISSED} {text}"


def _reid_cell(method: dict, recognizer: str, limit: float) -> str:
    """Overall rate, then each bucket that has enough faces; met only when every one is <= limit."""
    rate = method.get("identity", {}).get(recognizer, {}).get("reid_rate")
    if rate is None:
        return UNMEASURED
    rates = [("all", rate)] + [
        (label, b["reid_rate"])
        for label, b in method.get("identity_by_size", {}).get(recognizer, {}).items()
        if b and not b.get("few") and b.get("reid_rate") is not None
    ]
    text = ", ".join(f"{label} {100 * r:.1f}" for label, r in rates) + " %"
    return _mark(rate, all(r <= limit for _, r in rates), text)


def target_row(method: dict, t: Targets = Targets()) -> list[str]:
    """One cell per target (see `target_header`), then how many were missed."""
    q, u = method.get("quality", {}), method.get("utility", {})
    div = method.get("diversity", {}).get("dlib", {}).get("different_pairs")
    train = (method.get("training_identity") or {}).get("closer_than_unseen_rate")
    fb, fh = q.get(f"fid_over_{BASELINE}"), q.get("fid_half_over_floor")
    det, pose = u.get("faces_detected"), u.get("pose_error_deg_median")

    def at_most(x, limit, text):
        return _mark(x, x is not None and x <= limit, text(x) if x is not None else "")

    def at_least(x, limit, text):
        return _mark(x, x is not None and x >= limit, text(x) if x is not None else "")

    cells = [
        at_most(fb, t.fid_over_baseline, lambda x: f"{x:.2f}"),
        at_most(fh, t.fid_half_over_floor, lambda x: f"{x:.2f}"),
        *[_reid_cell(method, r, t.reid) for r in t.reid_recognizers],
        at_least(det, t.detected, _pct),
        at_most(pose, t.pose_median_deg, lambda x: f"{x:.2f}°"),
        at_least(div, t.different_pairs, _pct),
        at_most(train, t.training_identity, _pct),
    ]
    missed = sum(c.startswith(MISSED) for c in cells)
    unmeasured = sum(c == UNMEASURED for c in cells)
    verdict = "all met" if not missed and not unmeasured else f"{missed} missed" + (
        f", {unmeasured} not measured" if unmeasured else "")
    return cells + [verdict]


def target_header(t: Targets = Targets()) -> list[str]:
    return [
        f"FID ÷ {BASELINE} ≤ {t.fid_over_baseline:g}",
        f"half-split FID ÷ floor ≤ {t.fid_half_over_floor:g}",
        *[f"{r} re-id ≤ {100 * t.reid:g} % (all, buckets ≥ 20 faces)" for r in t.reid_recognizers],
        f"detected ≥ {100 * t.detected:g} %",
        f"median pose ≤ {t.pose_median_deg:g}°",
        f"seed pairs different (dlib) ≥ {100 * t.different_pairs:g} %",
        f"training identity ≤ {100 * t.training_identity:g} %",
        "verdict",
    ]


def targets_table(report: dict, t: Targets = Targets()) -> tuple[str, list[str], list[list[str]]] | None:
    """(title, header, rows) for the id2face variants of a report; None when it has none."""
    rows = [[name] + target_row(m, t) for name, m in report.get("methods", {}).items()
            if name.split("@")[0] == "id2face"]
    if not rows:
        return None
    title = f"Targets for a bundled model (issue 11): {MET} met, {MISSED} missed, {UNMEASURED} not measured"
    return title, ["method"] + target_header(t), rows


def verdict_lines(report: dict, t: Targets = Targets()) -> list[str]:
    """One line per id2face variant for the terminal: its verdict, and each target missed with its figure."""
    table = targets_table(report, t)
    if table is None:
        return []
    _, head, rows = table
    out = []
    for row in rows:
        cells = zip(head[1:-1], row[1:-1], strict=True)
        missed = [f"{name.split(' ≤')[0].split(' ≥')[0]} ({cell[2:]})" for name, cell in cells
                  if cell.startswith(MISSED)]
        out.append(f"{row[0]}: {row[-1]}" + (": " + "; ".join(missed) if missed else ""))
    return out
