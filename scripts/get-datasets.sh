#!/usr/bin/env bash
# Downloads the public CLINC150 and SNIPS files and converts them to the text,label CSV layout
# the tests, benchmarks and README examples use:
#   DEST/clinc150/{train,val,test,oos_train,oos_val,oos_test}.csv
#   DEST/snips/{train,test}.csv
# Usage: scripts/get-datasets.sh [DEST]   (default: ../shared/datasets, beside the checkout)
# Sources and licences:
#   CLINC150: github.com/clinc/oos-eval, data/data_full.json (Larson et al. 2019), CC BY 3.0.
#   SNIPS: github.com/sonos/nlu-benchmark, 2017-06-custom-intent-engines, train_INTENT_full.json
#   and validate_INTENT.json for 7 intents (Coucke et al. 2018), CC0 1.0.
# SWITCHBOARD_DATASET_SOURCE=DIR converts files already downloaded into DIR (same names as the
# URLs' last parts: data_full.json, train_AddToPlaylist_full.json, ...) without the network.
# Needs curl (when downloading) and python3. Existing CSVs are replaced atomically.
set -euo pipefail

dest=${1:-"$(cd "$(dirname "$0")/.." && pwd)/../shared/datasets"}
source_dir=${SWITCHBOARD_DATASET_SOURCE:-}
clinc_url=https://raw.githubusercontent.com/clinc/oos-eval/master/data/data_full.json
snips_base=https://raw.githubusercontent.com/sonos/nlu-benchmark/master/2017-06-custom-intent-engines
intents="AddToPlaylist BookRestaurant GetWeather PlayMusic RateBook SearchCreativeWork SearchScreeningEvent"

command -v python3 >/dev/null || { echo "get-datasets: python3 is needed to convert the files" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # URL: into $work under its last path component, or copied from $source_dir
    local name=${1##*/}
    if [ -n "$source_dir" ]; then
        cp "$source_dir/$name" "$work/$name" || { echo "get-datasets: $source_dir/$name is missing" >&2; exit 1; }
    else
        curl -fsSL --retry 2 -o "$work/$name" "$1" || {
            echo "get-datasets: cannot download $1 (no network?); download it by hand and set SWITCHBOARD_DATASET_SOURCE" >&2
            exit 1; }
    fi
}

fetch "$clinc_url"
for intent in $intents; do
    fetch "$snips_base/$intent/train_${intent}_full.json"
    fetch "$snips_base/$intent/validate_${intent}.json"
done

python3 - "$work" "$dest" $intents <<'PY'
import csv, json, os, sys

work, dest, intents = sys.argv[1], sys.argv[2], sys.argv[3:]

def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["text", "label"])
        out.writerows(rows)
    os.replace(temporary, path)
    print(f"{path}: {len(rows)} rows")

def load(name):
    raw = open(os.path.join(work, name), "rb").read()
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:  # kept as the source has it, not repaired
        return json.loads(raw.decode("latin-1"))

clinc = load("data_full.json")
for split in ["train", "val", "test", "oos_train", "oos_val", "oos_test"]:
    write(os.path.join(dest, "clinc150", split + ".csv"), [(text, label) for text, label in clinc[split]])

def snips(kind):
    rows = []
    for intent in intents:
        name = f"train_{intent}_full.json" if kind == "train" else f"validate_{intent}.json"
        for item in load(name)[intent]:
            rows.append(("".join(part["text"] for part in item["data"]).strip(), intent))
    return rows

write(os.path.join(dest, "snips", "train.csv"), snips("train"))
write(os.path.join(dest, "snips", "test.csv"), snips("test"))
PY
