#!/usr/bin/env bash
# Back on the dev machine after a GPU burst: keep its checkpoint, export its model, evaluate it and the bundled
# model on the same held-out test photos, seeds and settings, and compare the two face by face. It decides
# nothing: the burst's model replaces the bundled one only where the comparison shows it better (issue 11).
#   bash scripts/after_burst.sh FILES_AT     # the folder the burst's $OUT came back to (ckpt/, log, grid)
#   bash scripts/after_burst.sh --bundled    # only the bundled model's evals: start it in the background
#                                            # before the burst's run call, and the wait for the GPU does half
#                                            # of this script's CPU work (its evals are then reused)
# Environment (defaults): CKPT (checkpoints/latent128), MODEL (runs/latent128_model), OUT (out), SEEDS (2),
#   LFW (1: also the lfw test photos; 0: celeba-wild only), MAX_IMAGES (all; a dry run: 8), PY (.venv/bin/python).
# Writes OUT/{celeba-wild,lfw}_{bundled,burst}/ (eval folders; a rerun reuses their caches) and
# OUT/{celeba-wild,lfw}_burst_vs_bundled.md and both sets pooled (OUT/pooled_burst_vs_bundled.md), and prints
# each comparison. Two evals per photo set, about 11
# minutes each on the 2-core CPU (193 celeba-wild test photos, 2 seeds); a rerun reuses the bundled model's.
set -euo pipefail
SRC=${1:?usage: bash scripts/after_burst.sh FILES_AT|--bundled}
RUNS=(bundled burst)
[ "$SRC" = --bundled ] && RUNS=(bundled)
CKPT=${CKPT:-checkpoints/latent128}
MODEL=${MODEL:-runs/latent128_model}
OUT=${OUT:-out}
SEEDS=${SEEDS:-2}
LFW=${LFW:-1}
PY=${PY:-.venv/bin/python}
step() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("step"))' "$1" 2>/dev/null || true; }
if [ "$SRC" != --bundled ]; then  # keep the burst once, and export its model
  [ -d "$SRC/ckpt" ] || { echo "after_burst: $SRC has no ckpt/ (not a gpu_train.sh output)" >&2; exit 2; }
  if [ -f "$CKPT/state.json" ] && [ "$(step "$CKPT/state.json")" = "$(step "$SRC/ckpt/state.json")" ]; then
    echo "after_burst: $CKPT already holds step $(step "$CKPT/state.json"): not kept again (no second ledger line)"
  else
    bash scripts/keep_burst.sh "$SRC" "$CKPT"
  fi
  "$PY" -m id2face.training.burst model "$CKPT" "$MODEL" --config latent128 \
    --sampling-from src/id2face/assets/default_model
fi

# The training-identity check's centroids take minutes to compute and are the same for every run (the file is
# keyed by the training folders): computed once, copied into each eval folder that lacks them.
share_centroids() {
  local mine=$1/cache/training_centroids.npz shared=$OUT/.training_centroids.npz found
  mkdir -p "$1/cache" "$OUT"
  if [ ! -f "$shared" ] && [ ! -f "$mine" ]; then  # an earlier eval's (one of other folders is recomputed)
    found=$(ls out/*/cache/training_centroids.npz 2>/dev/null | head -n 1 || true)
    if [ -n "$found" ]; then cp "$found" "$shared"; fi
  fi
  if [ -f "$mine" ] && [ ! -f "$shared" ]; then cp "$mine" "$shared"; fi
  if [ ! -f "$mine" ] && [ -f "$shared" ]; then cp "$shared" "$mine"; fi
}

SETS=(celeba-wild)
[ "$LFW" = 1 ] && [ -d data/heldout/lfw/test ] && SETS+=(lfw)
for set in "${SETS[@]}"; do
  data=data/heldout/$set/test
  [ -d "$data" ] || { echo "after_burst: $data is missing: bash scripts/prepare_burst_data.sh" >&2; exit 2; }
  common=(--data "$data" --seeds "$SEEDS" --methods id2face,pixelate --training-data data/celeba128,data/lfw128)
  [ -n "${MAX_IMAGES:-}" ] && common+=(--max-images "$MAX_IMAGES")
  for run in "${RUNS[@]}"; do
    dir=$OUT/${set}_$run
    share_centroids "$dir"
    if [ "$run" = bundled ]; then
      "$PY" -m id2face eval "${common[@]}" -o "$dir"
    else
      "$PY" -m id2face eval "${common[@]}" --model "$MODEL" -o "$dir"
    fi
    share_centroids "$dir"
  done
  [ "$SRC" = --bundled ] && continue
  echo "== $set: the bundled model (A) against the burst's (B) =="
  "$PY" -m id2face compare "$OUT/${set}_bundled" "$OUT/${set}_burst" -o "$OUT/${set}_burst_vs_bundled.md"
done
[ "$SRC" = --bundled ] && { echo "after_burst: the bundled model's evals are in $OUT/*_bundled"; exit 0; }
if [ "${#SETS[@]}" -gt 1 ]; then  # one set alone is often too few faces to show a difference: all of them
  pairs=("$OUT/${SETS[0]}_bundled" "$OUT/${SETS[0]}_burst")
  for set in "${SETS[@]:1}"; do pairs+=(--and "$OUT/${set}_bundled" "$OUT/${set}_burst"); done
  echo "== ${SETS[*]} pooled: the bundled model (A) against the burst's (B) =="
  "$PY" -m id2face compare "${pairs[@]}" -o "$OUT/pooled_burst_vs_bundled.md"
fi
echo "after_burst: fill the ledger's evaluation column in $CKPT/README.md from $OUT/*_burst/report.md"
