#!/usr/bin/env bash
# What travels to a lent GPU is the git working tree (tracked files + untracked, not ignored ones) plus
# `carry`, 64 MiB in all (a carry of 64.0 MiB on disk was refused, 2026-11-29). A burst reads neither the
# docs nor the face detector's weights (its faces are prepared here), and while checkpoints/latent128 holds
# its own EMA shards (a burst kept, not yet the bundled model) the tree also carries the same network twice:
# the shards and the bundled model's weights (18.2 MiB each). So for the one `run` call:
#
#   bash scripts/burst_tree.sh light     # untrack docs/, the detector's weights and (with shards) the bundled
#                                        # model's four weight folders, for the run only
#   bash scripts/burst_tree.sh size CARRY...   # MiB that would travel with these carry paths; exit 1 over 63.5
#   (the run call, as in docs/training.md)
#   bash scripts/burst_tree.sh restore   # track them again: `git status` is clean as before
#
# Nothing is deleted: `light` only takes the folders out of the index and lists them in .git/info/exclude
# (both undone by `restore`; a fresh checkout never sees either). Refuses `light` when the tree has changes.
# Without shards the bundled weights travel (the burst restores from them); the rest is still left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=src/id2face/assets/default_model
WEIGHTS=("$MODEL/unet" "$MODEL/recomposer" "$MODEL/harmonizer" "$MODEL/idvae")
UNREAD=(docs src/id2face/assets/centerface)  # what no burst reads
EXCLUDE=.git/info/exclude
MARK="# burst_tree.sh light"
LIMIT_MIB=63.5
case "${1:-}" in
  light)
    [ -z "$(git status --porcelain --untracked-files=no)" ] || {
      echo "burst_tree: commit or stash the tree's changes first (restore must give back exactly this tree)" >&2
      exit 2; }
    PARTS=()
    for p in "${UNREAD[@]}"; do [ -n "$(git ls-files -- "$p" | head -n 1)" ] && PARTS+=("$p"); done
    if ls checkpoints/latent128/ema-*.safetensors >/dev/null 2>&1; then
      PARTS+=("${WEIGHTS[@]}")
    else
      echo "burst_tree: checkpoints/latent128 holds no EMA shards: the burst restores from $MODEL, its weights travel"
    fi
    [ ${#PARTS[@]} -gt 0 ] || { echo "burst_tree: nothing to leave behind"; exit 0; }
    git rm -r -q --cached "${PARTS[@]}"
    mkdir -p "$(dirname "$EXCLUDE")"
    { echo "$MARK"; for p in "${PARTS[@]}"; do echo "/$p/"; done; } >> "$EXCLUDE"
    echo "burst_tree: left here for the run ($(du -sch "${PARTS[@]}" | tail -n 1 | cut -f1)): ${PARTS[*]};" \
      "bash scripts/burst_tree.sh restore after it"
    ;;
  size)
    shift
    for c in "$@"; do [ -e "$c" ] || { echo "burst_tree: no $c to carry" >&2; exit 2; }; done
    { git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null || true
      if [ $# -gt 0 ]; then find "$@" -type f -printf '%s\n'; fi; } | awk -v limit="$LIMIT_MIB" -v n=$# '
      { s += $1 } END {
        mib = s / 1048576
        printf "burst_tree: the tree and %d carry path(s): %.1f MiB (the run refuses 64; this check %.1f)\n", n, mib, limit
        exit (mib > limit) ? 1 : 0 }'
    ;;
  restore)
    PARTS=("${UNREAD[@]}" "${WEIGHTS[@]}")
    for p in "${PARTS[@]}"; do git reset -q -- "$p"; done
    if [ -f "$EXCLUDE" ]; then
      python3 - "$EXCLUDE" "$MARK" "${PARTS[@]}" <<'PY'
import sys
path, mark, parts = sys.argv[1], sys.argv[2], {f"/{p}/" for p in sys.argv[3:]}
lines = open(path).read().splitlines()
keep = [ln for ln in lines if ln != mark and ln not in parts]
open(path, "w").write("".join(f"{ln}\n" for ln in keep))
PY
    fi
    git status --short -- "${PARTS[@]}"
    echo "burst_tree: restored"
    ;;
  *) echo "usage: bash scripts/burst_tree.sh light|size CARRY...|restore" >&2; exit 2 ;;
esac
