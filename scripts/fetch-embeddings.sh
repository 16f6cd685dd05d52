#!/usr/bin/env bash
# Set-up for the semantic block: fetch the pinned WordLlama wheel from PyPI, check its sha256,
# cache it, and convert it once into a Switchboard embedding pack with `switchboard embeddings
# import`. Nothing from the wheel goes into the repository.
#
#   scripts/fetch-embeddings.sh [SWITCHBOARD_BINARY]
#
# Cache directory: $SWITCHBOARD_CACHE, default ~/.cache/switchboard. Pack: $SWITCHBOARD_EMBEDDINGS,
# default CACHE/wordllama-l2_supercat-256.swemb. Without network (or pip) it says why and exits 0:
# training then runs n-gram-only. A wheel whose sha256 differs is deleted and the script exits 1.
set -u
BIN=${1:-.build/release/switchboard}
CACHE=${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}
PACK=${SWITCHBOARD_EMBEDDINGS:-$CACHE/wordllama-l2_supercat-256.swemb}
WHEEL=wordllama-0.4.0.post1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
SHA256=42c2c88907ace0b0681ac6f9092d6a300a6409a5d2d61071a3fb5e7159370c97

if [ -s "$PACK" ]; then echo "embeddings: using $PACK"; exit 0; fi
mkdir -p "$CACHE" || { echo "embeddings: cannot create $CACHE; n-gram-only models"; exit 0; }
if [ ! -s "$CACHE/$WHEEL" ]; then
  PYTHON=$(command -v python3 || true)
  if [ -z "$PYTHON" ] || ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    echo "embeddings: no python3 -m pip to fetch the wordllama wheel; models will be n-gram-only"; exit 0
  fi
  TMP=$(mktemp -d "$CACHE/.download-XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  echo "embeddings: fetching wordllama==0.4.0.post1 from PyPI"
  if ! "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
       --platform manylinux2014_x86_64 --timeout 20 --retries 1 wordllama==0.4.0.post1 -d "$TMP" \
       || [ ! -s "$TMP/$WHEEL" ]; then
    echo "embeddings: could not download the wordllama wheel (no network?); models will be n-gram-only"; exit 0
  fi
  mv "$TMP/$WHEEL" "$CACHE/$WHEEL"
fi
if ! echo "$SHA256  $CACHE/$WHEEL" | sha256sum --check --status; then
  echo "embeddings: $CACHE/$WHEEL has the wrong sha256 (expected $SHA256); deleted" >&2
  rm -f "$CACHE/$WHEEL"; exit 1
fi
echo "embeddings: converting $WHEEL"
"$BIN" embeddings import "$CACHE/$WHEEL" --output "$PACK" || exit 1
