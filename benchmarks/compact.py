#!/usr/bin/env python3
"""Compact models: size, accuracy and latency of Switchboard's int8 models against
fastText's quantized `.ftz`, on CLINC150 and SNIPS, side by side in one run: `make bench-compact`.

Standard library only (like run.py, whose helpers it uses). fastText runs through peers.py with the
benchmark virtualenv's Python, every training and every quantization in a fresh process. Writes
benchmarks/COMPACT.md (tables, verdicts), benchmarks/compact.json (raw figures, every run) and
benchmarks/compact.svg (accuracy against model size, one panel per dataset).

    benchmarks/.venv/bin/python benchmarks/compact.py            # the whole run (~15 min)
    benchmarks/.venv/bin/python benchmarks/compact.py --report   # rewrite COMPACT.md and the plot
                                                                 # from compact.json, measuring nothing

Environment (all optional), besides run.py's SWITCHBOARD_BIN, BENCH_PYTHON, DATASETS,
BENCH_DATASETS (clinc150,snips), BENCH_RUNS (3), BENCH_LATENCY_QUERIES (5000), BENCH_LABEL_ROWS
(100000) and BENCH_QUICK=1 (1 run, fewer queries, one cutoff; writes to benchmarks/out/quick/):
  COMPACT_CUTOFFS   fastText quantize cutoffs (default 100000,20000,10000)
"""

import json
import math
import os
import shutil
import sys
import time

import report
import run
from report import get, number, percent, table

HERE = run.HERE
ROOT = run.ROOT

# Switchboard's points: (name, setting, how). "train" options, or "compress" of another model.
SWITCHBOARD_MODELS = (
    ("float", "default `train`", ("train", [])),
    ("int8", "`compress` of the float model", ("compress", "float")),
    ("max-2MB", "`train --max-size 2MB`", ("train", ["--max-size", "2MB"])),
    ("max-1MB", "`train --max-size 1MB`", ("train", ["--max-size", "1MB"])),
    ("bits11", "`train --bucket-bits 11 --compact`", ("train", ["--bucket-bits", "11", "--compact"])),
    ("bits10", "`train --bucket-bits 10 --compact`", ("train", ["--bucket-bits", "10", "--compact"])),
)
# What each setting gives (the tables show the resulting bucket bits and encoding of every model).
SWITCHBOARD_NOTES = {
    "float": "float32 weights, 2^15 buckets (the defaults)",
    "int8": "int8 weights (one float scale per row), 2^15 buckets",
    "max-2MB": "int8; the largest bucket bits (at most 15) whose model fits 2 MB",
    "max-1MB": "int8; the largest bucket bits (at most 15) whose model fits 1 MB",
    "bits11": "int8, 2^11 buckets",
    "bits10": "int8, 2^10 buckets (the smallest `--bucket-bits` accepts)",
}
FASTTEXT_SYSTEM = "fasttext-strong"  # peers.py's setting: epoch 50, lr 1, bigrams, char 3-5, ...
# Sizes on CLINC150 about 6-7 MB, 1.4 MB (the size of Switchboard's `--max-size 2MB` model) and
# 0.7 MB (that of `--max-size 1MB`): ~70 bytes per kept row (50 PQ codes, norm, dictionary entry).
DEFAULT_CUTOFFS = "100000,20000,10000"

SIZE_BAR = 2_000_000       # the size bar: a model of at most 2 MB (MB = 10^6 bytes, as Switchboard's)
ACCURACY_BAR = 0.005       # ... within 0.5 points of the float model's accuracy
P50_BAR = 1.5              # ... and a compact p50 at most 1.5x the float model's
RETRIES = 1                # fastText may abort at random ("Encountered NaN."): one more try


# --- configuration ----------------------------------------------------------------------------

def configuration():
    config = run.configuration()
    config["datasets"] = [d for d in config["datasets"] if d != "demo"] or ["clinc150", "snips"]
    config["cutoffs"] = [int(c) for c in run.env_list(
        "COMPACT_CUTOFFS", "10000" if config["quick"] else DEFAULT_CUTOFFS)]
    return config


# --- Switchboard ------------------------------------------------------------------------------

def switchboard_build(config, train, model, how, models):
    """Train (or compress) one model; the whole process timed from outside."""
    kind, argument = how
    if kind == "compress":
        command = [config["switchboard_bin"], "compress", models[argument], "--output", model, "--json"]
    else:
        command = [config["switchboard_bin"], "train", train, "--output", model, *argument, "--json"]
    seconds, out = run.run_json(command)
    shown = ["switchboard"] + [os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in command[1:]]
    return {"command": " ".join(shown), "build_seconds": seconds,
            "build_cpu_seconds": run.LAST_CPU_SECONDS, "reported": out}


def switchboard_inspect(config, model):
    _, out = run.run_json([config["switchboard_bin"], "inspect", model, "--json"])
    return {"model_bytes": out["model_bytes"], "bucket_bits": get(out, "features", "bucket_bits"),
            "weight_encoding": out.get("weight_encoding"), "row_stride": out.get("row_stride"),
            "size_breakdown": out.get("section_bytes")}


def switchboard_latency(config, model, queries):
    """`switchboard bench --threads 1`: in-process, single queries (see benchmarks/README.md)."""
    return run.bench_figures(run.run_json([config["switchboard_bin"], "bench", model, queries, "--threads", "1",
                                           "--json"])[1])


def switchboard_file(config, model, files):
    """The whole `switchboard label` process on the labeling file, model load included."""
    output = os.path.join(files["folder"], "labels.csv")
    result = run.switchboard_label(config, model, files["label_csv"], output)
    result["us_per_query_including_load"] = result["seconds"] / result["rows"] * 1e6
    return result


# --- fastText ---------------------------------------------------------------------------------

def with_retry(record, step, function, *arguments):
    """fastText from pip can abort at random; try once more (in a fresh process) and say so."""
    for attempt_number in range(1 + RETRIES):
        result = run.attempt(record, step, function, *arguments)
        if result is not None:
            if attempt_number:
                record.setdefault("notes", []).append(
                    f"{step}: failed once ({record['errors'].pop(step)}), succeeded on retry")
            return result
    return None


def fasttext_latency(config, model, queries):
    return run.peer(config, "latency", FASTTEXT_SYSTEM, model, queries)


def fasttext_file(config, model, files):
    """Debian's `fasttext predict` on the labeling file: the whole process, load included."""
    binary = shutil.which("fasttext")
    return run.fasttext_cli_predict(binary, model, files["label_txt"], model + ".cli-labels.txt")


# --- one dataset ------------------------------------------------------------------------------

def measure_dataset(config, name, train, test):
    print(f"== {name}", flush=True)
    files = run.prepare_dataset(config, os.path.join("compact", name), train, test)
    folder = files["folder"]
    models, records = {}, []

    for key, setting, how in SWITCHBOARD_MODELS:
        record = {"system": "switchboard", "name": key, "setting": setting,
                  "float": key == "float"}
        records.append(record)
        path = os.path.join(folder, f"switchboard-{key}.model")
        if how[0] == "compress" and how[1] not in models:
            record.setdefault("errors", {})["build"] = f"no `{how[1]}` model to compress"
            continue
        built = run.attempt(record, "build", switchboard_build, config, train, path, how, models)
        if not built:
            continue
        models[key] = path
        record.update(built)
        record.update(run.attempt(record, "inspect", switchboard_inspect, config, path) or {})
        record["quality"] = run.attempt(record, "evaluate", run.switchboard_evaluate, config, path, test)
        print(f"  switchboard {key}: {record.get('model_bytes')} bytes, "
              f"accuracy {get(record, 'quality', 'accuracy')}", flush=True)

    prefix = os.path.join(folder, FASTTEXT_SYSTEM)
    record = {"system": "fasttext", "name": "bin", "setting": "strong, float `.bin`", "float": True}
    records.append(record)
    trained = with_retry(record, "build", run.peer, config, "train", FASTTEXT_SYSTEM, train, test,
                         prefix)
    if trained:
        models["fasttext-bin"] = trained["model"]
        record.update({"build_seconds": trained["train_seconds"],
                       "build_cpu_seconds": trained["train_cpu_seconds"],
                       "model_bytes": trained["model_bytes"],
                       "quality": {k: trained[k] for k in ("accuracy", "macro_f1")}})
        print(f"  fasttext bin: {record['model_bytes']} bytes, accuracy {trained['accuracy']}, "
              f"train {trained['train_seconds']:.1f} s", flush=True)
        for cutoff in config["cutoffs"]:
            key = f"ftz-{cutoff}"
            record = {"system": "fasttext", "name": key, "cutoff": cutoff, "float": False,
                      "setting": f"`quantize(cutoff={cutoff}, qnorm=True, retrain=True)`, dsub 2"}
            records.append(record)
            path = f"{prefix}-{cutoff}.ftz"
            done = with_retry(record, "build", run.peer, config, "quantize", trained["model"], train,
                              test, path, str(cutoff))
            if not done:
                continue
            models["fasttext-" + key] = path
            record.update({"build_seconds": done["quantize_seconds"],
                           "build_cpu_seconds": done["quantize_cpu_seconds"],
                           "model_bytes": done["model_bytes"],
                           "quality": {k: done[k] for k in ("accuracy", "macro_f1")}})
            print(f"  fasttext {key}: {done['model_bytes']} bytes, accuracy {done['accuracy']}, "
                  f"quantize {done['quantize_seconds']:.1f} s", flush=True)

    # Latency and file labeling: runs interleaved over all models, so that drift in the machine's
    # load falls on every model alike; the median run is reported.
    measured = [(r, models.get(model_key(r))) for r in records]
    measured = [(r, path) for r, path in measured if path and "quality" in r]
    cli = shutil.which("fasttext")
    for step in ("latency", "file"):
        runs = {id(r): [] for r, _ in measured}
        for _ in range(config["runs"]):
            for record, path in measured:
                if step in record.get("errors", {}):
                    continue
                if record["system"] == "switchboard":
                    function = switchboard_latency if step == "latency" else switchboard_file
                elif step == "latency":
                    function = fasttext_latency
                elif cli:
                    function = fasttext_file
                else:
                    record.setdefault("errors", {})["file"] = "no `fasttext` command: skipped"
                    continue
                result = run.attempt(record, step, function, config, path,
                                     files["queries"] if step == "latency" else files)
                if result is not None:
                    runs[id(record)].append(result)
        for record, _ in measured:
            if runs[id(record)]:
                record[step] = {"runs": runs[id(record)], "median": run.medians(runs[id(record)])}
        print(f"  {step}: done", flush=True)

    for entry in os.listdir(folder):  # fastText's .bin is 800 MB: keep no model
        if entry.endswith((".model", ".bin", ".ftz", ".txt", ".labels.csv")) or entry == "labels.csv":
            os.remove(os.path.join(folder, entry))
    return {"files": {k: os.path.relpath(v, ROOT) for k, v in files.items()},
            "train_rows": run.count_rows(train), "test_rows": run.count_rows(test),
            "labels": len({label for _, label in run.read_rows(train)}), "models": records}


def model_key(record):
    return record["name"] if record["system"] == "switchboard" else "fasttext-" + record["name"]


# --- figures ----------------------------------------------------------------------------------

def fig(record):
    return {
        "size": record.get("model_bytes"),
        "accuracy": get(record, "quality", "accuracy"),
        "macro_f1": get(record, "quality", "macro_f1"),
        "p50": get(record, "latency", "median", "p50_us"),
        "p99": get(record, "latency", "median", "p99_us"),
        "load_ms": get(record, "latency", "median", "load_ms"),
        "rss_mb": get(record, "latency", "median", "rss_mb"),
        "file_us": get(record, "file", "median", "us_per_query_including_load"),
        "build_s": record.get("build_seconds"),
    }


def float_record(records, system):
    return next((r for r in records if r["system"] == system and r["float"]), None)


def label(record):
    """A short name for tables and the plot."""
    if record["system"] == "switchboard":
        bits = record.get("bucket_bits")
        encoding = "float32" if record.get("weight_encoding") == "float32" else "int8"
        return f"{encoding}, 2^{bits}" if bits else encoding
    return "float `.bin`" if record["name"] == "bin" else f"`.ftz`, cutoff {record['cutoff']:,}"


def setting(record):
    """The setting as this file names it (compact.json keeps what the run wrote)."""
    current = {key: text for key, text, _ in SWITCHBOARD_MODELS}
    if record["system"] == "switchboard" and record["name"] in current:
        return current[record["name"]]
    return record["setting"]


def points_delta(value, reference):
    if value is None or reference is None:
        return "—"
    return f"{100 * (value - reference):+.2f}"


def times(value, reference):
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}×"


def size_text(size):
    if size is None:
        return "—"
    mb = size / 1e6
    return f"{mb:.1f}" if mb >= 10 else f"{mb:.2f}" if mb >= 0.1 else f"{mb:.3f}"


# --- verdicts ---------------------------------------------------------------------------------

def same_or_better(a, b):
    """a ≥ b for accuracies of the same test set (fractions of the same count)."""
    return a >= b - 1e-9


def size_bar(records):
    """The first bar, on one dataset's records: every Switchboard model ≤ 2 MB, whether it is
    within 0.5 points of Switchboard's float model and at least as accurate as every fastText
    `.ftz` of the same or larger size. Returns (candidates, met)."""
    base = fig(float_record(records, "switchboard") or {})["accuracy"]
    ftz = [r for r in records if r["system"] == "fasttext" and not r["float"] and fig(r)["accuracy"] is not None]
    candidates = []
    for r in records:
        f = fig(r)
        if r["system"] != "switchboard" or f["size"] is None or f["size"] > SIZE_BAR or f["accuracy"] is None:
            continue
        rivals = [x for x in ftz if fig(x)["size"] >= f["size"]]
        close = base is not None and same_or_better(f["accuracy"], base - ACCURACY_BAR)
        beats = bool(rivals) and all(same_or_better(f["accuracy"], fig(x)["accuracy"]) for x in rivals)
        candidates.append({"record": r, "close": close, "rivals": rivals, "beats": beats,
                           "met": close and beats})
    return candidates, any(c["met"] for c in candidates)


def p50_bar(records):
    """The second bar: each int8 Switchboard model's p50 over the float model's."""
    base = fig(float_record(records, "switchboard") or {})["p50"]
    rows = []
    for r in records:
        if r["system"] == "switchboard" and not r["float"] and fig(r)["p50"] is not None and base:
            rows.append((r, fig(r)["p50"] / base))
    return rows, base


def verdict_lines(results):
    lines = []
    clinc = get(results, "datasets", "clinc150", "models")
    if clinc:
        candidates, met = size_bar(clinc)
        base = fig(float_record(clinc, "switchboard") or {})["accuracy"]
        good = [c for c in candidates if c["met"]]
        if good:
            best = max(good, key=lambda c: (fig(c["record"])["accuracy"], -fig(c["record"])["size"]))
            r, f = best["record"], fig(best["record"])
            top = max(best["rivals"], key=lambda x: fig(x)["accuracy"])
            binary = fig(float_record(clinc, "fasttext") or {})
            detail = (f"{label(r)} from {setting(r)}, {size_text(f['size'])} MB: {percent(f['accuracy'])}% "
                      f"against the float model's {percent(base)}% ({points_delta(f['accuracy'], base)} "
                      f"points); the most accurate fastText `.ftz` of the same or larger size is "
                      f"{label(top)}, {size_text(fig(top)['size'])} MB, {percent(fig(top)['accuracy'])}% "
                      f"({points_delta(f['accuracy'], fig(top)['accuracy'])} points for Switchboard)"
                      + (f"; fastText's float `.bin` ({size_text(binary['size'])} MB) has "
                         f"{percent(binary['accuracy'])}%" if binary["accuracy"] is not None else ""))
        elif candidates:
            detail = "no Switchboard model ≤ 2 MB meets both halves; see the table below"
        else:
            detail = "no Switchboard model ≤ 2 MB was measured"
        lines.append(f"- **CLINC150: a Switchboard model ≤ 2 MB within 0.5 points of the float model's "
                     f"accuracy, and at least as accurate as fastText's quantized model of the same or "
                     f"larger size, in the same run: {'met' if met else 'missed'}** ({detail}).")
    for name, data in results["datasets"].items():
        rows, base = p50_bar(data["models"])
        if not rows:
            continue
        worst = max(rows, key=lambda x: x[1])
        met = all(ratio <= P50_BAR for _, ratio in rows)
        lines.append(f"- **{TITLES.get(name, name)}: compact p50 ≤ 1.5× float p50: "
                     f"{'met' if met else 'missed'}** (float {base:.2f} µs; the {len(rows)} int8 models "
                     f"{min(x[1] for x in rows):.2f}×–{worst[1]:.2f}× of it, the slowest {label(worst[0])} "
                     f"from {setting(worst[0])} at {fig(worst[0])['p50']:.2f} µs).")
    return lines


# --- COMPACT.md -------------------------------------------------------------------------------

def header(results):
    env, config = results["environment"], results["config"]
    quick = ("\n**Development run (BENCH_QUICK=1): fewer runs and queries; not the figures to "
             "quote.**\n" if config.get("quick") else "")
    changed = env.get("sources_changed_since_that_commit") or []
    build = (f"`{env.get('switchboard_bin')}` was built at {env.get('switchboard_bin_built')}, after "
             f"commit {env.get('switchboard_bin_after_commit')}, and copied before measuring"
             + (f"; Sources/ files that differ from that commit now (committed or not; the binary "
                f"predates them): {', '.join(f'`{c}`' for c in changed)}." if changed else "."))
    return f"""# Compact models: Switchboard int8 against fastText `.ftz`

Made by benchmarks/compact.py (`make bench-compact`) on {env['date']}, in
{number(env.get('total_minutes'))} min; every figure comes from this one run. Command:
`{env.get('command')}`.

The 2-core machine was shared, so timings are noisy (peers.md: up to 2x for fastText, ~25% for
the rest). Load average (1, 5, 15 min) at the start {report.fmt_load(env.get('load_average_start'))},
at the end {report.fmt_load(env.get('load_average_end'))}. Busy processes (`ps`, %CPU over each
one's lifetime) at the start: {busy(env, 'start')}; at the end: {busy(env, 'end')}.

{build}

![accuracy against model size](compact.svg)

Plot: [compact.svg](compact.svg) (test accuracy against model size, log scale). Raw figures,
every run: [compact.json](compact.json).
{quick}"""


def busy(env, when):
    found = env.get(f"busy_processes_{when}")
    return "none" if not found else ", ".join(f"`{p.split(' (')[0]}` ({p.split(' (')[1]}" for p in found)


def verdict_section(results):
    text = "## Verdicts\n\n" + "\n".join(verdict_lines(results)) + "\n"
    clinc = get(results, "datasets", "clinc150", "models")
    if clinc:
        candidates, _ = size_bar(clinc)
        base = fig(float_record(clinc, "switchboard") or {})["accuracy"]
        rows = []
        for c in sorted(candidates, key=lambda c: -fig(c["record"])["size"]):
            r, f = c["record"], fig(c["record"])
            rivals = "; ".join(f"{label(x)}: {size_text(fig(x)['size'])} MB, {percent(fig(x)['accuracy'])}%"
                               for x in sorted(c["rivals"], key=lambda x: fig(x)["size"])) or "none"
            rows.append((f"{label(r)}, {setting(r)}", size_text(f["size"]), percent(f["accuracy"]),
                         points_delta(f["accuracy"], base), "yes" if c["close"] else "**no**", rivals,
                         "yes" if c["beats"] else "**no**" if c["rivals"] else "—",
                         "**met**" if c["met"] else "missed"))
        if rows:
            text += ("\nCLINC150, every Switchboard model ≤ 2 MB against the bar (fastText `.ftz` of the "
                     "same or larger size):\n\n"
                     + table(["model", "MB", "accuracy %", "vs float, points", "within 0.5",
                              "fastText `.ftz` ≥ its size", "≥ all of them", "bar"], rows))
    return text


def settings_section(results):
    config = results["config"]
    rows = [(f"Switchboard `{key}`", f"{setting}: {SWITCHBOARD_NOTES[key]}")
            for key, setting, _ in SWITCHBOARD_MODELS]
    rows.append(("fastText float `.bin`", "`" + FASTTEXT_SYSTEM + "` of RESULTS.md: epoch 50, lr 1.0, "
                 "wordNgrams 2, minn 3, maxn 5, dim 100, bucket 2M, thread 2, seed 42 (peers.py)"))
    rows.append(("fastText `.ftz`", "that `.bin` loaded in a fresh process, then `model.quantize(input="
                 "train, qnorm=True, retrain=True, cutoff=N)` with dsub 2 and qout False (fastText's "
                 f"defaults; epochs, lr, threads the model's own); N = {', '.join(f'{c:,}' for c in config['cutoffs'])}"))
    return f"""## Settings and measures

{table(["model", "setting"], rows)}
- Every model is trained on train.csv and scored on test.csv; each training and each
  quantization runs in its own process (pip's fastText aborts at random otherwise, peers.md).
  One training per model (fastText with 2 threads is not deterministic, so its accuracy moves by
  a few tenths from run to run).
- **MB**: the model file on disk, 10^6 bytes. fastText is the `.bin` or `.ftz`.
- **p50 / p99 µs, load ms**: single queries, one at a time, on {config['latency_queries']:,}
  queries (test.csv repeated); medians of {config['runs']} runs, interleaved over all the models.
  Switchboard: `switchboard bench MODEL QUERIES.csv --threads 1 --json`, in-process Swift (a warm-up
  pass, then single predictions timed for 2 s, timer overhead subtracted). fastText: one
  `model.predict` call per query from Python after 100 warm-up queries, so **its latency includes
  Python's call overhead**; its load time is `fasttext.load_model` alone.
- **file µs/q incl. load**: a {config['label_rows']:,}-row file (test.csv resampled with light
  perturbation), the whole process: `switchboard label MODEL IN.csv --output OUT.csv`, or Debian's
  `fasttext predict MODEL FILE 1` (lowercased text, one a line). Total time / rows, **model load
  included** (0.3–0.4 s for fastText's 800 MB `.bin`).
- **build s**: Switchboard, the whole `train` (or `compress`) process; fastText, `train_supervised`
  alone for the `.bin`, and the `quantize` call alone for an `.ftz` (on top of training the `.bin`).
- **vs float**: accuracy points (and p50 ratio) against the same system's float model.
- **RSS MB**: Switchboard's resident memory after load (`bench`); not measured for fastText.
"""


def dataset_section(name, data):
    records = data["models"]
    floats = {s: fig(float_record(records, s) or {}) for s in ("switchboard", "fasttext")}
    rows = []
    ordered = sorted(records, key=lambda r: (r.get("model_bytes") is None, r.get("model_bytes") or 0))
    for r in ordered:
        f, base = fig(r), floats[r["system"]]
        system = "**Switchboard**" if r["system"] == "switchboard" else "fastText"
        rows.append((system, label(r), setting(r), size_text(f["size"]), percent(f["accuracy"]),
                     points_delta(f["accuracy"], base["accuracy"]), percent(f["macro_f1"]),
                     number(f["p50"], 2), number(f["p99"], 2), times(f["p50"], base["p50"]),
                     number(f["load_ms"]), number(f["file_us"], 2), number(f["build_s"], 1),
                     number(f["rss_mb"])))
    text = (f"## {TITLES.get(name, name)}\n\n{data['train_rows']:,} training rows, {data['test_rows']:,} test rows, "
            f"{data['labels']} labels. Sorted by size.\n\n"
            + table(["system", "model", "setting", "MB", "accuracy %", "vs float, points", "macro-F1 %",
                     "p50 µs", "p99 µs", "p50 vs float", "load ms", "file µs/q incl. load", "build s",
                     "RSS MB"], rows))
    text += ("\nLatency: Switchboard in-process (`bench --threads 1`); fastText one `predict` call per "
             "query from Python, *including Python's call overhead*.\n")
    problems = []
    for r in records:
        for step, error in r.get("errors", {}).items():
            problems.append(f"- {r['system']} {label(r)} {step}: **failed**: {error}")
        for note in r.get("notes", []):
            problems.append(f"- {r['system']} {label(r)}: {note}")
    if problems:
        text += "\nErrors and notes:\n\n" + "\n".join(problems) + "\n"
    return text


def markdown(results):
    parts = [header(results), verdict_section(results), settings_section(results)]
    parts += [dataset_section(name, data) for name, data in results["datasets"].items()]
    env = dict(results["environment"])  # report.py's table says "at commit HEAD": say which build
    if env.get("switchboard_bin_after_commit"):
        env["git_commit"] = (f"{env.get('switchboard_bin_after_commit')} (built "
                             f"{env.get('switchboard_bin_built')}; the checkout is at {env.get('git_commit')})")
        env["git_dirty_sources"] = False
    parts.append(report.environment_section({**results, "environment": env}))
    return "\n".join(parts)


# --- compact.svg ------------------------------------------------------------------------------

COLORS = {"switchboard": "#1f5fbf", "fasttext": "#d9731a"}
TITLES = {"clinc150": "CLINC150", "snips": "SNIPS"}
SERIES = {"switchboard": "Switchboard", "fasttext": "fastText"}


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_step(span, count=6):
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def panel(name, data, x0, y0, width, height):
    """One dataset: accuracy % against log10 model size, one line per system."""
    points = [(r, fig(r)) for r in data["models"]]
    points = [(r, f) for r, f in points if f["size"] and f["accuracy"] is not None]
    left, right, top, bottom = 58, 14, 34, 46
    pw, ph = width - left - right, height - top - bottom
    out = [f'<g transform="translate({x0},{y0})">',
           f'<text x="{left + pw / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">'
           f'{escape(TITLES.get(name, name))} ({data["labels"]} labels, {data["test_rows"]:,} test queries)</text>']
    if not points:
        return out + ["</g>"]
    sizes = [f["size"] / 1e6 for _, f in points]
    lo, hi = math.log10(min(sizes)) - 0.25, math.log10(max(sizes)) + 0.25
    accs = [100 * f["accuracy"] for _, f in points]
    step = nice_step(max(accs) - min(accs) or 1)
    alo = math.floor((min(accs) - step / 2) / step) * step
    ahi = math.ceil((max(accs) + step / 3) / step) * step
    x = lambda mb: left + (math.log10(mb) - lo) / (hi - lo) * pw  # noqa: E731
    y = lambda acc: top + (ahi - acc) / (ahi - alo) * ph  # noqa: E731
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="white" stroke="#888"/>')
    for decade in range(math.floor(lo), math.ceil(hi) + 1):  # log grid: 1, 2, 5 per decade
        for m in (1, 2, 5):
            mb = m * 10 ** decade
            if not lo <= math.log10(mb) <= hi:
                continue
            xx = x(mb)
            out.append(f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" '
                       f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
            if m == 1:
                out.append(f'<text x="{xx:.1f}" y="{top + ph + 16}" text-anchor="middle" '
                           f'font-size="11">{mb:g}</text>')
    acc = alo
    while acc <= ahi + 1e-9:
        yy = y(acc)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11">{acc:g}</text>')
        acc += step
    if lo <= math.log10(SIZE_BAR / 1e6) <= hi:  # the 2 MB bar
        xx = x(SIZE_BAR / 1e6)
        out.append(f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" stroke="#a00" '
                   f'stroke-dasharray="5,4"/>')
        out.append(f'<text x="{xx + 4:.1f}" y="{top + 12}" font-size="11" fill="#a00">2 MB</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle" font-size="12">'
               f'model size on disk, MB (log scale)</text>')
    out.append(f'<text transform="translate(14,{top + ph / 2}) rotate(-90)" text-anchor="middle" '
               f'font-size="12">test accuracy %</text>')
    marks = [(x(f["size"] / 1e6), y(100 * f["accuracy"])) for _, f in points]
    taken = [(mx - 6, my - 6, mx + 6, my + 6) for mx, my in marks]  # markers, then labels
    shown = set()
    for system, color in COLORS.items():
        mine = sorted(((r, f) for r, f in points if r["system"] == system), key=lambda p: p[1]["size"])
        if not mine:
            continue
        path = " ".join(f"{x(f['size'] / 1e6):.1f},{y(100 * f['accuracy']):.1f}" for _, f in mine)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.8"/>')
        for r, f in mine:
            xx, yy = x(f["size"] / 1e6), y(100 * f["accuracy"])
            fill = "white" if r["float"] else color
            if system == "switchboard":
                out.append(f'<circle cx="{xx:.1f}" cy="{yy:.1f}" r="4.5" fill="{fill}" stroke="{color}" '
                           f'stroke-width="1.8"/>')
            else:
                out.append(f'<rect x="{xx - 4:.1f}" y="{yy - 4:.1f}" width="8" height="8" fill="{fill}" '
                           f'stroke="{color}" stroke-width="1.8"/>')
        for r, f in mine:
            text = plot_label(r)
            xx, yy = x(f["size"] / 1e6), y(100 * f["accuracy"])
            if (text, round(xx / 4), round(yy / 4)) in shown:
                continue  # the same model again (SNIPS: compress, 2MB and 1MB give one 2^15 model)
            shown.add((text, round(xx / 4), round(yy / 4)))
            box = place_label(text, xx, yy, taken, (left, top, left + pw, top + ph),
                              prefer_below=system == "switchboard")
            taken.append(box)
            out.append(f'<text x="{box[0]:.1f}" y="{box[3] - 2:.1f}" font-size="10.5" fill="{color}">'
                       f'{escape(text)}</text>')
    return out + ["</g>"]


def place_label(text, px, py, taken, frame, prefer_below):
    """A free spot for a point's label (left, top, right, bottom): the first of eight positions
    around the point that stays inside the frame and overlaps no marker or earlier label."""
    w, h = 6.4 * len(text), 12
    below, above = (py + 5, py + 5 + h), (py - 5 - h, py - 5)
    rows = (below, above) if prefer_below else (above, below)
    spots = [(px + 6, *rows[0]), (px - 6 - w, *rows[0]), (px + 6, *rows[1]), (px - 6 - w, *rows[1]),
             (px + 8, py - h / 2, py + h / 2), (px - 8 - w, py - h / 2, py + h / 2),
             (px + 6, rows[0][0] + h, rows[0][1] + h), (px - 6 - w, rows[0][0] + h, rows[0][1] + h)]
    boxes = [(x0, y0, x0 + w, y1) for x0, y0, y1 in spots]
    inside = [b for b in boxes if b[0] >= frame[0] + 2 and b[2] <= frame[2] - 2 and b[1] >= frame[1] + 2
              and b[3] <= frame[3] - 2]
    free = [b for b in inside if not any(b[0] < t[2] and t[0] < b[2] and b[1] < t[3] and t[1] < b[3]
                                         for t in taken)]
    return (free or inside or boxes)[0]


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def plot_label(record):
    if record["system"] == "switchboard":
        bits = record.get("bucket_bits")
        return ("float " if record["float"] else "int8 ") + (f"2{str(bits).translate(SUPERSCRIPT)}" if bits else "")
    return ".bin" if record["float"] else f".ftz {record['cutoff'] // 1000}k"


def svg(results):
    datasets = list(results["datasets"].items())
    width, height, foot = 560, 400, 50
    total = width * max(1, len(datasets))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{height + foot}" '
           f'viewBox="0 0 {total} {height + foot}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
           f'<rect width="{total}" height="{height + foot}" fill="white"/>']
    for i, (name, data) in enumerate(datasets):
        out += panel(name, data, i * width, 0, width, height)
    legend = [("switchboard", False, "Switchboard int8"), ("switchboard", True, "Switchboard float32"),
              ("fasttext", False, "fastText quantized .ftz"), ("fasttext", True, "fastText float .bin")]
    lx, ly = 60, height + 10
    for system, is_float, text in legend:
        color = COLORS[system]
        fill = "white" if is_float else color
        if system == "switchboard":
            out.append(f'<circle cx="{lx}" cy="{ly}" r="4.5" fill="{fill}" stroke="{color}" stroke-width="1.8"/>')
        else:
            out.append(f'<rect x="{lx - 4}" y="{ly - 4}" width="8" height="8" fill="{fill}" stroke="{color}" '
                       f'stroke-width="1.8"/>')
        out.append(f'<text x="{lx + 10}" y="{ly + 4}" font-size="12">{escape(text)}</text>')
        lx += 10 + 7.5 * len(text) + 28
    env = results["environment"]
    out.append(f'<text x="60" y="{height + 34}" font-size="10.5" fill="#555">'
               f'benchmarks/compact.py (make bench-compact), {escape(env["date"][:10])}, one run. '
               f'Point labels: Switchboard weights and hash buckets; fastText quantize cutoff. '
               f'Peer latency is not on this plot: see COMPACT.md.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- main -------------------------------------------------------------------------------------

def binary_facts(config, original):
    """When the measured binary was built, the last commit before that, and what Sources/ holds
    now that differs from that commit (work in progress the binary may not contain)."""
    built = os.path.getmtime(original)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(built))
    commit = run.output_of(["git", "-C", ROOT, "log", "-1", f"--before={int(built)}", "--format=%h"])
    changed = run.output_of(["git", "-C", ROOT, "diff", "--name-only", commit, "--", "Sources"]).split()
    untracked = run.output_of(["git", "-C", ROOT, "ls-files", "--others", "--exclude-standard",
                               "Sources"]).split()
    return {"switchboard_bin": os.path.relpath(original, ROOT), "switchboard_bin_built": stamp,
            "switchboard_bin_after_commit": commit,
            "sources_changed_since_that_commit": sorted(changed + untracked)}


def snapshot_binary(config):
    """Measure a copy: a colleague's `swift build` must not swap the binary in mid-run."""
    original = config["switchboard_bin"]
    copy = os.path.join(run.SCRATCH, "compact", "switchboard")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(original, copy)
    config["switchboard_bin"] = copy
    return original


def busy_processes():
    """Processes using a noticeable share of the CPU (and their nice value): who shared the machine."""
    text = run.output_of(["ps", "-eo", "ni=,pcpu=,comm=", "--sort=-pcpu"])
    busy = []
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].replace(".", "", 1).isdigit() and float(parts[1]) >= 20:
            busy.append(f"{parts[2]} (nice {parts[0]}, {parts[1]}% CPU)")
    return busy


def write(results, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compact.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(results, indent=1).replace(ROOT + "/", ""))
    with open(os.path.join(out, "COMPACT.md"), "w", encoding="utf-8") as f:
        f.write(markdown(results))
    with open(os.path.join(out, "compact.svg"), "w", encoding="utf-8") as f:
        f.write(svg(results))


def main(argv):
    config = configuration()
    out = config["out"]
    if argv == ["--report"]:
        with open(os.path.join(out, "compact.json"), encoding="utf-8") as f:
            results = json.load(f)
        write(results, out)
        print(f"rewrote {out}/COMPACT.md and compact.svg from compact.json")
        return
    if argv:
        sys.exit(__doc__)
    if not os.access(config["switchboard_bin"], os.X_OK):
        sys.exit(f"no Switchboard binary at {config['switchboard_bin']} (set SWITCHBOARD_BIN)")
    started = time.perf_counter()
    original = snapshot_binary(config)
    results = {"config": config, "environment": run.environment(config), "datasets": {}}
    results["environment"].update(binary_facts(config, original))
    settings = [f"{k}={os.environ[k]}" for k in sorted(os.environ) if k.startswith(("BENCH_", "COMPACT_"))
                or k in ("SWITCHBOARD_BIN", "DATASETS")]
    results["environment"]["command"] = " ".join(settings + [os.path.relpath(sys.executable, ROOT),
                                                             "benchmarks/compact.py"])
    results["environment"]["busy_processes_start"] = busy_processes()
    for name in config["datasets"]:
        files = run.dataset_files(config, name)
        if not files:
            print(f"== {name}: not found, skipped", flush=True)
            continue
        results["datasets"][name] = measure_dataset(config, name, *files)
    results["environment"]["load_average_end"] = os.getloadavg()
    results["environment"]["busy_processes_end"] = busy_processes()
    results["environment"]["total_minutes"] = (time.perf_counter() - started) / 60
    write(results, out)
    print("\n".join(verdict_lines(results)))
    print(f"wrote {out}/COMPACT.md, compact.json and compact.svg "
          f"({results['environment']['total_minutes']:.1f} min)")


if __name__ == "__main__":
    main(sys.argv[1:])
