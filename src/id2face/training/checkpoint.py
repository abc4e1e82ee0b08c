"""Checkpoints in safetensors only: weights, EMA, optimizer state, and a JSON of step and scaler.

Randomness needs no saved state: every batch, noise draw and augmentation comes from a generator
seeded by (seed, step, micro-batch, process), so restoring the step restores the stream exactly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

PREFIX = "step-"


def _optimizer_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = opt.state_dict()
    tensors = {}
    for idx, st in sd["state"].items():
        for k, v in st.items():
            t = v if torch.is_tensor(v) else torch.tensor(v)
            tensors[f"{idx}.{k}"] = t.detach().cpu().contiguous()
    return tensors, {"param_groups": sd["param_groups"]}


def save_checkpoint(directory: Path, step: int, model: torch.nn.Module, ema, optimizer, extra: dict,
                    keep: int = 2) -> Path:
    """Write OUTPUT/checkpoints/step-NNNNNNN atomically (a temp folder renamed), keep the newest `keep`."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{PREFIX}{step:07d}"
    tmp = directory / f".tmp-{PREFIX}{step:07d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    save_file(
        {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        str(tmp / "model.safetensors"),
    )
    if ema is not None:
        save_file(ema.state_dict(), str(tmp / "ema.safetensors"))
    if optimizer is not None:
        tensors, meta = _optimizer_tensors(optimizer)
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        extra = {**extra, "optimizer": meta}
    (tmp / "state.json").write_text(json.dumps({"step": step, **extra}, indent=1))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in list_checkpoints(directory)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
                  and (p / "state.json").is_file())


def load_checkpoint(path: Path, model: torch.nn.Module, ema, optimizer) -> dict:
    """Restore weights, EMA and optimizer state in place; returns state.json."""
    state = json.loads((path / "state.json").read_text())
    weights = load_file(str(path / "model.safetensors"))
    model.load_state_dict(weights)
    if ema is not None and (path / "ema.safetensors").is_file():
        ema.load_state_dict(load_file(str(path / "ema.safetensors")))
    if optimizer is not None and (path / "optimizer.safetensors").is_file():
        flat = load_file(str(path / "optimizer.safetensors"))
        per: dict[int, dict] = {}
        for key, v in flat.items():
            idx, name = key.split(".", 1)
            per.setdefault(int(idx), {})[name] = v
        optimizer.load_state_dict({"state": per, "param_groups": state["optimizer"]["param_groups"]})
    return state
