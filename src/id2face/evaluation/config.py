"""Typed settings of one evaluation run; YAML files in configs/eval/ fill them, CLI flags override."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from id2face.methods.registry import METHODS


@dataclass
class EvalConfig:
    """Everything that decides the numbers of a report (it is stored in report.json)."""

    data: str = ""  # folder of photos (searched recursively)
    output: str = "eval_report"
    methods: list[str] = field(default_factory=lambda: list(METHODS))
    # Extra variants of methods: "method@key=value,..." (keys: strength, steps, sampler, faces, guidance,
    # candidates, gstart, shape, spread, attributes, attrpx, tone; the mask's blend, dilate, feather, grain,
    # hair, smallgrow, hands, heads, edges, neck, resample, unsure), run only
    # when asked (--ablations or a config file's `ablations:`): each one is another full run per seed.
    # id2face@strength=0 is OIM off.
    ablations: list[str] = field(default_factory=list)
    stochastic: list[str] = field(default_factory=lambda: ["id2face"])  # methods run once per seed
    model: str | None = None
    seeds: int = 5
    recognizers: list[str] = field(default_factory=lambda: ["dlib", "faceres"])
    faceres_dir: str | None = None
    max_images: int | None = None
    reference: bool = True  # also score the untouched photos (re-identification must be 100 %)
    match_iou: float = 0.3  # a face on the result counts as "still detected" at this box overlap
    crop_size: int = 128  # face crops for FID, sharpness and the grid
    fid: bool = True
    grid_images: int = 6
    device: str = "cpu"
    steps: int | None = None
    sampler: str | None = None  # id2face sampler (default: the model's own)
    # Prepared datasets the model was trained on: report how often a fake face looks like one of
    # their identities (dlib). Empty: not measured.
    training_data: list[str] = field(default_factory=list)
    training_per_identity: int = 5

    @classmethod
    def from_yaml(cls, path: str | Path | None, **overrides) -> EvalConfig:
        data = yaml.safe_load(Path(path).read_text()) if path else {}
        data = data or {}
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)

    def summary(self) -> str:
        """The settings a run uses, defaults included, as the lines printed before it starts."""
        asked = [a for a in self.ablations if Variant.parse(a).method in self.methods]
        stochastic = [m for m in self.methods if m in self.stochastic]
        first = f" (first {self.max_images} photos)" if self.max_images else ""
        reference = " and the untouched photos (reference)" if self.reference else ""
        how = "" if asked else " (add variants with --ablations, e.g. id2face@strength=0)"
        return "\n".join([
            f"eval: {self.data} -> {self.output}{first}",
            f"  methods: {', '.join(self.methods)}{reference}",
            f"  ablations: {', '.join(asked) or 'none'}{how}",
            f"  seeds: {self.seeds} for {', '.join(stochastic)}" if stochastic else "  seeds: -",
            f"  recognizers: {', '.join(self.recognizers) or 'none'}; FID: {'on' if self.fid else 'off'}",
        ])

    def to_dict(self) -> dict:
        return asdict(self)


# Variant options handed to the Anonymizer only when a variant names them (else its own defaults):
# option -> (keyword, conversion).
PASSED_OPTIONS = {
    "guidance": ("guidance", float),
    "candidates": ("identity_candidates", int),
    "gstart": ("guidance_start", float),
    "shape": ("face_shape", float),
    "spread": ("face_shape_spread", float),
    "attributes": ("attributes", str),
    "attrpx": ("attributes_min_px", float),
    "tone": ("skin_tone", float),
}
def _flag(value: float | str) -> bool:
    """hair=1 / hair=0: a yes-or-no option given as a number."""
    return bool(float(value))


# Variant options that set the replaced region and the paste: option -> (MaskConfig field, conversion).
MASK_OPTIONS = {"blend": ("blend", str), "dilate": ("dilate", float), "feather": ("feather", float),
                "grain": ("grain", float), "hair": ("hair", _flag), "smallgrow": ("small_grow", float),
                "hands": ("hands", _flag), "heads": ("heads", str), "edges": ("edge_match", float),
                "neck": ("neck", float), "resample": ("resample", str), "unsure": ("unsure", str)}
# How a variant's faces reach the method: "mesh" (as detected) or "points" (every face's mesh dropped and its
# detector's own five points restored, so each takes the five-point path of profiles and half-hidden faces:
# face/fallback.py, face/points_mesh.py).
FACES = ("mesh", "points")
VARIANT_OPTIONS = ("strength", "steps", "sampler", "faces", *PASSED_OPTIONS, *MASK_OPTIONS)
# the options whose values are words, not numbers
TEXT_OPTIONS = ("sampler", "faces", *(k for k, (_, cast) in (*PASSED_OPTIONS.items(), *MASK_OPTIONS.items())
                                    if cast is str))


@dataclass(frozen=True)
class Variant:
    """One method with its settings, e.g. id2face@strength=0 (OIM off)."""

    method: str
    options: tuple[tuple[str, float | str], ...] = ()

    @property
    def label(self) -> str:
        text = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.options]
        return self.method + ("@" + ",".join(text) if text else "")

    @property
    def slug(self) -> str:
        return self.label.replace("@", "__").replace("=", "-").replace(",", "_")

    @classmethod
    def parse(cls, spec: str) -> Variant:
        name, _, opts = spec.strip().partition("@")
        options = []
        for item in filter(None, opts.split(",")):
            k, _, v = item.partition("=")
            if k not in VARIANT_OPTIONS:
                raise ValueError(f"{spec}: unknown option {k!r} (use {', '.join(VARIANT_OPTIONS)})")
            if k == "faces" and v not in FACES:
                raise ValueError(f"{spec}: faces must be one of {', '.join(FACES)}, got {v!r}")
            options.append((k, v if k in TEXT_OPTIONS else float(v)))
        return cls(name, tuple(options))
