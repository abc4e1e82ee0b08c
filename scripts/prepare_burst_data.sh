#!/usr/bin/env bash
# Everything a GPU burst and its evaluation need that is not in the repository, made here on the CPU, once.
#
#   bash scripts/prepare_burst_data.sh [SHARED]        SHARED: the face data (default ../shared/data)
#
# A checkout starts without the ignored folders (data/, .gpu/, .whl/), so a session that is lent a GPU runs
# this first (2-core CPU, 2026-11-28: celeba-wild 6 min 50 s, lfw ~12 min, packing ~1 min). Each step is skipped when its
# output is there, so it also resumes. Makes:
#   data/celeba128, data/lfw128            prepared faces (id2face prepare --split 0.05; the held-out split)
#   data/packed_celeba128, _lfw128         WebP packs (~3 KB a face)
#   .gpu/celeba128/part-00 (15.8 MiB)      the burst's data: celeba whole, lfw in 6-MiB parts to rotate
#   .gpu/lfw128c/part-00..02               (8-MiB parts made the carry 64.0 MiB and the tool refused it)
#   .whl/diffusers-*.whl                   the GPU image has no diffusers
#   data/heldout/celeba-wild/{all,tune,test}  the held-out photos for id2face eval (scripts/heldout_photos.py)
#   data/heldout/lfw/{all,tune,test}          the same of lfw (372 / 100 / 272 grey photos, one face each)
# then prints the burst command (docs/training.md, "The latent model and training in bursts").
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared/data}
PY=${PYTHON:-python}
for d in celeba-wild lfw; do
  [ -d "$SHARED/$d" ] || { echo "no $SHARED/$d: pass the face data folder as the first argument" >&2; exit 2; }
done
prepare() {  # source, name
  if [ -f "data/$2/manifest.json" ]; then echo "data/$2: there"; return; fi
  id2face prepare "$SHARED/$1" -o "data/$2" --size 128 --split 0.05
}
pack() {  # name, parts folder, part size (MiB)
  if [ ! -f "data/packed_$1/manifest.json" ]; then
    rm -rf "data/packed_$1"
    $PY -m id2face.training.pack pack "data/$1" "data/packed_$1" --format webp --quality 70 --mask-quality 60 \
      --landmarks-xz
  fi
  if [ -d "$2/part-00" ]; then echo "$2: there"; return; fi
  $PY -m id2face.training.pack parts "data/packed_$1" "$2" --max-mib "$3"
}
prepare celeba-wild celeba128
prepare lfw lfw128
pack celeba128 .gpu/celeba128 16
pack lfw128 .gpu/lfw128c 6
ls .whl/diffusers-*.whl >/dev/null 2>&1 || $PY -m pip download -q --no-deps diffusers==0.42.1 -d .whl
$PY scripts/heldout_photos.py data/celeba128 data/heldout/celeba-wild
$PY scripts/heldout_photos.py data/lfw128 data/heldout/lfw --tune 100 --test-from 100
du -sh .gpu/* .whl
cat <<'EOF'
Next, on the lent machine (carry [".gpu/celeba128/part-00", ".gpu/lfw128c/part-NN", ".gpu/lfw128c/part-MM",
".whl"], NN and MM the parts not used last; checkpoints/latent128/README.md says which parts each burst carried):
  bash scripts/burst_tree.sh light      # here: what a burst never reads stays behind for the run call
  bash scripts/burst_tree.sh size .gpu/celeba128/part-00 .gpu/lfw128c/part-NN .gpu/lfw128c/part-MM .whl
  nohup nice bash scripts/after_burst.sh --bundled > out/bundled_evals.log 2>&1 &   # here, while the GPU trains
  BUDGET=570 bash scripts/gpu_train.sh .gpu/celeba128/part-00,.gpu/lfw128c/part-NN,.gpu/lfw128c/part-MM 9 2048
  bash scripts/burst_tree.sh restore    # here, right after the run call
EOF
