"""Typed training configuration, loaded from YAML (configs/*.yaml) with `--set key=value` overrides."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from id2face.model.config import DEFAULT_STEPS, ID2FaceConfig, LossConfig


@dataclass
class DataConfig:
    dirs: list[str] = field(default_factory=list)  # datasets written by `id2face prepare`
    flip: bool = True  # horizontal flip (landmarks mirrored with the mesh's left/right map)
    color_jitter: float = 0.05  # max relative brightness/contrast/saturation change
    on_device: bool = False  # keep the whole uint8 dataset on the accelerator (small sets, fast GPUs)
    latent_cache: bool = False  # encode every face (and its flip) once with the first stage; train from that
    # Latent cache only: extra versions of each face's replaced region, grown by these shares of the crop,
    # and the share of batch faces that take one (training/latent_cache.py says why).
    mask_grow: tuple[float, ...] = ()
    mask_grow_p: float = 0.0
    # Skin-tone balance of the anchor faces (training/tone_balance.py): 0 draws them uniformly; a > 0 weighs
    # each by (faces in its person's tone bin)^-a, the heaviest at most `tone_balance_cap` x the lightest.
    tone_balance: float = 0.0
    tone_balance_cap: float = 8.0
    # No person drawn more often than one with this many faces (training/person_cap.py); 0: no cap.
    person_cap: int = 0

    def __post_init__(self) -> None:
        if any(not 0.0 < share <= 0.25 for share in self.mask_grow):
            raise ValueError(f"data.mask_grow: shares of the crop in (0, 0.25], got {list(self.mask_grow)}")
        if not 0.0 <= self.mask_grow_p <= 1.0:
            raise ValueError(f"data.mask_grow_p must be in [0, 1], got {self.mask_grow_p}")
        if self.tone_balance < 0 or self.tone_balance_cap < 1:
            raise ValueError(f"data.tone_balance must be >= 0 and data.tone_balance_cap >= 1, got "
                             f"{self.tone_balance} and {self.tone_balance_cap}")
        if self.person_cap < 0:
            raise ValueError(f"data.person_cap must be >= 0 (0: no cap), got {self.person_cap}")
        if self.mask_grow and not self.latent_cache:
            raise ValueError("data.mask_grow needs data.latent_cache: true (the grown versions are cached)")


@dataclass
class StageConfig:
    """Optimisation of one stage."""

    max_steps: int = 1000
    lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.0
    batch_size: int = 16  # per process and micro-batch


@dataclass
class TrainLoopConfig:
    """Stage 2 (denoiser + IDLR + IGLH + ID-VAE) and the run's bookkeeping."""

    max_steps: int = 20000
    max_minutes: float = 0.0  # > 0: stop stage 2 after this much wall time (a lent GPU's slot), then export
    stop_at: float = 0.0  # > 0: also stop stage 2 at this Unix time (a burst's hard deadline, export after)
    init_from: str | None = (
        None  # a saved model folder to fine-tune (its weights start stage 2; stage 1 is skipped)
    )
    lr: float = 2e-4
    warmup_steps: int = 500
    weight_decay: float = 0.0
    batch_size: int = 16  # per process and micro-batch
    grad_accum: int = 1
    max_grad_norm: float = 1.0
    mixed_precision: str = "no"  # no | fp16 | bf16
    ema_decay: float = 0.999
    ema_warmup: int = 100  # EMA decay ramps up over this many steps
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    validate_every: int = 1000
    log_every: int = 50
    num_val: int = 4  # faces in the validation grid
    val_steps: int = DEFAULT_STEPS  # sampling steps of the validation grid
    seed: int = 0
    freeze_unet: bool = False  # latent backbone: train only the added modules
    compile: bool = False  # torch.compile the UNet (GPU runs; the first steps pay the compile)
    compile_cache: str = ""  # a file of torch.compile artifacts: loaded before compiling, saved at the end


@dataclass
class TrainConfig:
    model: ID2FaceConfig = field(default_factory=ID2FaceConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    data: DataConfig = field(default_factory=DataConfig)
    idvae: StageConfig = field(default_factory=lambda: StageConfig(max_steps=2000, lr=1e-3, batch_size=256))
    train: TrainLoopConfig = field(default_factory=TrainLoopConfig)
    output: str = "runs/id2face"
    scheduler: str = "dpmsolver"  # sampler saved with the model: a key of id2face.model.samplers.SAMPLERS
    inference_steps: int = DEFAULT_STEPS


def _build(cls, data):
    """Dataclass `cls` from a nested dict; unknown keys are errors (typos must not pass silently)."""
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown keys {sorted(unknown)} (known: {sorted(names)})")
    kwargs = {}
    for key, value in data.items():
        kwargs[key] = _coerce(hints[key], value)
    return cls(**kwargs)


def _coerce(tp, value):
    if tp is str and isinstance(value, bool):  # YAML 1.1 reads `no`/`yes` as booleans
        return "yes" if value else "no"
    if dataclasses.is_dataclass(tp):
        return _build(tp, value)
    origin = typing.get_origin(tp)
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return value if value is None else _coerce(args[0], value)
    return value


def config_from_dict(data: dict) -> TrainConfig:
    return _build(TrainConfig, data)


def config_to_dict(cfg: TrainConfig) -> dict:
    def plain(x):
        if isinstance(x, tuple):
            return [plain(v) for v in x]
        if isinstance(x, list):
            return [plain(v) for v in x]
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        return x

    return plain(dataclasses.asdict(cfg))


def _set(data: dict, dotted: str, raw: str) -> None:
    keys = dotted.split(".")
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = yaml.safe_load(raw)


def named_configs() -> dict[str, Path]:
    """The configs shipped with the package (tiny, sd15), by name."""
    folder = Path(__file__).resolve().parents[1] / "configs"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve_config(name_or_path: str | Path) -> Path:
    """A YAML path, or the name of a shipped config ('tiny', 'sd15')."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = named_configs()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise FileNotFoundError(f"config not found: {path} (a YAML file, or one of: {', '.join(shipped)})")


def load_train_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """YAML file (or shipped config name) -> TrainConfig; `overrides` are `a.b=value` YAML strings."""
    path = resolve_config(path)
    data = yaml.safe_load(path.read_text()) or {}
    for item in overrides or []:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        _set(data, k.strip(), v)
    return config_from_dict(data)
