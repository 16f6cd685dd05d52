#!/usr/bin/env bash
# Accuracy against hash-bucket bits on CLINC150 (how the default --bucket-bits was chosen).
# Trains with default options at each size, scores val.csv (used for the choice) and test.csv.
# Usage: benchmarks/bucket_bits.sh [BIN] [MIN_BITS] [MAX_BITS]
set -euo pipefail
bin=${1:-.build/release/switchboard}
lo=${2:-14}; hi=${3:-20}
data=${DATASETS:-../shared/datasets}/clinc150
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
acc() { "$bin" evaluate "$1" "$2" --json | python3 -c 'import json,sys; print("%.2f" % (100 * json.load(sys.stdin)["accuracy"]))'; }
echo "| bucket bits | model MB | val accuracy % | test accuracy % | train s |"
echo "|---|---|---|---|---|"
for bits in $(seq "$lo" "$hi"); do
  out=$("$bin" train "$data/train.csv" --output "$work/m" --bucket-bits "$bits" --json)
  read -r mb secs < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(round(d["model_bytes"]/1e6,1), round(d["seconds"],2))' "$out")
  echo "| $bits | $mb | $(acc "$work/m" "$data/val.csv") | $(acc "$work/m" "$data/test.csv") | $secs |"
done
