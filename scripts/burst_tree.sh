#!/usr/bin/env bash
# What travels to a lent GPU is the git working tree (tracked files + untracked, not ignored ones) plus
# `carry`, 64 MiB in all. While checkpoints/latent128 holds its own EMA shards (a burst kept, not yet the
# bundled model), the tree carries the same network twice: the shards and the bundled model's weights
# (18.2 MiB each), which leaves no room for the training data. A burst needs only the shards (TAEF2 and
# the sampling maps of the bundled model stay), so for the one `run` call the bundled weights can stay here:
#
#   bash scripts/burst_tree.sh light     # untrack the bundled model's four weight folders, for the run only
#   (the run call, as in docs/training.md)
#   bash scripts/burst_tree.sh restore   # track them again: `git status` is clean as before
#
# Nothing is deleted: `light` only takes the folders out of the index and lists them in .git/info/exclude
# (both undone by `restore`; a fresh checkout never sees either). Refuses `light` when the checkpoint
# holds no shards (it names the bundled model: the burst needs those weights) or the tree has changes.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=src/id2face/assets/default_model
PARTS=("$MODEL/unet" "$MODEL/recomposer" "$MODEL/harmonizer" "$MODEL/idvae")
EXCLUDE=.git/info/exclude
MARK="# burst_tree.sh light"
case "${1:-}" in
  light)
    ls checkpoints/latent128/ema-*.safetensors >/dev/null 2>&1 || {
      echo "burst_tree: checkpoints/latent128 holds no EMA shards: the burst restores from $MODEL, keep it" >&2
      exit 2; }
    [ -z "$(git status --porcelain --untracked-files=no)" ] || {
      echo "burst_tree: commit or stash the tree's changes first (restore must give back exactly this tree)" >&2
      exit 2; }
    git rm -r -q --cached "${PARTS[@]}"
    mkdir -p "$(dirname "$EXCLUDE")"
    { echo "$MARK"; for p in "${PARTS[@]}"; do echo "/$p/"; done; } >> "$EXCLUDE"
    echo "burst_tree: the bundled weights stay here for the run ($(du -sch "${PARTS[@]}" | tail -n 1 | cut -f1));" \
      "bash scripts/burst_tree.sh restore after it"
    ;;
  restore)
    git reset -q -- "${PARTS[@]}"
    if [ -f "$EXCLUDE" ]; then
      python3 - "$EXCLUDE" "$MARK" "${PARTS[@]}" <<'PY'
import sys
path, mark, parts = sys.argv[1], sys.argv[2], {f"/{p}/" for p in sys.argv[3:]}
lines = open(path).read().splitlines()
keep = [ln for ln in lines if ln != mark and ln not in parts]
open(path, "w").write("".join(f"{ln}\n" for ln in keep))
PY
    fi
    git status --short -- "$MODEL"
    echo "burst_tree: restored"
    ;;
  *) echo "usage: bash scripts/burst_tree.sh light|restore" >&2; exit 2 ;;
esac
