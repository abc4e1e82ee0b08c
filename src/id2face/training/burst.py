"""Training in short bursts: a compact checkpoint kept in the repository, carried out and brought back.

A lent GPU takes at most 64 MiB in (the tree included) and gives back at most 8 files of 16 MiB, so
a full checkpoint (float32 weights, EMA and Adam moments: 16 bytes a parameter) cannot travel. The
compact form keeps the EMA in float16 (what the model ships), the live weights in float16 when
asked, the optimizer only when asked and it fits, each in shards under 16 MiB, plus state.json.
`restore` turns it back into a run folder that `id2face train --resume` continues: without live
weights the run restarts from the EMA (a common restart for bursty training), without optimizer
state Adam restarts (the config's short warm-up covers it).

    python -m id2face.training.burst export runs/latent128 checkpoints/latent128 [--weights] [--optimizer]
    python -m id2face.training.burst restore checkpoints/latent128 runs/latent128
    python -m id2face.training.burst restore src/id2face/assets/default_model runs/latent128
    python -m id2face.training.burst model checkpoints/latent128 runs/latent128_model --config latent128
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file, save_file

from id2face.face.points_mesh import FILE as POINTS_MESH_FILE
from id2face.face.points_mesh import load_points_mesh
from id2face.identity import load_recognizer
from id2face.model.build import build_pipeline
from id2face.model.face_shape import FILE as FACE_SHAPE_FILE
from id2face.model.face_shape import load_face_shape
from id2face.model.identity_attributes import FILE as ATTRIBUTES_FILE
from id2face.model.identity_attributes import load_identity_attributes
from id2face.model.samplers import make_sampler
from id2face.model.skin_tone import FILE as SKIN_TONE_FILE
from id2face.model.skin_tone import load_skin_tone
from id2face.training.checkpoint import PREFIX, list_checkpoints
from id2face.training.config import config_to_dict, load_train_config
from id2face.training.points_mesh import add_map_to_model
from id2face.training.trainer import TrainModule

SHARD_BYTES = 15 * 2**20  # under the 16 MiB a file may have on the way back


def _write_shards(
    tensors: dict[str, torch.Tensor], dst: Path, stem: str, dtype: torch.dtype | None
) -> list[str]:
    """`stem`-NN.safetensors files of at most SHARD_BYTES each (one tensor never spans two)."""
    files, shard, size = [], {}, 0

    def flush():
        nonlocal shard, size
        if shard:
            name = f"{stem}-{len(files):02d}.safetensors"
            save_file(shard, str(dst / name))
            files.append(name)
        shard, size = {}, 0

    for k in sorted(tensors):
        t = tensors[k]
        t = (t.to(dtype) if dtype is not None and t.is_floating_point() else t).contiguous()
        nbytes = t.numel() * t.element_size()
        if size and size + nbytes > SHARD_BYTES:
            flush()
        shard[k] = t
        size += nbytes
    flush()
    return files


def _read_shards(src: Path, stem: str) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for f in sorted(src.glob(f"{stem}-*.safetensors")):
        out.update(load_file(str(f)))
    return out


def model_weights(model_dir: str | Path) -> dict[str, torch.Tensor]:
    """A saved model's trainable weights in float32, keyed as `TrainModule(pipe).state_dict()`: what a
    compact checkpoint's EMA shards hold (a model is built from the EMA, see `to_model`)."""
    from id2face.model.pipeline import ID2FacePipeline

    pipe = ID2FacePipeline.from_pretrained(model_dir)  # checks SHA256SUMS
    return {k: v.detach().float().contiguous() for k, v in TrainModule(pipe).state_dict().items()}


def _model_state(model_dir: Path) -> dict:
    """state.json of a checkpoint that a saved model stands for: its recorded steps and pairs seen."""
    card_file = model_dir / "training.json"
    card = json.loads(card_file.read_text()) if card_file.is_file() else {}
    if "steps" not in card:
        raise ValueError(f"{model_dir} records no training steps (training.json 'steps'): cannot resume it")
    state = {"step": int(card["steps"]), "stage": 2, "ema_model": str(model_dir)}
    if card.get("pairs_seen") is not None:
        state["samples"] = int(card["pairs_seen"])
    return state


def _read_ema(src: Path, state: dict) -> dict[str, torch.Tensor]:
    """The EMA weights in float32: the compact checkpoint's shards, or those of the model it names."""
    if "ema_model" not in state:
        return {k: v.float() for k, v in _read_shards(src, "ema").items()}
    model = Path(state["ema_model"])  # relative to the repository root, where the scripts run
    if not (model / "model_index.json").is_file():
        raise FileNotFoundError(f"{src}/state.json names ema_model {model}, which is no saved model "
                                f"(from {Path.cwd()}; run from the repository root)")
    steps = _model_state(model)["step"]
    if steps != int(state["step"]):
        raise ValueError(f"{src}/state.json is at step {state['step']} but its ema_model {model} at step "
                         f"{steps} (training.json): they are not the same weights. Keep the checkpoint's own "
                         "EMA shards (scripts/keep_burst.sh) or point ema_model at the model built from them")
    return model_weights(model)


def export_compact(
    run_dir: str | Path,
    dst: str | Path,
    weights: bool = False,
    optimizer: bool = False,
    extra: dict | None = None,
) -> Path:
    """The newest checkpoint of `run_dir` in compact form at `dst` (replacing what was there)."""
    ckpts = list_checkpoints(Path(run_dir) / "checkpoints")
    if not ckpts:
        raise FileNotFoundError(f"no checkpoint in {run_dir}/checkpoints")
    src, dst = ckpts[-1], Path(dst)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    state = json.loads((src / "state.json").read_text())
    state.pop("ema_model", None)  # the shards written here are the EMA
    files = _write_shards(load_file(str(src / "ema.safetensors")), tmp, "ema", torch.float16)
    if weights:
        files += _write_shards(load_file(str(src / "model.safetensors")), tmp, "weights", torch.float16)
    if optimizer and (src / "optimizer.safetensors").is_file():
        files += _write_shards(
            load_file(str(src / "optimizer.safetensors")), tmp, "optimizer", torch.bfloat16
        )
    else:
        state.pop("optimizer", None)
    state.update(extra or {})
    state["files"] = files
    (tmp / "state.json").write_text(json.dumps(state, indent=1))
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)
    return dst


def restore(src: str | Path, run_dir: str | Path) -> Path | None:
    """A run folder whose newest checkpoint is the compact one at `src`, or the saved model at `src` (its
    weights as EMA and live weights, its training.json's steps and pairs seen); None when neither is there."""
    src = Path(src)
    if (src / "model_index.json").is_file():
        state = _model_state(src)
    elif (src / "state.json").is_file():
        state = json.loads((src / "state.json").read_text())
    else:
        return None
    ema = _read_ema(src, state)
    weights = {k: v.float() for k, v in _read_shards(src, "weights").items()} or ema
    final = Path(run_dir) / "checkpoints" / f"{PREFIX}{int(state['step']):07d}"
    shutil.rmtree(final, ignore_errors=True)
    final.mkdir(parents=True)
    save_file(weights, str(final / "model.safetensors"))
    save_file(ema, str(final / "ema.safetensors"))
    opt = _read_shards(src, "optimizer")
    if opt and "optimizer" in state:
        save_file(
            {k: v.float() if v.is_floating_point() else v for k, v in opt.items()},
            str(final / "optimizer.safetensors"),
        )
    state.pop("files", None)
    state.pop("ema_model", None)  # the run folder holds the weights itself
    (final / "state.json").write_text(json.dumps(state, indent=1))
    return final


# The sampling choices a model card records (chosen by evaluation, not by training): a burst's model takes
# them from the model it is meant to replace, so that evaluating it compares weights, not settings.
SAMPLING_KEYS = ("samplers", "guidance_scale", "guidance_start", "identity_candidates", "face_shape",
                 "face_shape_spread", "mask_dilate", "attributes", "attributes_min_px", "skin_tone")


def to_model(src: str | Path, dst: str | Path, config: str, sampling_from: str | Path | None = None) -> Path:
    """A saved model (EMA weights: what `anonymize --model` and `eval` load) from a compact checkpoint;
    `sampling_from`: a saved model whose recorded sampling choices (SAMPLING_KEYS), points-to-mesh map,
    face-shape, identity-attributes and skin-tone maps it keeps."""
    cfg = load_train_config(config)
    recognizer = None
    try:
        recognizer = load_recognizer(cfg.model.recognizer)
    except (ValueError, ImportError):
        pass  # ONNX (the user's file) or no dlib here: name and size are recorded
    pipe = build_pipeline(cfg.model, recognizer)
    state = json.loads((Path(src) / "state.json").read_text())
    TrainModule(pipe).load_state_dict(_read_ema(Path(src), state))
    pipe.scheduler = make_sampler(cfg.scheduler, pipe.scheduler.config)
    pipe.unet.eval()
    pipe.save_pretrained(dst)
    (Path(dst) / "training_config.yaml").write_text(yaml.safe_dump(config_to_dict(cfg), sort_keys=False))
    card = {"steps": state["step"], "pairs_seen": state.get("samples"), "crop_size": cfg.model.crop_size,
            "recognizer": cfg.model.recognizer, "inference_steps": cfg.inference_steps}
    if sampling_from is not None:
        chosen = json.loads((Path(sampling_from) / "training.json").read_text())
        card.update({k: chosen[k] for k in SAMPLING_KEYS if k in chosen})
        # maps fitted on the training faces and the recognizer, not on the weights: kept as they are
        rec = cfg.model.recognizer
        maps = ((POINTS_MESH_FILE, load_points_mesh(sampling_from)),
                (FACE_SHAPE_FILE, load_face_shape(sampling_from)),
                (ATTRIBUTES_FILE, load_identity_attributes(sampling_from, rec)),
                (SKIN_TONE_FILE, load_skin_tone(sampling_from, rec)))
        for file, fitted in maps:
            if fitted is not None:
                add_map_to_model(dst, fitted, file)
    (Path(dst) / "training.json").write_text(json.dumps(card, indent=1))  # its sampling steps, for the loader
    return Path(dst)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m id2face.training.burst",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("action", choices=["export", "restore", "model"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--weights", action="store_true", help="keep the live weights too (float16)")
    ap.add_argument("--optimizer", action="store_true", help="keep Adam's moments too (bfloat16)")
    ap.add_argument("--config", default="latent128", help="model: the training config of the checkpoint")
    ap.add_argument(
        "--sampling-from", metavar="MODEL", help="model: keep this saved model's sampling choices (guidance, "
        "identity candidates, samplers), e.g. src/id2face/assets/default_model",
    )
    ap.add_argument(
        "--extra", default="{}", help="JSON merged into state.json (e.g. the burst's ledger line)"
    )
    a = ap.parse_args(argv)
    if a.action == "export":
        out = export_compact(a.src, a.dst, a.weights, a.optimizer, json.loads(a.extra))
        print(
            f"{out}: {sum(f.stat().st_size for f in out.iterdir()) / 2**20:.1f} MiB"
            f" in {len(list(out.iterdir()))} files"
        )
    elif a.action == "model":
        print(to_model(a.src, a.dst, a.config, a.sampling_from))
    else:
        print(restore(a.src, a.dst) or f"no compact checkpoint or saved model in {a.src}: starting afresh")


if __name__ == "__main__":
    main()
