#!/usr/bin/env bash
# Train the shipped `tiny` config on a lent GPU machine (torch present, no internet) from a packed dataset.
# Everything it returns lands in $OUT: model.tar (float16 weights), train.log, the last sample grid.
#
#   bash scripts/gpu_train.sh PACKED_DATASET MINUTES [BATCH]      (EXTRA="--set k=v ..." adds overrides)
# Bring the diffusers wheel in .whl/ (pip download --no-deps diffusers) when the machine lacks it.
# Continue the bundled model instead of starting afresh (its own config, epsilon targets):
#   CONFIG=src/id2face/assets/default_model/training_config.yaml INIT=src/id2face/assets/default_model \
#     bash scripts/gpu_train.sh PACKED_DATASET MINUTES
set -euo pipefail
PACKED=${1:?packed dataset folder (python -m id2face.training.pack pack ...)}
MINUTES=${2:-6}
BATCH=${3:-128}
OUT=${OUT:-out/gpu}
WORK=${WORK:-/tmp/id2face_gpu}
mkdir -p "$OUT" "$WORK"
if ! python3 -c "import diffusers" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$WORK/site" .whl/*.whl
  export PYTHONPATH="$WORK/site"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 - <<'PY' 2>&1 | tee "$OUT/env.txt"
import torch, diffusers, accelerate
print("torch", torch.__version__, "diffusers", diffusers.__version__, "accelerate", accelerate.__version__)
print("device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")
PY
rm -rf "$WORK/data" "$WORK/run"
python3 -m id2face.training.pack unpack "$PACKED" "$WORK/data"
MP=bf16; python3 -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" || MP=no
set +e
python3 -m id2face.cli.main train --config "${CONFIG:-tiny}" ${INIT:+--init "$INIT"} --data "$WORK/data" --output "$WORK/run" \
  --set train.max_minutes="$MINUTES" --set train.batch_size="$BATCH" --set train.mixed_precision="$MP" \
  --set train.lr=0.0003 --set train.warmup_steps=200 --set train.checkpoint_every=100000 \
  --set train.validate_every=1000 --set train.log_every=50 --set data.on_device=true ${EXTRA:-} -q 2>&1 \
  | tee "$OUT/train.log"
rc=${PIPESTATUS[0]}
set -e
cp "$WORK/run/logs/"*.jsonl "$OUT/" 2>/dev/null || true
last=$(ls "$WORK/run/samples/"*.png 2>/dev/null | tail -n 1 || true)
[ -n "$last" ] && cp "$last" "$OUT/last_grid.png"
if [ -f "$WORK/run/model/model_index.json" ]; then
  python3 -m id2face.training.pack half "$WORK/run/model"
  tar -C "$WORK/run" -cf "$OUT/model.tar" model
fi
ls -la "$OUT"
exit "$rc"
