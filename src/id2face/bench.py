"""Time the whole anonymization path on generated photos, stage by stage.

Photos are made from the public-domain sample portrait (scaled copies on a plain canvas), so the
benchmark needs no data and every run sees the same work. A model config (`tiny`, `sd15`, a YAML
file) times a model of that architecture with random weights when no trained weights are given:
the numbers then measure speed and memory only, never quality.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from id2face.anonymizer import Anonymizer
from id2face.identity import load_recognizer
from id2face.methods.base import FaceMethod
from id2face.methods.diffusion import DiffusionOptions, ID2FaceMethod
from id2face.model.build import build_pipeline
from id2face.model.samplers import sampler_name
from id2face.training.config import load_train_config


def generated_photo(faces: int, size: tuple[int, int] = (960, 720), seed: int = 0) -> np.ndarray:
    """A size (w, h) photo with `faces` copies of the sample face on a grid, varied in scale."""
    import skimage.data

    rng = np.random.default_rng(seed)
    face = skimage.data.astronaut()[0:260, 110:350]
    w, h = size
    photo = np.full((h, w, 3), 200, np.uint8)
    cols = int(np.ceil(np.sqrt(faces * w / h)))
    rows = int(np.ceil(faces / cols))
    cw, ch = w // cols, h // rows
    for i in range(faces):
        r, c = divmod(i, cols)
        s = min(cw / face.shape[1], ch / face.shape[0]) * rng.uniform(0.75, 0.95)
        f = cv2.resize(face, (max(8, int(face.shape[1] * s)), max(8, int(face.shape[0] * s))),
                       interpolation=cv2.INTER_AREA)
        y, x = r * ch + (ch - f.shape[0]) // 2, c * cw + (cw - f.shape[1]) // 2
        photo[y:y + f.shape[0], x:x + f.shape[1]] = f
    return photo


@dataclass
class BenchResult:
    method: str
    device: str
    photos: int
    faces: int
    faces_per_photo: int
    batch: int
    seconds: float
    faces_per_s: float
    ms_per_face: float
    single_face_latency_ms: float
    stage_ms_per_face: dict[str, float] = field(default_factory=dict)
    warmup_s: float = 0.0
    peak_rss_mib: float = 0.0
    rss_before_mib: float = 0.0
    peak_gpu_mib: float | None = None
    machine: str = ""
    model: str = ""
    photo_size: tuple[int, int] = (960, 720)
    settings: dict = field(default_factory=dict)

    def table(self) -> str:
        w, h = self.photo_size
        rows = [
            ("method", self.method),
            ("model", self.model),
            ("device", self.device),
            ("machine", self.machine),
            ("settings", ", ".join(f"{k}={v}" for k, v in self.settings.items()) or "-"),
            ("photos x faces", f"{self.photos} x {self.faces_per_photo} of {w}x{h} px (batch {self.batch})"),
            ("faces/s", f"{self.faces_per_s:.2f}"),
            ("ms/face (throughput)", f"{self.ms_per_face:.1f}"),
            ("single-face latency ms", f"{self.single_face_latency_ms:.1f}"),
            ("warm-up s (incl. compile)", f"{self.warmup_s:.2f}"),
        ]
        rows += [(f"  {'  ' + k.split('.', 1)[1] if '.' in k else k} ms/face", f"{v:.1f}")
                 for k, v in self.stage_ms_per_face.items()]
        rows += [
            ("RSS before the timed run MiB", f"{self.rss_before_mib:.0f}"),
            ("peak RSS MiB", f"{self.peak_rss_mib:.0f}"),
        ]
        if self.peak_gpu_mib is not None:
            rows.append(("peak GPU MiB (max allocated)", f"{self.peak_gpu_mib:.0f}"))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def machine_name(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(0)
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores"


def current_rss_mib() -> float:
    """Resident memory now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return peak_rss_mib()


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if platform.system() == "Darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def config_method(config: str, device: str = "cpu", **options) -> FaceMethod:
    """An ID2Face method of a training config's architecture (tiny, sd15, YAML) with random weights.

    A latent config whose base_model directory is absent gets `random:sd15` shapes: speed only.
    """
    from pathlib import Path

    cfg = load_train_config(config)
    m = cfg.model
    if m.backbone == "latent" and not (m.base_model and (Path(m.base_model).is_dir() or
                                                          m.base_model.startswith("random:"))):
        m.base_model = "random:sd15"
    recognizer = load_recognizer(m.recognizer)
    pipe = build_pipeline(m, recognizer=recognizer)
    pipe.set_recognizer(recognizer)
    pipe.unet.eval()
    pipe.default_steps = cfg.inference_steps
    return ID2FaceMethod.from_pipeline(pipe, DiffusionOptions(device=device, **options))


def run_bench(method: str | FaceMethod = "blur", model: str | None = None, device: str = "cpu",
              photos: int = 8, faces_per_photo: int = 2, batch: int = 1, steps: int | None = None,
              warmup: int = 1, size: tuple[int, int] = (960, 720), model_label: str = "",
              **runtime) -> BenchResult:
    """Anonymize `photos` generated photos in batches; returns throughput, latency and stage times.

    `runtime`: sampler=, dtype=, channels_last=, compile=, batch_size= for the id2face method.
    """
    anon = Anonymizer(method=method, model=model, device=device, steps=steps, **runtime)
    imgs = [generated_photo(faces_per_photo, size=size, seed=i) for i in range(photos)]
    single = generated_photo(1, size=size, seed=99)
    t0 = time.perf_counter()
    for _ in range(warmup):  # every batch shape the timed run will use (compiled models recompile per shape)
        anon.anonymize_batch(imgs[:batch])
        anon.anonymize_batch([single])
        if photos % batch:
            anon.anonymize_batch(imgs[: photos % batch])
    warm = time.perf_counter() - t0
    _reset_gpu_peak(device)
    anon.timings.clear()
    pipe = getattr(anon.method, "pipe", None)
    if pipe is not None:
        pipe.stage_times = {}  # the model's own stages, inside "method"
    rss_before = current_rss_mib()
    t0 = time.perf_counter()
    faces = 0
    for i in range(0, photos, batch):
        faces += sum(r.faces for _, r in anon.anonymize_batch(imgs[i:i + batch]))
    total = time.perf_counter() - t0
    inner = pipe.stage_times if pipe is not None else {}
    stages: dict[str, float] = {}
    for k, v in anon.timings.items():
        stages[k] = 1000 * v / max(faces, 1)
        if k == "method":
            stages.update({f"method.{s}": 1000 * t / max(faces, 1) for s, t in inner.items()})
    if pipe is not None:
        pipe.stage_times = None
    lat = []
    for _ in range(3):
        t = time.perf_counter()
        anon.anonymize_batch([single])
        lat.append(time.perf_counter() - t)
    m = anon.method
    settings = {k: v for k, v in runtime.items() if v not in (None, False)}
    if getattr(m, "steps", None):
        settings["steps"] = m.steps
    if hasattr(m, "pipe"):
        settings["sampler"] = sampler_name(m.pipe.scheduler)
        settings["dtype"] = str(m.pipe.unet.dtype).replace("torch.", "")
        settings["guidance"] = m.guidance  # the effective values (the model's own unless set)
        settings["guidance_start"] = m.guidance_start
        settings["identity_candidates"] = m.identity_candidates
        settings["face_shape"] = m.shape_amount if m.face_shape is not None else 0.0
        settings["face_shape_spread"] = m.shape_spread
        look, wide = m.attributes_rule
        settings["attributes"] = "free" if m.pipe.identity_attributes is None else f"{look} from {wide:g} px"
        settings["skin_tone"] = 0.0 if m.pipe.skin_tone is None else (
            m.pipe.default_skin_tone if m.skin_tone is None else m.skin_tone)
    return BenchResult(
        method=m.name,
        device=device,
        photos=photos,
        faces=faces,
        faces_per_photo=faces_per_photo,
        batch=batch,
        seconds=total,
        faces_per_s=faces / total,
        ms_per_face=1000 * total / max(faces, 1),
        single_face_latency_ms=1000 * float(np.median(lat)),
        stage_ms_per_face=stages,
        warmup_s=warm,
        peak_rss_mib=peak_rss_mib(),
        rss_before_mib=rss_before,
        peak_gpu_mib=_gpu_peak(device),
        machine=machine_name(device),
        model=model_label or str(model or ""),
        photo_size=size,
        settings=settings,
    )


def _reset_gpu_peak(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.reset_peak_memory_stats()


def _gpu_peak(device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.max_memory_allocated() / 2**20


def to_json(result: BenchResult) -> str:
    return json.dumps(asdict(result), indent=1)
