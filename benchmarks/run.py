#!/usr/bin/env python3
"""Switchboard against fastText and scikit-learn, on the same data and workloads: `make bench`.

Standard library only. Peers run through peers.py with the benchmark virtualenv's Python, every
measurement in a fresh process. Writes benchmarks/results.json (raw figures) and
benchmarks/RESULTS.md (tables). benchmarks/README.md explains the measures and the settings.

Environment (all optional):
  SWITCHBOARD_BIN        the binary to measure (default .build/release/switchboard)
  BENCH_PYTHON           Python with the peers installed (default benchmarks/.venv/bin/python)
  DATASETS               folder holding clinc150/ and snips/ (default ../shared/datasets)
  BENCH_DATASETS         comma-separated subset of clinc150,snips,demo (default: what exists)
  BENCH_SYSTEMS          comma-separated subset of the systems (default: all)
  BENCH_RUNS             repetitions of each timing, reported as the median (default 3)
  BENCH_LABEL_ROWS       rows of the batch-labeling file (default 100000)
  BENCH_LATENCY_QUERIES  single queries timed per latency run (default 5000)
  BENCH_SCALING          Switchboard scaling sizes, or "none" (default 10000,100000,1000000)
  BENCH_SCALING_FASTTEXT fastText strong scaling sizes, or "none" (default 10000,100000)
  BENCH_SCALING_THREADS  extra --threads counts each scaling size is trained with, to time them and
                         compare the model bytes with the default run's, or "none" (default 1)
  BENCH_SCALING_SEQUENTIAL=0  skip the sequential trainer (--shards 1) at each scaling size
  BENCH_OUT              where RESULTS.md and results.json go (default benchmarks/, or
                         benchmarks/out/quick/ with BENCH_QUICK=1)
  BENCH_QUICK=1          a small development run: 1 run, 10k label rows, 1000 queries, 10k scaling
"""

import csv
import datetime
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

import report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRATCH = os.path.join(HERE, "out")  # git-ignored: data files and models of this run

SWITCHBOARD = "switchboard"
FASTTEXT_SYSTEMS = ("fasttext-default", "fasttext-strong")
SKLEARN_SYSTEMS = ("sklearn-default", "sklearn-tfidf-linearsvc", "sklearn-hashed-logreg",
                   "sklearn-hashed-sgd")
SYSTEMS = (SWITCHBOARD,) + FASTTEXT_SYSTEMS + SKLEARN_SYSTEMS
DATASETS = ("clinc150", "snips", "demo")  # demo = the project's own Data/, the fallback

SLOW_RUN_SECONDS = 60      # a training run slower than this is done once, not BENCH_RUNS times
COMMAND_TIMEOUT = 1800     # seconds before a hung measurement is abandoned (recorded as an error)
PERTURB_SEED = 20261124    # fixed: every run resamples the same scaling and labeling files


class BenchError(Exception):
    """A measurement that failed; recorded in the results instead of stopping the run."""


# --- configuration ----------------------------------------------------------------------------

def env_list(name, default):
    value = os.environ.get(name, default)
    if value.strip().lower() in ("", "none", "0"):
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def configuration():
    quick = os.environ.get("BENCH_QUICK") == "1"
    config = {
        "switchboard_bin": os.environ.get("SWITCHBOARD_BIN", ".build/release/switchboard"),
        "python": os.environ.get("BENCH_PYTHON", os.path.join(HERE, ".venv", "bin", "python")),
        "datasets_dir": os.environ.get("DATASETS", os.path.join(ROOT, "..", "shared", "datasets")),
        "datasets": env_list("BENCH_DATASETS", ",".join(DATASETS)),
        "systems": env_list("BENCH_SYSTEMS", ",".join(SYSTEMS)),
        "runs": int(os.environ.get("BENCH_RUNS", "1" if quick else "3")),
        "label_rows": int(os.environ.get("BENCH_LABEL_ROWS", "10000" if quick else "100000")),
        "latency_queries": int(os.environ.get("BENCH_LATENCY_QUERIES",
                                              "1000" if quick else "5000")),
        "scaling": [int(n) for n in env_list("BENCH_SCALING",
                                             "10000" if quick else "10000,100000,1000000")],
        "scaling_fasttext": [int(n) for n in env_list("BENCH_SCALING_FASTTEXT",
                                                      "10000" if quick else "10000,100000")],
        "scaling_threads": [int(n) for n in env_list("BENCH_SCALING_THREADS", "1")],
        "scaling_sequential": os.environ.get("BENCH_SCALING_SEQUENTIAL", "1") != "0",
        # A quick run never overwrites the full run's RESULTS.md.
        "out": os.environ.get("BENCH_OUT", os.path.join(SCRATCH, "quick") if quick else HERE),
        "quick": quick,
    }
    config["switchboard_bin"] = os.path.abspath(os.path.join(ROOT, config["switchboard_bin"]))
    unknown = set(config["systems"]) - set(SYSTEMS)
    if unknown:
        sys.exit(f"unknown BENCH_SYSTEMS {sorted(unknown)}; known: {', '.join(SYSTEMS)}")
    return config


def dataset_files(config, name):
    """(train.csv, test.csv) of a dataset, or None when it is not there."""
    folder = os.path.join(ROOT, "Data") if name == "demo" else os.path.join(config["datasets_dir"], name)
    files = (os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv"))
    return files if all(os.path.isfile(f) for f in files) else None


def chosen_datasets(config):
    """The requested datasets that exist; Data/ only when no public dataset is there."""
    found = {name: dataset_files(config, name) for name in config["datasets"]}
    found = {name: files for name, files in found.items() if files}
    if "demo" in found and len(found) > 1 and "BENCH_DATASETS" not in os.environ:
        del found["demo"]
    return found


# --- processes --------------------------------------------------------------------------------

def peer_environment():
    """The machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for Debian's older OpenBLAS; they force
    numpy's newer bundled OpenBLAS onto slower kernels, so the Python peers run without them (the
    results record the kernel numpy then picks). Switchboard keeps the machine's environment."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run(command, env=None, stdin=None, stdout=subprocess.PIPE):
    """Run a command; return (wall seconds, stdout text). Raise BenchError when it fails.
    The CPU seconds (user + system, all threads) it used go to LAST_CPU_SECONDS."""
    global LAST_CPU_SECONDS
    cpu_before = children_cpu_seconds()
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, stdin=stdin, stdout=stdout,
                              stderr=subprocess.PIPE, timeout=COMMAND_TIMEOUT, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BenchError(f"{os.path.basename(command[0])}: {error}") from None
    seconds = time.perf_counter() - start
    LAST_CPU_SECONDS = children_cpu_seconds() - cpu_before
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"`{' '.join(os.path.basename(c) for c in command[:3])}` exited "
                         f"{done.returncode}: {' / '.join(tail)}")
    return seconds, (done.stdout or b"").decode(errors="replace")


LAST_CPU_SECONDS = None


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_json(command, env=None):
    """Run a command printing one JSON object; return (wall seconds, the object)."""
    seconds, text = run(command, env=env)
    try:
        return seconds, json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"no JSON from `{' '.join(command[:3])}`: {text[:200]!r}") from None


def peer(config, *arguments):
    """One peers.py command in a fresh Python process; returns its JSON object."""
    command = [config["python"], os.path.join(HERE, "peers.py"), *arguments]
    return run_json(command, env=peer_environment())[1]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def medians(runs):
    """Median of every numeric field over the runs."""
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float))] if runs else []
    return {k: median([r.get(k) for r in runs]) for k in keys}


# --- data files -------------------------------------------------------------------------------

def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["text"], r.get("label")) for r in csv.DictReader(f)]


def write_rows(path, rows, header=("text", "label")):
    """A CSV file; rows are (text, label) pairs, or only their texts with header ("text",)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(row[:len(header)] for row in rows)


# Light perturbation, per word: drop it, say it twice, or swap two neighbouring letters inside
# it. Enough that resampled rows are not copies, small enough that the label still holds.
DROP_WORD, DOUBLE_WORD, SWAP_LETTERS = 0.08, 0.05, 0.08


def perturb(text, rng):
    words = []
    for word in text.split():
        roll = rng.random()
        if roll < DROP_WORD:
            continue
        if roll < DROP_WORD + DOUBLE_WORD:
            words += [word, word]
        elif roll < DROP_WORD + DOUBLE_WORD + SWAP_LETTERS and len(word) >= 4:
            i = rng.randrange(1, len(word) - 2)
            words.append(word[:i] + word[i + 1] + word[i] + word[i + 2:])
        else:
            words.append(word)
    return " ".join(words) or text  # never empty: an empty text is a data error


def resample(rows, count, seed):
    """`count` rows drawn with replacement from `rows`, each lightly perturbed; deterministic."""
    rng = random.Random(seed)
    return [(perturb(text, rng), label) for text, label in (rng.choice(rows) for _ in range(count))]


def prepare_dataset(config, name, train, test):
    """Scratch files for one dataset: latency queries, the batch-labeling file (CSV and, for
    fastText's command line, one lowercased text a line)."""
    folder = os.path.join(SCRATCH, name)
    os.makedirs(folder, exist_ok=True)
    test_rows = read_rows(test)
    queries = [test_rows[i % len(test_rows)] for i in range(config["latency_queries"])]
    label_rows = resample(test_rows, config["label_rows"], PERTURB_SEED)
    files = {"train": train, "test": test, "folder": folder,
             "queries": os.path.join(folder, "queries.csv"),
             "label_csv": os.path.join(folder, "label.csv"),
             "label_txt": os.path.join(folder, "label.txt")}
    write_rows(files["queries"], queries)
    write_rows(files["label_csv"], label_rows, header=("text",))  # to label: texts only
    with open(files["label_txt"], "w", encoding="utf-8") as f:
        f.writelines(" ".join(text.lower().split()) + "\n" for text, _ in label_rows)
    return files


# --- Switchboard ------------------------------------------------------------------------------

def switchboard_train(config, train, model):
    """Whole `train` process, timed from outside; also its own JSON (elapsed_seconds, output_bytes)."""
    seconds, out = run_json([config["switchboard_bin"], "train", train, "--output", model, "--json"])
    return {"train_seconds": seconds, "train_cpu_seconds": LAST_CPU_SECONDS,
            "train_seconds_reported": out.get("elapsed_seconds"),
            "model_bytes": out.get("output_bytes") or os.path.getsize(model),
            "examples": out.get("example_count")}


def switchboard_train_variant(config, train, model, extra):
    """`train` with extra options (--threads N, --shards 1): wall seconds and the model's md5."""
    seconds, _ = run_json([config["switchboard_bin"], "train", train, "--output", model, "--json", *extra])
    with open(model, "rb") as f:
        return {"train_seconds": seconds, "train_cpu_seconds": LAST_CPU_SECONDS,
                "md5": hashlib.md5(f.read()).hexdigest()}


def switchboard_evaluate(config, model, test):
    _, out = run_json([config["switchboard_bin"], "evaluate", model, test, "--json"])
    return {"accuracy": out["accuracy"], "macro_f1": out["macro_f1"]}


def bench_figures(out):
    """`bench --json` (seconds, see the README's "JSON output") in the units the peers report."""
    renamed = {"load_ms": ("load_seconds", 1e3), "p50_us": ("latency_p50_seconds", 1e6),
               "p90_us": ("latency_p90_seconds", 1e6), "p99_us": ("latency_p99_seconds", 1e6),
               "p999_us": ("latency_p999_seconds", 1e6), "max_us": ("latency_max_seconds", 1e6),
               "mean_us": ("latency_mean_seconds", 1e6)}
    figures = dict(out)
    for old, (new, scale) in renamed.items():
        if new in out:
            figures[old] = out[new] * scale
    if "query_count" in out:
        figures["queries"] = out["query_count"]
    return figures


def switchboard_latency(config, model, queries):
    return bench_figures(run_json([config["switchboard_bin"], "bench", model, queries, "--json"])[1])


def switchboard_label(config, model, input_csv, output):
    """Whole `label` process (start, model load, read, label, write), timed from outside.
    Falls back to `predict` fed on stdin when there is no `label` subcommand yet."""
    rows = count_rows(input_csv)
    if has_subcommand(config, "label"):
        seconds, _ = run([config["switchboard_bin"], "label", model, input_csv, "--output", output])
        method = "label"
    else:
        with open(text_lines(input_csv), "rb") as lines, open(output, "wb") as out:
            seconds, _ = run([config["switchboard_bin"], "predict", model], stdin=lines, stdout=out)
        method = "predict (stdin; no `label` subcommand in this binary)"
    return {"rows": rows, "seconds": seconds, "queries_per_second": rows / seconds,
            "method": method}


def text_lines(input_csv):
    """The texts of a CSV file, one a line (for `predict` on stdin), written once beside it."""
    path = input_csv + ".lines.txt"
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(" ".join(text.split()) + "\n" for text, _ in read_rows(input_csv))
    return path


_SUBCOMMANDS = {}


def has_subcommand(config, name):
    if not _SUBCOMMANDS:
        _, text = run([config["switchboard_bin"], "--help"])
        _SUBCOMMANDS.update({m.group(1): True for m in re.finditer(r"^\s{2}(\w+)\s", text, re.M)})
    return name in _SUBCOMMANDS


def count_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


# --- one system on one dataset ----------------------------------------------------------------

def attempt(record, step, function, *arguments):
    """Run one measurement; on failure record the error under record["errors"][step]."""
    try:
        return function(*arguments)
    except Exception as error:  # noqa: BLE001: any failure of one measurement is recorded, not fatal
        if not isinstance(error, BenchError):
            error = f"{type(error).__name__}: {error}"
        record.setdefault("errors", {})[step] = str(error)
        print(f"    {step}: FAILED: {error}", flush=True)
        return None


def repeated(config, record, step, function, *arguments):
    """`runs` repetitions (one when the first takes over SLOW_RUN_SECONDS): runs and medians."""
    runs = []
    for _ in range(config["runs"]):
        result = attempt(record, step, function, *arguments)
        if result is None:
            break
        runs.append(result)
        if result.get("train_seconds", 0) > SLOW_RUN_SECONDS:
            record.setdefault("notes", []).append(
                f"{step}: one run only (the first took {result['train_seconds']:.0f} s "
                f"> {SLOW_RUN_SECONDS} s)")
            break
    if runs:
        record[step] = {"runs": runs, "median": medians(runs)}
    return runs


def measure_switchboard(config, files, record):
    model = os.path.join(files["folder"], "switchboard.model")
    train = lambda: switchboard_train(config, files["train"], model)  # noqa: E731
    if not repeated(config, record, "train", train):
        return
    record["model_bytes"] = record["train"]["median"]["model_bytes"]
    quality = attempt(record, "evaluate", switchboard_evaluate, config, model, files["test"])
    if quality:
        record["quality"] = quality
    if attempt(record, "latency", has_subcommand, config, "bench") is False:
        record.setdefault("errors", {})["latency"] = "this binary has no `bench` subcommand yet"
    else:
        repeated(config, record, "latency", switchboard_latency, config, model, files["queries"])
    output = os.path.join(files["folder"], "switchboard.labels.csv")
    repeated(config, record, "label", switchboard_label, config, model, files["label_csv"], output)


def measure_peer(config, system, files, record):
    prefix = os.path.join(files["folder"], system)
    runs = repeated(config, record, "train", peer, config, "train", system, files["train"],
                    files["test"], prefix)
    if not runs:
        return
    model = runs[-1]["model"]
    record["model_bytes"] = runs[-1]["model_bytes"]
    record["quality"] = {k: median([r[k] for r in runs]) for k in ("accuracy", "macro_f1")}
    warnings = sorted({w for r in runs for w in r.get("warnings", [])})
    if warnings:
        record["warnings"] = warnings
    repeated(config, record, "latency", peer, config, "latency", system, model, files["queries"])
    repeated(config, record, "label", peer, config, "label", system, model, files["label_csv"],
             f"{prefix}.labels.txt")
    if system in FASTTEXT_SYSTEMS:
        measure_fasttext_cli(config, files, model, record)


def fasttext_cli_predict(binary, model, lines, output):
    """Debian's fastText command line on a file: process start, model load and every line."""
    with open(lines, encoding="utf-8") as f:
        rows = sum(1 for _ in f)
    with open(output, "wb") as out:
        seconds, _ = run([binary, "predict", model, lines, "1"], stdout=out)
    return {"rows": rows, "seconds": seconds, "queries_per_second": rows / seconds,
            "us_per_query_including_load": seconds / rows * 1e6}


def measure_fasttext_cli(config, files, model, record):
    binary = shutil.which("fasttext")
    if not binary:
        record.setdefault("errors", {})["cli"] = ("no `fasttext` command (Debian package "
                                                 "`fasttext`): command-line figures skipped")
        return
    output = model + ".cli-labels.txt"
    repeated(config, record, "cli", fasttext_cli_predict, binary, model, files["label_txt"], output)


def measure_dataset(config, name, train, test):
    print(f"== {name}", flush=True)
    files = prepare_dataset(config, name, train, test)
    results = {"files": {k: os.path.relpath(v, ROOT) for k, v in files.items()},
               "train_rows": count_rows(train), "test_rows": count_rows(test), "systems": {}}
    for system in config["systems"]:
        print(f"  {system}", flush=True)
        record = results["systems"][system] = {}
        if system == SWITCHBOARD:
            measure_switchboard(config, files, record)
        else:
            measure_peer(config, system, files, record)
        remove_models(files["folder"], system)
        print(f"    {summary_line(record)}", flush=True)
    return results


def remove_models(folder, system):
    """fastText strong's .bin is 800 MB: keep no model once its system is measured."""
    for entry in os.listdir(folder):
        if entry.startswith(system + ".") or entry.startswith(system + "-"):
            os.remove(os.path.join(folder, entry))


def summary_line(record):
    quality = record.get("quality", {})
    train = record.get("train", {}).get("median", {})
    latency = record.get("latency", {}).get("median", {})
    return (f"accuracy {quality.get('accuracy')}, train {train.get('train_seconds')} s, "
            f"p50 {latency.get('p50_us')} µs, errors {list(record.get('errors', {}))}")


# --- scaling ----------------------------------------------------------------------------------

def measure_variants(config, record, data, model, test):
    """The default run's model md5 and validation accuracy; the same data trained on other thread
    counts (time, same bytes?) and by the sequential trainer (time, test and val accuracy)."""
    with open(model, "rb") as f:
        record["md5"] = hashlib.md5(f.read()).hexdigest()
    val = os.path.join(os.path.dirname(test), "val.csv")
    has_val = os.path.exists(val)
    if has_val:
        record["val_quality"] = attempt(record, "evaluate val", switchboard_evaluate, config, model, val)
    other = model + ".variant"
    for threads in config["scaling_threads"]:
        result = attempt(record, f"train threads {threads}", switchboard_train_variant, config, data, other,
                         ["--threads", str(threads)])
        if result:
            result["same_bytes"] = result.pop("md5") == record["md5"]
            record.setdefault("threads", {})[str(threads)] = result
    if config["scaling_sequential"]:
        result = attempt(record, "train sequential", switchboard_train_variant, config, data, other, ["--shards", "1"])
        if result:
            result.pop("md5")
            result["quality"] = attempt(record, "evaluate sequential", switchboard_evaluate, config, other, test)
            if has_val:
                result["val_quality"] = attempt(record, "evaluate sequential val", switchboard_evaluate, config,
                                                other, val)
            record["sequential"] = result
    if os.path.exists(other):
        os.remove(other)


def measure_scaling(config, train, test):
    """Switchboard's train time and labeling throughput on resampled CLINC150 train (and fastText
    strong's train time), one run per size: the point is how cost grows with rows."""
    print("== scaling", flush=True)
    folder = os.path.join(SCRATCH, "scaling")
    rows = read_rows(train)
    results = {"switchboard": {}, "fasttext-strong": {}}
    if SWITCHBOARD in config["systems"] and (config["scaling_threads"] or config["scaling_sequential"]):
        # CLINC150 train.csv itself, not resampled: the threads table's first row.
        record = results["switchboard_train_csv"] = {}
        model = os.path.join(folder, "switchboard-train-csv.model")
        os.makedirs(folder, exist_ok=True)
        trained = attempt(record, "train", switchboard_train, config, train, model)
        if trained:
            record.update(trained)
            record["quality"] = attempt(record, "evaluate", switchboard_evaluate, config, model, test)
            measure_variants(config, record, train, model, test)
            os.remove(model)
        print(f"  switchboard train.csv: {record}", flush=True)
    for size in sorted(set(config["scaling"]) | set(config["scaling_fasttext"])):
        data = os.path.join(folder, f"train-{size}.csv")
        texts = os.path.join(folder, f"texts-{size}.csv")  # the same rows to label: texts only
        resampled = resample(rows, size, PERTURB_SEED + size)
        write_rows(data, resampled)
        write_rows(texts, resampled, header=("text",))
        if size in config["scaling"] and SWITCHBOARD in config["systems"]:
            record = results["switchboard"][str(size)] = {}
            model = os.path.join(folder, f"switchboard-{size}.model")
            trained = attempt(record, "train", switchboard_train, config, data, model)
            if trained:
                record.update(trained)
                record["quality"] = attempt(record, "evaluate", switchboard_evaluate, config,
                                            model, test)
                labeled = attempt(record, "label", switchboard_label, config, model, texts,
                                  os.path.join(folder, "labels.csv"))
                record["label"] = labeled
                measure_variants(config, record, data, model, test)
            print(f"  switchboard {size}: {record}", flush=True)
        if size in config["scaling_fasttext"] and "fasttext-strong" in config["systems"]:
            record = results["fasttext-strong"][str(size)] = {}
            trained = attempt(record, "train", peer, config, "train", "fasttext-strong", data,
                              test, os.path.join(folder, "fasttext-strong"))
            if trained:
                record.update(trained)
            print(f"  fasttext-strong {size}: {record}", flush=True)
        remove_models(folder, "fasttext-strong")
        leftovers = (data, texts, texts + ".lines.txt", os.path.join(folder, "labels.csv"),
                     os.path.join(folder, f"switchboard-{size}.model"))
        for path in leftovers:
            if os.path.exists(path):
                os.remove(path)
    return results


# --- environment ------------------------------------------------------------------------------

def output_of(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    return (f"{fields.get('model name', '?')} (vendor {fields.get('vendor_id', '?')}, "
            f"family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})")


def os_name():
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            release = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        return f"{release.get('PRETTY_NAME', '?').strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        return platform.platform()


def environment(config):
    alternatives = output_of(["update-alternatives", "--display", "libblas.so.3-x86_64-linux-gnu"])
    linked = output_of(["ldd", config["switchboard_bin"]])
    info = {}
    try:
        info = peer(config, "info")
    except BenchError as error:
        info = {"error": str(error)}
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(), "cores": os.cpu_count(), "os": os_name(),
        "swift": output_of(["swift", "--version"]).splitlines()[0:1],
        "git_commit": output_of(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "git_dirty_sources": bool(output_of(["git", "-C", ROOT, "status", "--porcelain", "Sources"])),
        "switchboard_bin": os.path.relpath(config["switchboard_bin"], ROOT),
        "blas_alternative": next((l.strip() for l in alternatives.splitlines()
                                  if "currently points" in l), alternatives[:200]),
        "switchboard_blas_libraries": [l.split("=>")[0].strip() for l in linked.splitlines()
                                       if "blas" in l.lower() or "lapack" in l.lower()],
        "openblas_environment": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE",
                                 "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS") if k in os.environ},
        "peers": info,
        "fasttext_cli": output_of(["dpkg-query", "-W", "-f", "${Version}", "fasttext"]) or None,
        "load_average_start": os.getloadavg(),
    }


# --- main -------------------------------------------------------------------------------------

def main():
    config = configuration()
    if not os.access(config["switchboard_bin"], os.X_OK):
        sys.exit(f"no Switchboard binary at {config['switchboard_bin']} (set SWITCHBOARD_BIN)")
    started = time.perf_counter()
    os.makedirs(SCRATCH, exist_ok=True)
    results = {"config": config, "environment": environment(config), "datasets": {}}
    datasets = chosen_datasets(config)
    if not datasets:
        sys.exit(f"none of {config['datasets']} found (DATASETS={config['datasets_dir']})")
    for name, (train, test) in datasets.items():
        results["datasets"][name] = measure_dataset(config, name, train, test)
    clinc = dataset_files(config, "clinc150")
    if clinc and (config["scaling"] or config["scaling_fasttext"]):
        results["scaling"] = measure_scaling(config, *clinc)
    results["environment"]["load_average_end"] = os.getloadavg()
    results["environment"]["total_minutes"] = (time.perf_counter() - started) / 60
    os.makedirs(config["out"], exist_ok=True)
    with open(os.path.join(config["out"], "results.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(results, indent=1).replace(ROOT + "/", ""))  # paths relative to the repo
    with open(os.path.join(config["out"], "RESULTS.md"), "w", encoding="utf-8") as f:
        f.write(report.markdown(results))
    print(f"wrote {config['out']}/RESULTS.md and results.json "
          f"({results['environment']['total_minutes']:.1f} min)")


if __name__ == "__main__":
    main()
