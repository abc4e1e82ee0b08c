#!/usr/bin/env bash
# The GPU speed benchmark, prepared to run on a bare machine (PyTorch present, no internet).
# Bring the diffusers wheel in .whl/ (pip download --no-deps diffusers -d .whl). Figures land in
# $OUT/gpu_bench.jsonl (one JSON line per measurement, with card, date, dtype, steps, batch).
#
#   bash scripts/gpu_bench.sh                 # every stage (about 8 minutes on an H100/H200)
#   STAGES="bundled sd15" bash scripts/gpu_bench.sh
# Stages: bundled (eager, channels_last on/off, 8-step DDPM), compile (inductor; CUDA graphs for
# batch 1), sd15 (SD-1.5 shapes at 512 px, random weights, eager and compiled), cli (`id2face bench`
# end to end, only where OpenCV, MediaPipe and dlib are installed).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/gpu_bench}
WORK=${WORK:-/tmp/id2face_gpu_bench}
STAGES=${STAGES:-bundled compile sd15 cli}
STAGE_S=${STAGE_S:-300}
mkdir -p "$OUT" "$WORK"
if ! python3 -c "import diffusers" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$WORK/site" .whl/*.whl
  export PYTHONPATH="$WORK/site"
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
LOG="$OUT/gpu_bench.jsonl"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/card.txt"

bench() {  # one gpu_bench.py run, bounded in time, its JSON lines appended to the log
  echo "# gpu_bench.py $*" >&2
  timeout "$STAGE_S" python3 scripts/gpu_bench.py "$@" | tee -a "$LOG"
}
has() { [[ " $STAGES " == *" $1 "* ]]; }

if has bundled; then
  bench --model bundled --batches 1,32,256,1024,2048
  bench --model bundled --batches 1,1024 --channels-last off
  bench --model bundled --batches 1,1024 --steps 8 --sampler ddpm
fi
if has compile; then
  bench --model bundled --batches 1024,2048 --compile
  bench --model bundled --batches 1 --compile --compile-mode reduce-overhead
  bench --model bundled --batches 1024 --steps 8 --sampler ddpm --compile
fi
if has sd15; then
  bench --model sd15 --batches 1,8,32,64
  bench --model sd15 --batches 1,32 --compile
fi
if has cli && python3 -c "import cv2, mediapipe, dlib" 2>/dev/null; then
  python3 -m id2face.cli.main bench --device cuda --batch-photos 64 --photos 256 --faces 4 --json "$OUT/cli_bench.json"
fi
echo "done: $LOG" >&2
