# Switchboard: two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libblas-dev liblapacke-dev libopenblas0-serial
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_FLAGS := -c release
BIN := .build/release/switchboard
DEMO := .build/demo
SEED := 42

.PHONY: deps browser build build-native embeddings check-tokenizer demo test test-spark test-asan test-tsan fuzz fuzz-build fuzz-smoke models bench bench-warmstart bench-blas \
  bench-compact bench-doctor bench-distilled test-api bench-serve bench-spark clean

## Install the Debian packages (BLAS, LAPACKE, OpenBLAS's run-time library) if missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

## Headless Chromium, fonts and Python 3 for the report's browser test (Tests/render/check_report.py).
## When they cannot be installed (not root and no sudo, no network) it says so and goes on: that
## test then reports itself skipped, with the reason.
BROWSER_PACKAGES := chromium fonts-dejavu-core python3
browser:
	@missing=""; for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } || \
	  echo "could not install$$missing: the report's browser test will be skipped"; fi

build: deps
	swift build $(SWIFT_FLAGS) --product switchboard

## The same program compiled for AVX2 and FMA (Haswell, 2013, and later x86-64 CPUs) instead of
## the SSE2 baseline, into .build-native/: faster queries, the same model bytes and answers. It
## refuses to build on a CPU without both, where the binary would die of an illegal instruction.
build-native: deps
	@grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo || \
	  { echo "build-native: this CPU lacks AVX2 or FMA; use make build"; exit 1; }
	swift build $(SWIFT_FLAGS) --product switchboard --scratch-path .build-native -Xswiftc -target-cpu -Xswiftc haswell

## Fetch the pinned WordLlama wheel, check its sha256 and convert it into the embedding pack
## (scripts/fetch-embeddings.sh: cached in $$SWITCHBOARD_CACHE, default ~/.cache/switchboard).
## Without network it says so and succeeds: models are then n-gram-only.
embeddings: build
	scripts/fetch-embeddings.sh $(BIN)

## Compare the Swift tokenizer's ids with Hugging Face `tokenizers` (pinned, in .venv-tokref/) on
## every text of CLINC150, SNIPS (when ../shared/datasets has them) and Data/.
DATASETS ?= ../shared/datasets
TOKREF_VENV := .venv-tokref
WHEEL_PATH = $(or $(SWITCHBOARD_CACHE),$(HOME)/.cache/switchboard)/wordllama-0.4.0.post1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
PACK_PATH = $(or $(SWITCHBOARD_EMBEDDINGS),$(or $(SWITCHBOARD_CACHE),$(HOME)/.cache/switchboard)/wordllama-l2_supercat-256.swemb)
check-tokenizer: embeddings $(TOKREF_VENV)/.installed
	$(TOKREF_VENV)/bin/python scripts/tokenizer_reference.py $(WHEEL_PATH) .build/tokenizer-reference.jsonl \
	  $(wildcard $(DATASETS)/clinc150/*.csv) $(wildcard $(DATASETS)/snips/*.csv) Data/*.csv
	$(BIN) embeddings check-ids $(PACK_PATH) .build/tokenizer-reference.jsonl

$(TOKREF_VENV)/.installed: scripts/tokenizer-requirements.txt
	@test -x $(TOKREF_VENV)/bin/python || python3 -m venv $(TOKREF_VENV)
	$(TOKREF_VENV)/bin/pip install -q -r scripts/tokenizer-requirements.txt
	@touch $@

## Train on Data/, evaluate on the held-out test file, label a few queries.
demo: build
	@mkdir -p $(DEMO)
	$(BIN) train Data/train.csv --output $(DEMO)/demo.model --seed $(SEED)
	$(BIN) evaluate $(DEMO)/demo.model Data/test.csv
	$(BIN) predict $(DEMO)/demo.model --top-k 2 \
	  "I was charged twice this month" "how do i turn on 2fa" "the app keeps crashing on my iphone" \
	  "can I talk to a real person please"

## The whole test suite (debug build; the CLI tests run the built binary).
test: deps browser
	swift build
	scripts/fetch-embeddings.sh .build/debug/switchboard
	swift test

## The whole suite under AddressSanitizer (with LeakSanitizer) and under ThreadSanitizer, each in
## its own build directory (the CLI tests run the binary built there, sanitized too). Slow: run
## them under `nice -n 19` on a shared machine. SWITCHBOARD_SANITIZER lets a test that cannot work
## under a sanitizer skip itself; TEST_FLAGS passes more options (e.g. --filter Concurrency).
TEST_FLAGS ?=
test-asan: deps
	SWITCHBOARD_SANITIZER=address ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/sanitizers/lsan.supp:print_suppressions=0 \
	  swift test --sanitize=address --scratch-path .build-asan $(TEST_FLAGS)

test-tsan: deps
	SWITCHBOARD_SANITIZER=thread TSAN_OPTIONS=halt_on_error=0:suppressions=$(CURDIR)/sanitizers/tsan.supp \
	  swift test --sanitize=thread --scratch-path .build-tsan $(TEST_FLAGS)

## libFuzzer targets for the CSV parser, the model loader, the feature extractor and the tokenizer (Fuzz/, its
## own package: normal builds never see -sanitize=fuzzer), FUZZ_SECONDS each (default 60), one
## after another under `nice -n 19`. A crash stops with the input saved in Fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH := $(CURDIR)/.build-fuzz
fuzz: fuzz-build
	for target in csv model features tokenizer; do FUZZ_SCRATCH=$(FUZZ_SCRATCH) Fuzz/run.sh $$target $(FUZZ_SECONDS) || exit 1; done

## The build plan lists the main package's source files, and SwiftPM does not notice a file added
## there (a path dependency of Fuzz/): the plan is removed so that it is made again.
fuzz-build: deps
	rm -f $(FUZZ_SCRATCH)/release.yaml $(FUZZ_SCRATCH)/release/description.json
	cd Fuzz && for product in FuzzCSV FuzzModel FuzzFeatures FuzzTokenizer; do \
	  swift build -c release --scratch-path $(FUZZ_SCRATCH) --product $$product \
	    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address || exit 1; done

## For CI: the fuzz targets build, and every input of the committed corpora runs clean once, with
## no mutation (-runs=0), so the run is the same every time. About 70 s to build from nothing.
## Leak checking stays with `make fuzz`: LeakSanitizer needs ptrace, which a CI container may deny.
fuzz-smoke: fuzz-build
	for target in csv model features tokenizer; do \
	  ASAN_OPTIONS=detect_leaks=0 FUZZ_SCRATCH=$(FUZZ_SCRATCH) Fuzz/run.sh $$target 60 -runs=0 || exit 1; done

## Regenerate the committed demo model (byte-identical; a test checks it).
models: build
	$(BIN) train Data/train.csv --output Models/demo.model --seed $(SEED) --embeddings none

## Benchmark against fastText and scikit-learn (benchmarks/README.md): writes benchmarks/RESULTS.md
## and benchmarks/results.json; about 15 minutes on 2 cores. BENCH_QUICK=1 for a short trial run.
BENCH_VENV := benchmarks/.venv
bench: build $(BENCH_VENV)/.installed
	@dpkg -s fasttext >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fasttext; } || \
	  echo "no fastText command line: its figures will be skipped"
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} $(BENCH_VENV)/bin/python benchmarks/run.py

## Training time with OpenBLAS against Debian's reference BLAS (LD_LIBRARY_PATH at the multiarch
## blas/ folder): writes benchmarks/BLAS.md and blas.json; about 2 minutes.
bench-blas: build
	python3 benchmarks/blas.py

## Compact models against fastText's quantized .ftz, size / accuracy / latency: writes
## benchmarks/COMPACT.md, compact.json and compact.svg; about 10 minutes on 2 cores.
bench-compact: build $(BENCH_VENV)/.installed
	@dpkg -s fasttext >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fasttext; } || \
	  echo "no fastText command line: its figures will be skipped"
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} $(BENCH_VENV)/bin/python benchmarks/compact.py

## doctor and suggest against their quality bar on CLINC150 (injected conflicts and leaks, 2% label
## noise, active learning, 1M rows): writes benchmarks/DOCTOR.md, doctor.json and active-learning.svg;
## about 40 minutes on 2 cores (standard-library Python only).
bench-doctor: embeddings
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} python3 benchmarks/doctor.py all

## train --init against its bar on CLINC150 (a parent without 10 intents, continued with their rows
## plus as many old rows; accuracy and time against training on everything): writes
## benchmarks/WARMSTART.md and warmstart.json; about 2 minutes on 2 cores.
bench-warmstart: embeddings
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} python3 benchmarks/warmstart.py

## The token table distilled from all-MiniLM-L6-v2 against WordLlama's, in numpy and scikit-learn
## (benchmarks/distilled_table.py): about 5 minutes to distill once (cached beside the pack), then
## 2 to 17 minutes per task on 2 cores. DISTILLED_TASKS picks the tasks.
DISTILLED_VENV := benchmarks/.venv-distilled
DISTILLED_TASKS ?= snips_test snips_cv clinc_val clinc_test
bench-distilled: embeddings $(DISTILLED_VENV)/.installed
	for task in $(DISTILLED_TASKS); do echo "== $$task"; $(DISTILLED_VENV)/bin/python benchmarks/distilled_table.py $$task || exit 1; done

$(DISTILLED_VENV)/.installed: benchmarks/distilled-requirements.txt
	@test -x $(DISTILLED_VENV)/bin/python || python3 -m venv $(DISTILLED_VENV)
	$(DISTILLED_VENV)/bin/pip install -q -r benchmarks/distilled-requirements.txt
	@touch $@

$(BENCH_VENV)/.installed: benchmarks/requirements.txt
	@test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q -r benchmarks/requirements.txt
	@touch $@

## switchboard_spark (integrations/spark/) in local-mode Spark: pinned PySpark and pytest in a venv,
## Java 17 from Debian if missing; checks every row against `switchboard label` run directly and a
## killed process's retry. Uses the debug binary; SPARK_TEST_ROWS sets the job size (default 3000).
SPARK_VENV := integrations/spark/.venv
test-spark: deps
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }
	@test -x $(SPARK_VENV)/bin/python || python3 -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install -q -r integrations/spark/requirements.txt
	swift build --product switchboard
	$(SPARK_VENV)/bin/python -m pytest -q integrations/spark/tests

## switchboard_spark's throughput: SPARK_BENCH_ROWS (default 10M) CLINC150 texts as Parquet and as
## CSV in integrations/spark/.bench/ (gitignored), labeled through Spark local[2] and by the release
## binary directly, SPARK_BENCH_RUNS times each (default 3, medians), plus stage timings: writes
## benchmarks/SPARK.md. Needs the test-spark venv's PySpark (installed here too).
bench-spark: build
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }
	@test -x $(SPARK_VENV)/bin/python || python3 -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install -q -r integrations/spark/requirements.txt
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} $(SPARK_VENV)/bin/python integrations/spark/bench.py

## Property-based API test: schemathesis (pinned, in .venv-api/) against docs/openapi.yaml on a
## debug server with the demo model. API_EXAMPLES sets the examples per operation (default 100).
API_VENV := .venv-api
test-api: deps $(API_VENV)/.installed
	swift build --product switchboard
	API_VENV=$(API_VENV) scripts/test-api.sh .build/debug/switchboard

$(API_VENV)/.installed: scripts/api-test-requirements.txt
	@test -x $(API_VENV)/bin/python || python3 -m venv $(API_VENV)
	$(API_VENV)/bin/pip install -q -r scripts/api-test-requirements.txt
	@touch $@

## `switchboard serve` (release) against FastAPI + uvicorn around fastText, wrk on loopback
## (keep-alive, 64 connections, 30 s), batch throughput, 100 reloads under load, 5-minute soak:
## writes benchmarks/SERVE.md. About 10 minutes, most of it the soak (SOAK_SECONDS=0 skips it).
SERVE_VENV := benchmarks/serve/.venv
bench-serve: build $(SERVE_VENV)/.installed
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} $(SERVE_VENV)/bin/python benchmarks/serve/bench_serve.py

$(SERVE_VENV)/.installed: benchmarks/serve/requirements.txt
	@test -x $(SERVE_VENV)/bin/python || python3 -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/pip install -q -r benchmarks/serve/requirements.txt
	@touch $@

clean:
	rm -rf .build
