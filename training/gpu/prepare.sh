#!/usr/bin/env bash
# Runs HERE, before the device call (README.md beside this file): puts what the GPU machine lacks into
# .gpu/ (ignored by git, carried by the call): the English training text, xz-compressed, and the one
# wheel the device image does not hold (platformdirs). Then checks the 64 MiB the call can carry.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
mkdir -p .gpu
"$PYTHON" training/english_mix.py --out /tmp/english-mix.txt
xz -T1 -6 -c /tmp/english-mix.txt > .gpu/english-mix.txt.xz
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: -d .gpu "$(grep '^platformdirs==' constraints.txt)"
tree=$(git ls-files -z | du --files0-from=- -cb | tail -1 | cut -f1)
kit=$(du -cb .gpu | tail -1 | cut -f1)
echo "tracked files $((tree / 1048576)) MiB + .gpu $((kit / 1048576)) MiB (the device call carries at most 64 MiB)"
[ $((tree + kit)) -lt $((64 * 1048576)) ] || { echo "too large: git rm a training/ folder first" >&2; exit 1; }
