#!/usr/bin/env bash
# The whole envlock story on the bundled offline demo mirror, end to end:
# build local channels → check and resolve a recipe → create the env with verified hashes
# → export it → diff it against its lock and against a drifted copy.
# Everything lands in demo/.work/ (ignored by git); run it again at will.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
work=demo/.work
rm -rf "$work/locks" "$work/envs" "$work/out"
mkdir -p "$work/out"
export ENVLOCK_CACHE_DIR="$PWD/$work/cache" ENVLOCK_PKGS_DIR="$PWD/$work/pkgs"

# Bold headings only on a terminal that wants colour.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' R=$'\033[0m'; else B='' R=''; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$B" "$1" "$R" "${*:2}"; "${@:2}"; }
# diff answers 1 when something differs: expected here; 2, 3 or 4 still fail the demo.
expect_diff() { printf '$ %s\n' "$*"; "$@" || [ $? -eq 1 ]; }

step "Build the offline demo channels (pytorch, nvidia, pyg, conda-forge)" \
  envlock mirror "$work/mirror"
export ENVLOCK_CHANNEL_ALIAS="file://$PWD/$work/mirror"

step "What the m3net recipe expands to, per platform (no solving)" \
  envlock check recipes/m3net.yml

step "Resolve m3net for linux-64, osx-64 and win-64" \
  envlock resolve recipes/m3net.yml -o "$work/locks"
ls "$work/locks/m3net"

step "An unchanged recipe is fresh" envlock resolve recipes/m3net.yml -o "$work/locks" --check

step "Create the linux-64 environment from the lock, every archive hash verified" \
  envlock create "$work/locks/m3net/conda-lock.yml" --platform linux-64 -p "$work/envs/m3net"

step "Export it as conda env export would" \
  envlock export "$work/envs/m3net" -o "$work/out/m3net-export.yml"
head -n 20 "$work/out/m3net-export.yml"

step "The environment matches its lock" \
  envlock diff "$work/locks/m3net/conda-lock.yml" "$work/envs/m3net" --platform linux-64

printf '\n%s== A drifted copy: CPU pytorch, another numpy, PyG built for CUDA 11.6%s\n' "$B" "$R"
sed -e 's/^\(  - pytorch=1\.13\.[0-9]*=\)py3\.8_cuda11\.7_cudnn8\.5\.0_0$/\1py3.8_cpu_0/' \
    -e 's/^\(  - numpy=\)1\.23\.5=/\11.23.4=/' \
    -e 's/torch_1\.13\.0_cu117/torch_1.13.0_cu116/' \
    "$work/out/m3net-export.yml" > "$work/out/m3net-drifted.yml"
expect_diff envlock diff "$work/out/m3net-export.yml" "$work/out/m3net-drifted.yml"
expect_diff envlock diff "$work/out/m3net-export.yml" "$work/out/m3net-drifted.yml" --format markdown --critical-only

printf '\n%sDone.%s Locks: %s/locks/m3net  Environment: %s/envs/m3net\n' "$B" "$R" "$work" "$work"
printf 'Run envlock yourself: . .venv/bin/activate && envlock --help   (or .venv/bin/envlock --help)\n'
printf 'The demo channels: export ENVLOCK_CHANNEL_ALIAS=file://%s/%s/mirror\n' "$PWD" "$work"
