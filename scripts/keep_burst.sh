#!/usr/bin/env bash
# Keep a burst's result in the repository: its float16 EMA and state.json replace $CKPT (the live weights
# stay out: the carried tree must fit 64 MiB, so the next burst restarts from the EMA), and its ledger line
# is printed for the model card.   bash scripts/keep_burst.sh FILES_AT [CKPT]
set -euo pipefail
SRC=${1:?folder that gpu_train.sh filled (its OUT)}
CKPT=${2:-checkpoints/latent128}
rm -rf "$CKPT.new" && mkdir -p "$CKPT.new"
cp "$SRC"/ckpt/ema-*.safetensors "$SRC/ckpt/state.json" "$CKPT.new/"
rm -rf "$CKPT" && mv "$CKPT.new" "$CKPT"
python3 - "$CKPT/state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
b = s.get("burst", {})
print(f"| {b.get('date')} | {b.get('device')} | {b.get('minutes')} | step {s['step']} | {s.get('samples', '?')} pairs | |")
PY
du -sh "$CKPT"
