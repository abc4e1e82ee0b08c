"""`id2face train`: stage 1 fits the ID-VAE to the embeddings, stage 2 trains the whole model.

One code path for a laptop CPU, one GPU and many GPUs/nodes (`accelerate launch`): Accelerate
places the model, wraps it for DDP, runs mixed precision and gradient accumulation. Checkpoints
are safetensors (see checkpoint.py); every random draw is seeded by the step (exact resume).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml
from torch import nn
from tqdm import tqdm

from id2face.face.points_mesh import MIN_MESHES
from id2face.identity import load_recognizer
from id2face.model.build import build_pipeline
from id2face.model.geometry_maps import geometry_maps
from id2face.model.pipeline import ID2FacePipeline
from id2face.model.samplers import make_sampler
from id2face.training import face_shape
from id2face.training.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from id2face.training.compile_cache import compile_unet, save_compile_cache
from id2face.training.config import TrainConfig, config_to_dict
from id2face.training.data import Batch, FaceDataset
from id2face.training.ema import EMA
from id2face.training.latent_cache import LatentCache
from id2face.training.latent_losses import latent_training_losses
from id2face.training.logs import RunLogger
from id2face.training.losses import training_losses
from id2face.training.person_cap import weigh_anchors
from id2face.training.points_mesh import add_to_model, fit_for_model
from id2face.training.validation import validation_grid


class TrainModule(nn.Module):
    """The trainable parts of a pipeline under one nn.Module, so DDP sees one forward."""

    def __init__(self, pipe):
        super().__init__()
        self.idvae, self.recomposer, self.unet, self.harmonizer = (
            pipe.idvae,
            pipe.recomposer,
            pipe.unet,
            pipe.harmonizer,
        )
        self._pipe = [pipe]  # a list keeps the pipeline out of the module tree (the VAE stays frozen)

    def forward(
        self, batch: dict[str, torch.Tensor], loss_cfg, generator: torch.Generator
    ) -> dict[str, torch.Tensor]:
        if "x0_a" in batch:  # a latent-cache batch (data.latent_cache)
            return latent_training_losses(self._pipe[0], batch, loss_cfg, generator)
        return training_losses(self._pipe[0], batch, loss_cfg, generator)


def step_generator(seed: int, step: int, micro: int, rank: int, device) -> torch.Generator:
    """The only source of randomness of one micro-batch: a pure function of its position."""
    g = torch.Generator(device=device)
    g.manual_seed((seed * 1_000_003 + step * 7919 + micro * 104_729 + rank * 15_485_863) % (2**63 - 1))
    return g


def lr_at(step: int, base: float, warmup: int) -> float:
    return base * min(1.0, (step + 1) / max(warmup, 1))


def to_loss_batch(b: Batch, size: int) -> dict[str, torch.Tensor]:
    """The dict that training.losses.training_losses reads, with geometry maps rendered on the device."""
    n = b.image_a.shape[0]
    return {
        "image_a": b.image_a, "image_b": b.image_b, "mask_a": b.mask_a, "mask_b": b.mask_b,
        "emb_a": b.embed_a, "emb_b": b.embed_b,
        "geom_a": geometry_maps(b.landmarks_a, n, size).to(b.image_a.dtype),
        "geom_b": geometry_maps(b.landmarks_b, n, size).to(b.image_a.dtype),
    }


@dataclass
class RunState:
    pipe: object
    module: TrainModule
    train_set: FaceDataset
    val_set: FaceDataset


def build_run(cfg: TrainConfig) -> RunState:
    """Datasets and a fresh pipeline whose crop size, template and embedding size match the data."""
    train_set = FaceDataset(cfg.data.dirs, "train")
    try:
        val_set = FaceDataset(cfg.data.dirs, "val")
    except ValueError:
        val_set = train_set  # no held-out identities: the grid shows training faces
    m = cfg.model
    if train_set.size != m.crop_size or train_set.template != m.template:
        raise ValueError(
            f"data is {train_set.size}px/{train_set.template} but the model wants "
            f"{m.crop_size}px/{m.template}: prepare with --size {m.crop_size} or set model.crop_size"
        )
    if train_set.recognizer != m.recognizer:
        raise ValueError(
            f"data embeddings come from {train_set.recognizer!r}, the model expects {m.recognizer!r}"
        )
    m.idvae.embed_dim = train_set.embed_dim
    recognizer = None
    try:
        recognizer = load_recognizer(m.recognizer)
    except (ValueError, ImportError):
        pass  # ONNX (the file is the user's) or no dlib here (a GPU box): name and size are recorded
    pipe = build_pipeline(m, recognizer)
    pipe.default_steps = cfg.inference_steps
    pipe.set_progress_bar_config(disable=True)
    if cfg.train.init_from:
        load_weights_from(pipe, Path(cfg.train.init_from))
    return RunState(pipe, TrainModule(pipe), train_set, val_set)


def load_weights_from(pipe, model_dir: Path) -> None:
    """Start from a saved model's weights (fine-tuning); the architectures must match exactly."""
    src = ID2FacePipeline.from_pretrained(model_dir)
    for name in ("idvae", "recomposer", "unet", "harmonizer"):
        theirs, ours = getattr(src, name).state_dict(), getattr(pipe, name).state_dict()
        bad = [k for k in ours if k not in theirs or theirs[k].shape != ours[k].shape]
        if bad or set(theirs) - set(ours):
            raise ValueError(f"train.init_from={model_dir}: its {name} does not match this config "
                             f"(first difference: {(bad or sorted(set(theirs) - set(ours)))[0]}); "
                             "use the config the model was trained with (its training_config.yaml)")
        getattr(pipe, name).load_state_dict({k: v.float() for k, v in theirs.items()})
    want, have = pipe.scheduler.config.prediction_type, src.scheduler.config.prediction_type
    if want != have:
        print(f"note: {model_dir} predicts {have}, this run trains {want} targets "
              f"(--set model.prediction_type={have} to keep its objective)")


def train_idvae(cfg: TrainConfig, run: RunState, accelerator, logger: RunLogger, progress: bool) -> None:
    """Stage 1: the ID-VAE alone on the embeddings of the training identities."""
    st = cfg.idvae
    if st.max_steps <= 0:
        return
    idvae = run.pipe.idvae
    opt = torch.optim.AdamW(idvae.parameters(), lr=st.lr, weight_decay=st.weight_decay)
    model, opt = accelerator.prepare(idvae, opt)
    emb = run.train_set.embeddings
    bar = tqdm(range(st.max_steps), desc="stage 1 (ID-VAE)", disable=not progress, dynamic_ncols=True)
    model.train()
    for step in bar:
        g = step_generator(cfg.train.seed + 1, step, 0, accelerator.process_index, "cpu")
        if run.train_set.anchor_weights is None:
            idx = torch.randint(0, len(emb), (st.batch_size,), generator=g)
        else:  # the skin-tone balance of stage 2 (training/tone_balance.py) shapes the fake identities too
            idx = run.train_set.anchors(st.batch_size, g)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, st.lr, st.warmup_steps)
        gd = step_generator(cfg.train.seed + 1, step, 1, accelerator.process_index, accelerator.device)
        out = model(emb[idx].to(accelerator.device), gd)
        accelerator.backward(out["loss"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step % max(cfg.train.log_every, 1) == 0 or step == st.max_steps - 1:
            vals = {k: out[k].item() for k in ("loss", "loss_cos", "loss_kl")}
            logger.log(step, vals, stage="idvae")
            bar.set_postfix(loss=f"{vals['loss']:.4f}", refresh=False)
    accelerator.wait_for_everyone()
    run.pipe.idvae = accelerator.unwrap_model(model)


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True, accelerator=None) -> Path:
    """Run both stages (or resume), save checkpoints, grids and logs; returns OUTPUT/model."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    tc = cfg.train
    out = Path(cfg.output)
    ckpt_dir = out / "checkpoints"
    if accelerator is None:
        accelerator = Accelerator(
            mixed_precision=tc.mixed_precision, gradient_accumulation_steps=tc.grad_accum,
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
    main = accelerator.is_main_process
    progress = progress and main
    if main:
        out.mkdir(parents=True, exist_ok=True)
        if not resume and list_checkpoints(ckpt_dir):
            raise ValueError(f"{out} already has checkpoints: pass --resume to continue, or another --output")
        (out / "config.yaml").write_text(yaml.safe_dump(config_to_dict(cfg), sort_keys=False))
    torch.manual_seed(tc.seed)  # identical initial weights on every process
    run = build_run(cfg)
    for line in weigh_anchors(run.train_set, cfg.data):
        if main:
            print(line)
    logger = RunLogger(out / "logs", enabled=main)

    latest = list_checkpoints(ckpt_dir)[-1] if resume and list_checkpoints(ckpt_dir) else None
    if resume and latest is None and main:
        print(f"note: no checkpoint in {ckpt_dir}; starting from scratch")
    if latest is None and not tc.init_from:  # a fine-tuned model keeps its trained ID-VAE
        train_idvae(cfg, run, accelerator, logger, progress)
        run.module = TrainModule(run.pipe)

    module = run.module
    if tc.freeze_unet:
        module.unet.requires_grad_(False)
    if run.pipe.vae is not None:
        run.pipe.vae.requires_grad_(False).to(accelerator.device)
    params = [p for p in module.parameters() if p.requires_grad]
    cuda = accelerator.device.type == "cuda"
    if cuda:  # fixed shapes every step: let cuDNN pick its fastest kernels; TF32 where fp32 remains
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    opt = torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay, fused=cuda or None)
    ema = EMA(module, tc.ema_decay, tc.ema_warmup)
    step, total, warm_from = 0, 0, 0  # total: samples seen over all runs (the training ledger)
    if latest is not None:
        state = load_checkpoint(latest, module, ema, opt)
        step = int(state["step"])
        total = int(state.get("samples", 0))
        if not (latest / "optimizer.safetensors").is_file():
            warm_from = step  # a compact (burst) checkpoint without Adam state: warm up again
        if main:
            print(f"resumed from {latest} (step {step})")
    elif main:
        save_checkpoint(ckpt_dir, 0, module, ema, opt, {"stage": 2}, tc.keep_checkpoints)
    model, opt = accelerator.prepare(module, opt)
    ema.shadow = {k: v.to(accelerator.device) for k, v in ema.shadow.items()}
    cache = _latent_cache(cfg, run, accelerator.device, main)
    if tc.compile:
        compile_unet(run.pipe.unet, tc.compile_cache)

    val_batch = _val_batch(run.val_set, tc.num_val, tc.seed)

    def validate(at: int) -> None:
        path = out / "samples" / f"step-{at:07d}.png"
        _validate(run, accelerator.unwrap_model(model), ema, val_batch, tc, path, accelerator.device)

    size = run.train_set.size
    dtype = torch.float32
    bar = tqdm(
        total=tc.max_steps, initial=step, desc="stage 2 (denoiser)", disable=not progress, dynamic_ncols=True
    )
    t0, seen, losses = time.perf_counter(), 0, {}

    def values(losses: dict) -> dict[str, float]:
        return {k: v.detach().float().item() for k, v in losses.items()}

    started = time.perf_counter()
    model.train()
    while step < tc.max_steps:
        # the clock is read (and agreed on, a GPU sync) every 16 steps, not every step
        timed = tc.max_minutes > 0 or tc.stop_at > 0
        if timed and step % 16 == 0 and _out_of_time(accelerator, started, tc.max_minutes, tc.stop_at):
            if main:
                spent = time.perf_counter() - started
                print(f"stopping at step {step}: the time budget is spent ({spent:.0f} s)")
                save_checkpoint(ckpt_dir, step, accelerator.unwrap_model(model), ema, opt,
                                {"stage": 2, "loss": values(losses), "samples": total}, tc.keep_checkpoints)
            break
        for group in opt.param_groups:
            group["lr"] = lr_at(step - warm_from, tc.lr, tc.warmup_steps)
        for micro in range(tc.grad_accum):
            g = step_generator(tc.seed, step, micro, accelerator.process_index, "cpu")
            a, b = run.train_set.sample_pairs(tc.batch_size, g)
            if cache is not None:
                loss_batch = cache.batch(a, b, g, cfg.data.flip)
            else:
                batch = run.train_set.batch(a, b, g, cfg.data.flip, cfg.data.color_jitter).to(
                    accelerator.device, dtype
                )
                loss_batch = to_loss_batch(batch, size)
            gd = step_generator(tc.seed, step, micro + 10_000, accelerator.process_index, accelerator.device)
            with accelerator.accumulate(model):
                losses = model(loss_batch, cfg.loss, gd)
                accelerator.backward(losses["loss"])
                if accelerator.sync_gradients and tc.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(params, tc.max_grad_norm)
                opt.step()
                opt.zero_grad(set_to_none=True)
            seen += tc.batch_size * accelerator.num_processes
            total += tc.batch_size * accelerator.num_processes
        step += 1
        ema.update(accelerator.unwrap_model(model), step)
        bar.update(1)
        if main and (step % max(tc.log_every, 1) == 0 or step == tc.max_steps):
            # .item() waits for the GPU: only on logged steps, so the host can queue steps ahead
            last = values(losses)
            bar.set_postfix(loss=f"{last['loss']:.4f}", refresh=False)
            dt = time.perf_counter() - t0
            logger.log(step, {**last, "lr": opt.param_groups[0]["lr"], "pairs_per_s": seen / max(dt, 1e-9)})
            t0, seen = time.perf_counter(), 0
        if tc.checkpoint_every > 0 and (step % tc.checkpoint_every == 0 or step == tc.max_steps):
            accelerator.wait_for_everyone()
            if main:
                save_checkpoint(ckpt_dir, step, accelerator.unwrap_model(model), ema, opt,
                                {"stage": 2, "loss": values(losses), "samples": total}, tc.keep_checkpoints)
        if main and tc.validate_every > 0 and (step % tc.validate_every == 0 or step == tc.max_steps):
            validate(step)
    bar.close()
    if main and tc.compile:
        save_compile_cache(tc.compile_cache)
    if main and tc.validate_every > 0 and step % tc.validate_every != 0 and step < tc.max_steps:
        validate(step)  # stopped on time: still leave a grid of the final weights
    accelerator.wait_for_everyone()
    final = out / "model"
    if main:
        unwrapped = accelerator.unwrap_model(model)
        ema.swap_in(unwrapped)
        export_model(run.pipe, final, cfg, run.train_set, step)
        ema.swap_out(unwrapped)
    logger.close()
    accelerator.wait_for_everyone()
    return final


def _latent_cache(cfg: TrainConfig, run: RunState, device, main: bool):
    """The training set encoded once (data.latent_cache), on the training device; None otherwise."""
    if not cfg.data.latent_cache:
        return None
    if run.pipe.vae is None:
        raise ValueError("data.latent_cache needs a latent backbone (model.backbone: taef2 or latent)")
    t = time.perf_counter()
    run.pipe.vae.to(device)
    cache = LatentCache.build(run.pipe, run.train_set, device, grow=tuple(cfg.data.mask_grow),
                              grow_p=cfg.data.mask_grow_p)
    if main:
        print(f"latent cache: {len(cache)} faces x 2 views x {cache.mask_versions} mask version(s), "
              f"{cache.nbytes() / 2**20:.0f} MiB on {device}, "
              f"built in {time.perf_counter() - t:.1f} s")
    return cache


def _out_of_time(accelerator, started: float, minutes: float, stop_at: float = 0.0) -> bool:
    """Every process stops at the same step: the slowest clock decides."""
    late = (minutes > 0 and time.perf_counter() - started > 60.0 * minutes) or (0 < stop_at < time.time())
    over = torch.tensor([float(late)], device=accelerator.device)
    return bool(accelerator.reduce(over, reduction="max").item() > 0)


def _val_batch(ds: FaceDataset, n: int, seed: int) -> Batch:
    g = torch.Generator().manual_seed(seed + 12345)
    a, b = ds.sample_pairs(max(n, 1), g)
    return ds.batch(a, b)


def _validate(run: RunState, module: nn.Module, ema: EMA, batch: Batch, tc, path: Path, device) -> None:
    was_training = module.training
    module.eval()
    ema.swap_in(module)
    try:
        validation_grid(run.pipe, batch.to(device, torch.float32), tc.val_steps, tc.seed, path)
    finally:
        ema.swap_out(module)
        module.train(was_training)


def export_model(pipe, directory: Path, cfg: TrainConfig, data: FaceDataset, step: int) -> None:
    """save_pretrained with the scheduler the config asks for, plus a model card and the config."""
    pipe.scheduler = make_sampler(cfg.scheduler, pipe.scheduler.config)
    was = pipe.unet.training
    pipe.unet.eval()
    pipe.to(torch.float32)
    pipe.save_pretrained(directory)
    pipe.unet.train(was)
    (directory / "training_config.yaml").write_text(yaml.safe_dump(config_to_dict(cfg), sort_keys=False))
    card = {
        "steps": step, "identities": len(set(data.identity.tolist())), "faces": len(data),
        "data": [str(d) for d in cfg.data.dirs], "recognizer": cfg.model.recognizer,
        "crop_size": cfg.model.crop_size, "inference_steps": cfg.inference_steps,
    }
    (directory / "training.json").write_text(json.dumps(card, indent=1))
    if 2 * len(data) >= MIN_MESHES:  # the map for faces without a mesh (face/points_mesh.py)
        add_to_model(directory, fit_for_model(data.landmarks.numpy(), data.size, data.template))
    try:  # the identity directions of face shape (model/face_shape.py); used once training.json names a share
        face_shape.add_to_model(directory, face_shape.fit_for_model(
            data.landmarks.numpy(), data.identity.numpy(), data.size, data.template))
    except ValueError as err:
        print(f"note: no face-shape map exported ({err})")
    (directory / "README.md").write_text(
        "# ID2Face model\n\nTrained with `id2face train` for "
        f"{step} steps on {card['faces']} faces of {card['identities']} identities from "
        f"{', '.join(card['data'])}.\nA model inherits the terms of its training data: faces from "
        "CelebA/LFW are for research use only.\n\nLoad: `id2face anonymize --model THIS_DIR photo.jpg`.\n"
    )


def samples_per_second(log_path: Path) -> float:
    """Mean pairs/s of the logged stage-2 rows (each pair is two denoiser passes)."""
    rows = [json.loads(line) for line in open(log_path) if '"pairs_per_s"' in line]
    rows = rows[1:] if len(rows) > 1 else rows  # the first window includes start-up
    return float(sum(r["pairs_per_s"] for r in rows) / max(len(rows), 1)) if rows else math.nan
