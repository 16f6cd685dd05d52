#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time: Fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]
# TARGET is csv, model, features or tokenizer. Run from anywhere; `make fuzz` builds first and runs all three.
# The committed seeds in Fuzz/corpus/TARGET are copied into a working corpus under the build
# directory (which grows as libFuzzer finds new coverage; the committed one stays small), and a
# crashing input is saved to Fuzz/artifacts/TARGET/ (reproduce: BINARY Fuzz/artifacts/.../crash-*).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: run.sh csv|model|features|tokenizer SECONDS}"
seconds="${2:-60}"
shift 2 || shift $#
scratch="${FUZZ_SCRATCH:-$here/../.build-fuzz}"
case "$target" in
  csv) binary=FuzzCSV; max_len=4096 ;;
  model) binary=FuzzModel; max_len=65536 ;;   # the seed models are 13-38 KB
  features) binary=FuzzFeatures; max_len=4096 ;;
  tokenizer) binary=FuzzTokenizer; max_len=512 ;;   # the reference BPE is quadratic: keep inputs query-sized
  *) echo "unknown target '$target' (csv, model, features, tokenizer)" >&2; exit 64 ;;
esac
bin="$scratch/release/$binary"
[ -x "$bin" ] || { echo "$bin not built: run 'make fuzz' (or see Fuzz/README.md)" >&2; exit 1; }
work="$scratch/corpus/$target"
artifacts="$here/artifacts/$target"
mkdir -p "$work" "$artifacts"
cp -n "$here/corpus/$target"/* "$work"/
# SWIFT_BACKTRACE=enable=no: libFuzzer and ASan report crashes themselves; Swift's backtracer
# would otherwise hold the output open. -rss_limit_mb / -malloc_limit_mb: any input that makes
# the code allocate more than 2 GB is reported as a bug (allocation must stay bounded).
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
  nice -n 19 "$bin" "$work" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
  -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@"
