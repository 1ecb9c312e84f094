#!/usr/bin/env bash
# Rebuilds the bundled source models in resources/models/ with the project's own commands.
# Run from the repository root with the shared corpora in ../shared/data (or set DATA).
# Each takes its time budget of training plus a few minutes of tokenizer training and
# evaluation; the budgets are wall-clock, so a busier machine gives a somewhat weaker model.
set -euo pipefail
DATA=${DATA:-../shared/data}
export RNNLM_STUDIO_HOME=${RNNLM_STUDIO_HOME:-$(mktemp -d)}
studio() { .venv/bin/rnnlm-studio "$@"; }
done_field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

english() {
  studio train --train "$DATA/war-and-peace/input.txt" "$DATA/wikitext-2/valid.txt" --split 0.96,0.03,0.01 \
    --vocab-size 8000 --emb-size 400 --hidden-size 640 --dropout-emb 0.05 --dropout-input 0.2 \
    --dropout-hidden 0.15 --dropout-output 0.25 --batch-size 32 --bptt 48 --lr 4e-3 --warmup-steps 200 \
    --weight-decay 0.05 --time-budget 5400 --eval-every 1000 --eval-tokens 60000 --threads 1 --seed 0 \
    --name english-lstm --json | done_field run_dir
}

shakespeare() {
  studio train --train "$DATA/tinyshakespeare/input.txt" --tokenizer-kind char --vocab-size 330 \
    --emb-size 128 --hidden-size 512 --layers 1 --dropout-input 0.1 --dropout-hidden 0.1 --dropout-output 0.2 \
    --batch-size 32 --bptt 128 --lr 4e-3 --warmup-steps 100 --time-budget 2700 --eval-every 500 \
    --eval-tokens 60000 --threads 1 --seed 0 --name shakespeare-char --json | done_field run_dir
}

run=$(english)
studio export "$run" --to resources/models/english-lstm --fp16 --card resources/models/english-lstm/README.md
studio eval english-lstm --text "$DATA/wikitext-2/test.txt" --json   # the card's WikiText-2 test figures
run=$(shakespeare)
studio export "$run" --to resources/models/shakespeare-char --fp16 --card resources/models/shakespeare-char/README.md
