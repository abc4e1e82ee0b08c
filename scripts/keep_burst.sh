#!/usr/bin/env bash
# Keep a burst's result in the repository: its float16 EMA and state.json replace those in $CKPT (the live
# weights stay out: the carried tree must fit 64 MiB, so the next burst restarts from the EMA), and its
# ledger line goes to the end of $CKPT/README.md (fill in the evaluation column after `id2face eval`).
# The kept shards replace an `ema_model` the folder named (state.json): they are newer than that model.
#   bash scripts/keep_burst.sh FILES_AT [CKPT]
set -euo pipefail
SRC=${1:?folder that gpu_train.sh filled (its OUT)}
CKPT=${2:-checkpoints/latent128}
mkdir -p "$CKPT"
rm -f "$CKPT"/ema-*.safetensors "$CKPT"/weights-*.safetensors "$CKPT"/optimizer-*.safetensors
cp "$SRC"/ckpt/ema-*.safetensors "$SRC/ckpt/state.json" "$CKPT/"
# torch.compile's artifacts, for the next burst (gpu_train.sh): kept where they stay under the repository's
# 5-MB file limit; a larger file is left out and the next burst compiles from scratch.
if [ -f "$SRC/compile_cache.bin" ]; then
  if [ "$(stat -c %s "$SRC/compile_cache.bin")" -le 5000000 ]; then
    cp "$SRC/compile_cache.bin" "$CKPT/compile_cache.bin"
  else
    echo "keep_burst: $SRC/compile_cache.bin is over 5 MB: not kept (the next burst compiles from scratch)"
  fi
fi
python3 - "$CKPT" <<'PY'
import json, sys
from pathlib import Path
ckpt = Path(sys.argv[1])
s = json.loads((ckpt / "state.json").read_text())
s["files"] = sorted(p.name for p in ckpt.glob("ema-*.safetensors"))
s.pop("ema_model", None)  # the burst's shards are newer than any saved model the folder named
(ckpt / "state.json").write_text(json.dumps(s, indent=1))
b = s.get("burst", {})
line = (f"| {b.get('date')} | {b.get('device')} | {b.get('minutes')} | {b.get('batch')} | {s['step']} | "
        f"{s.get('samples', '?')} | {s.get('loss', {}).get('loss_recomposition', float('nan')):.4f} | (pending) |")
card = ckpt / "README.md"
if card.is_file():
    card.write_text(card.read_text().rstrip("\n") + "\n" + line + "\n")
print(line)
PY
du -sh "$CKPT"
