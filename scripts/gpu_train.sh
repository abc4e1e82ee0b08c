#!/usr/bin/env bash
# One training burst on a lent GPU (torch present, no internet), continuing the checkpoint kept in the repository.
#
#   bash scripts/gpu_train.sh PACKS MINUTES [BATCH]     PACKS: packed folders (parts), comma-separated
#
# Carry .gpu (the packed parts) and .whl (pip download --no-deps diffusers==0.42.1 -d .whl). It restores
# $CKPT (default checkpoints/latent128: float16 EMA, or the saved model its state.json names, see
# id2face.training.burst; CKPT may also be a saved model folder; a folder with neither state.json nor
# model_index.json starts afresh and is filled by keep_burst.sh), trains $CONFIG (default
# latent128) for MINUTES from the latent cache (bf16 on a GPU), and leaves in $OUT at most 8 files:
#   ckpt/ema-NN.safetensors, ckpt/state.json (step, samples, this burst's ledger line), log.jsonl, train.log,
#   last_grid.png, compile_cache.bin (torch.compile's artifacts, training/compile_cache.py: the next burst
#   loads $CKPT/compile_cache.bin, where keep_burst.sh puts it, and skips most of the compile; the third
#   burst's compile took 134 s of its 392 s of training). The live weights stay on the machine: the next
#   burst restarts from the EMA, and the 8-file limit has no room for them beside the cache.
# Keep the result:  bash scripts/keep_burst.sh $FILES_AT   (copies ckpt/ema + state.json into $CKPT)
# BUDGET=S: the whole script must end within S seconds (a lent machine's per-command limit): training
# stops at T0 + S - RESERVE (default 75 s, for the final grid and the exports: 50 s in the third burst)
# whatever MINUTES says.
# EXTRA="--set k=v ..." adds overrides; CONFIG=src/id2face/assets/default_model/training_config.yaml INIT=...
# trains the old pixel model instead (its data path: pack without --landmarks-u8, CKPT=none).
set -euo pipefail
T0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - T0 )) s] $*" | tee -a "$OUT/train.log"; }
PACKS=${1:?comma-separated packed dataset folders (python -m id2face.training.pack pack/parts ...)}
MINUTES=${2:-8}
BATCH=${3:-256}
CONFIG=${CONFIG:-latent128}
CKPT=${CKPT:-checkpoints/latent128}
OUT=${OUT:-out/gpu}
WORK=${WORK:-/tmp/id2face_gpu}
mkdir -p "$OUT" "$WORK"
if ! python3 -c "import diffusers" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$WORK/site" .whl/*.whl
  export PYTHONPATH="$WORK/site"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
# The version check, each pack's unpacking and the checkpoint's restore are independent: run them side by
# side (the third burst spent 32 s on them one after another, 8 % of its training time).
rm -rf "$WORK/data" "$WORK/run"
mkdir -p "$WORK/logs"
python3 - > "$WORK/logs/env.txt" 2>&1 <<'PY' &
import torch, diffusers, accelerate
print("torch", torch.__version__, "diffusers", diffusers.__version__, "accelerate", accelerate.__version__)
print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")
PY
JOBS=("$!:version check")
DATA=""
i=0
for p in ${PACKS//,/ }; do
  python3 -m id2face.training.pack unpack "$p" "$WORK/data/$i" > "$WORK/logs/unpack-$i.txt" 2>&1 &
  JOBS+=("$!:unpacking $p")
  DATA="${DATA:+$DATA,}$WORK/data/$i"; i=$((i + 1))
done
if [ "$CKPT" != none ] && { [ -f "$CKPT/state.json" ] || [ -f "$CKPT/model_index.json" ]; }; then
  python3 -m id2face.training.burst restore "$CKPT" "$WORK/run" > "$WORK/logs/restore.txt" 2>&1 &
  JOBS+=("$!:restoring $CKPT")
fi
failed=""
for job in "${JOBS[@]}"; do wait "${job%%:*}" || failed="$failed; ${job#*:}"; done
cat "$WORK/logs/env.txt" > "$OUT/train.log"
cat "$WORK/logs/restore.txt" >> "$OUT/train.log" 2>/dev/null || true
if [ -n "$failed" ]; then
  cat "$WORK"/logs/*.txt >&2
  stamp "failed: ${failed#; }"
  exit 1
fi
DEVICE=$(tail -n 1 "$WORK/logs/env.txt")
if [ "$CKPT" != none ] && [ ! -f "$WORK/logs/restore.txt" ]; then
  echo "no checkpoint in $CKPT: this burst starts afresh (ID-VAE stage first)" | tee -a "$OUT/train.log"
fi
# bf16 and a compiled UNet on a GPU (COMPILE=0 to skip); plain float32 on a CPU dry run
MP=bf16; [ "$DEVICE" = cpu ] && MP=no
if [ "$MP" = bf16 ] && [ "${COMPILE:-1}" = 1 ]; then
  EXTRA="--set train.compile=true --set train.compile_cache=$WORK/compile_cache.bin ${EXTRA:-}"
  rm -f "$WORK/compile_cache.bin"
  [ -f "$CKPT/compile_cache.bin" ] && cp "$CKPT/compile_cache.bin" "$WORK/compile_cache.bin"
fi
[ "${BUDGET:-0}" -gt 0 ] && EXTRA="--set train.stop_at=$((T0 + BUDGET - ${RESERVE:-75})) ${EXTRA:-}"
stamp "environment checked, data unpacked, checkpoint restored"
START=$(date -u +%Y-%m-%dT%H:%MZ)
set +e
python3 -m id2face.cli.main train --config "$CONFIG" ${INIT:+--init "$INIT"} --data "$DATA" --output "$WORK/run" --resume \
  --set train.max_minutes="$MINUTES" --set train.batch_size="$BATCH" --set train.mixed_precision="$MP" \
  --set train.checkpoint_every=100000000 --set train.validate_every=100000000 --set train.log_every=50 \
  ${EXTRA:-} -q 2>&1 | tee -a "$OUT/train.log"
rc=${PIPESTATUS[0]}
set -e
stamp "training done (rc $rc)"
cp "$WORK/run/logs/log.jsonl" "$OUT/log.jsonl" 2>/dev/null || true
python3 -c "from id2face.training.trainer import samples_per_second as s; print(f'mean pairs/s: {s(\"$OUT/log.jsonl\"):.0f}' \
  ' (latent128: 4.39 GFLOP a pair, fwd+bwd; share of bf16 peak = pairs/s x 4.39e9 / peak)')" 2>/dev/null | tee -a "$OUT/train.log" || true
last=$(ls "$WORK/run/samples/"*.png 2>/dev/null | tail -n 1 || true)
[ -n "$last" ] && cp "$last" "$OUT/last_grid.png"
[ -f "$WORK/compile_cache.bin" ] && cp "$WORK/compile_cache.bin" "$OUT/compile_cache.bin"
if [ "$CKPT" != none ]; then
  LEDGER=$(printf '{"burst": {"date": "%s", "device": "%s", "minutes": %s, "batch": %s, "packs": "%s"}}' \
    "$START" "$DEVICE" "$MINUTES" "$BATCH" "$PACKS")
  python3 -m id2face.training.burst export "$WORK/run" "$OUT/ckpt" --extra "$LEDGER" | tee -a "$OUT/train.log"
elif [ -f "$WORK/run/model/model_index.json" ]; then
  python3 -m id2face.training.pack half "$WORK/run/model"
  tar -C "$WORK/run" -cf "$OUT/model.tar" model
fi
stamp "exported"
ls -la "$OUT" "$OUT/ckpt" 2>/dev/null || true
exit "$rc"
