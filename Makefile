# Switchboard: two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libblas-dev liblapacke-dev libopenblas0-serial
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT_FLAGS := -c release
BIN := .build/release/switchboard
DEMO := .build/demo
SEED := 42

.PHONY: deps build demo test models bench clean

## Install the Debian packages (BLAS, LAPACKE, OpenBLAS's run-time library) if missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

build: deps
	swift build $(SWIFT_FLAGS) --product switchboard

## Train on Data/, evaluate on the held-out test file, label a few queries.
demo: build
	@mkdir -p $(DEMO)
	$(BIN) train Data/train.csv --output $(DEMO)/demo.model --seed $(SEED)
	$(BIN) evaluate $(DEMO)/demo.model Data/test.csv
	$(BIN) predict $(DEMO)/demo.model --top-k 2 \
	  "I was charged twice this month" "how do i turn on 2fa" "the app keeps crashing on my iphone" \
	  "can I talk to a real person please"

## The whole test suite (debug build; the CLI tests run the built binary).
test: deps
	swift build
	swift test

## Regenerate the committed demo model (byte-identical; a test checks it).
models: build
	$(BIN) train Data/train.csv --output Models/demo.model --seed $(SEED)

## Benchmark against fastText and scikit-learn (benchmarks/README.md): writes benchmarks/RESULTS.md
## and benchmarks/results.json; about 15 minutes on 2 cores. BENCH_QUICK=1 for a short trial run.
BENCH_VENV := benchmarks/.venv
bench: build $(BENCH_VENV)/.installed
	@dpkg -s fasttext >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fasttext; } || \
	  echo "no fastText command line: its figures will be skipped"
	SWITCHBOARD_BIN=$${SWITCHBOARD_BIN:-$(BIN)} $(BENCH_VENV)/bin/python benchmarks/run.py

$(BENCH_VENV)/.installed: benchmarks/requirements.txt
	@test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q -r benchmarks/requirements.txt
	@touch $@

clean:
	rm -rf .build
