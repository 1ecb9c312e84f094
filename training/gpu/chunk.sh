#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root (README.md beside this file): grows the bundled
# english-lstm to HIDDEN units per layer (predicting exactly what it predicts at the start) and trains
# it for BUDGET seconds, then leaves the fp16 model in $OUT, its weights in pieces under the device's
# 16 MiB a file, with the run's events. The device image has torch, sentencepiece, safetensors, numpy
# and charset-normalizer; platformdirs comes from .gpu/, Qt is never imported by `train`.
set -euo pipefail
HIDDEN=${HIDDEN:-1024} BUDGET=${BUDGET:-420} DEVICE=${DEVICE:-cuda} PRECISION=${PRECISION:-bf16}
PYTHON=${PYTHON:-python3} OUT=${OUT:?the device sets OUT}
"$PYTHON" -m pip install -q --no-index --no-deps --no-compile --target /tmp/gpu-site .gpu/*.whl
export PYTHONPATH=/tmp/gpu-site:$PWD RNNLM_STUDIO_HOME=/tmp/gpu-home PYTHONUNBUFFERED=1
xz -dc .gpu/english-mix.txt.xz > /tmp/english-mix.txt
"$PYTHON" -m rnnlm_studio.cli train --train /tmp/english-mix.txt --source english-lstm --transfer parameter \
  --tokenizer source --hidden-size "$HIDDEN" --split 0.98,0.01,0.01 --split-seed 0 --lr 1e-3 \
  --warmup-steps 200 --weight-decay 0.01 --clip 0.5 --batch-size 128 --bptt 128 --time-budget "$BUDGET" \
  --eval-every 2000 --eval-tokens 500000 --device "$DEVICE" --precision "$PRECISION" --cache-window 0 \
  --dropout-emb 0 --dropout-input 0.05 --dropout-hidden 0.05 --dropout-output 0.1 --seed 11 \
  --name gpu-chunk --json > "$OUT/train.jsonl"
"$PYTHON" -m rnnlm_studio.cli export gpu-chunk --to /tmp/gpu-export --fp16
split -b 15M /tmp/gpu-export/model.safetensors "$OUT/model.safetensors.part-"
cp /tmp/gpu-export/config.json /tmp/gpu-export/tokenizer.model /tmp/gpu-export/README.md "$OUT/"
tail -n 1 "$OUT/train.jsonl"
