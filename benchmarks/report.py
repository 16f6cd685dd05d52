"""RESULTS.md from the raw figures run.py collects (results.json has the same figures)."""

SWITCHBOARD = "switchboard"

SETTINGS = {
    "switchboard": "defaults (`switchboard train TRAIN.csv --output M`; 2 threads = the active "
                   "processors)",
    "fasttext-default": "fastText defaults: epoch 5, lr 0.1 (dim 100, word unigrams, no "
                        "subwords), thread 2",
    "fasttext-strong": "epoch 50, lr 1.0, wordNgrams 2, minn 3, maxn 5, dim 100, bucket 2M, "
                       "thread 2",
    "sklearn-default": "TfidfVectorizer() + LogisticRegression(), all defaults",
    "sklearn-tfidf-linearsvc": "TfidfVectorizer word 1-2 + char_wb 2-5 (FeatureUnion) + "
                               "LinearSVC(C=3)",
    "sklearn-hashed-logreg": "HashingVectorizer 2^18 (word 1-2 + char_wb 2-5 in one space) + "
                             "TfidfTransformer + LogisticRegression(saga, C=10)",
    "sklearn-hashed-sgd": "the same hashed features + SGDClassifier(log_loss, alpha=1e-5, "
                          "n_jobs=2)",
}

# The targets for Switchboard on CLINC150 with default options.
TARGET_P50_US = 5
TARGET_P99_US = 25
TARGET_LOAD_MS = 20


# --- formatting -------------------------------------------------------------------------------

def number(value, digits=1):
    if value is None:
        return "—"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def percent(value):
    return "—" if value is None else f"{100 * value:.2f}"


def ratio(ours, theirs):
    if ours is None or theirs in (None, 0):
        return "—"
    r = ours / theirs
    return f"{r:.2g}×" if r < 0.1 else f"{r:.2f}×"


def cores(cpu_seconds, wall_seconds):
    """CPU time over wall time: how many cores a run kept busy on average."""
    if cpu_seconds is None or not wall_seconds:
        return "—"
    return f"{cpu_seconds / wall_seconds:.1f}"


def megabytes(size):
    return None if size is None else size / 1e6


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def get(record, *path):
    """record[path[0]][path[1]]..., or None where any step is missing."""
    for key in path:
        if not isinstance(record, dict) or key not in record:
            return None
        record = record[key]
    return record


# --- figures of one system --------------------------------------------------------------------

def figures(record):
    """The headline figures of one system on one dataset (None where not measured)."""
    return {
        "accuracy": get(record, "quality", "accuracy"),
        "macro_f1": get(record, "quality", "macro_f1"),
        "train_s": get(record, "train", "median", "train_seconds"),
        "train_runs": len(get(record, "train", "runs") or []),
        "train_cpu_s": get(record, "train", "median", "train_cpu_seconds"),
        "size": record.get("model_bytes"),
        "load_ms": get(record, "latency", "median", "load_ms"),
        "p50": get(record, "latency", "median", "p50_us"),
        "p99": get(record, "latency", "median", "p99_us"),
        "label_qps": get(record, "label", "median", "queries_per_second"),
        "cli_us": get(record, "cli", "median", "us_per_query_including_load"),
        "cli_qps": get(record, "cli", "median", "queries_per_second"),
    }


# --- sections ---------------------------------------------------------------------------------

def header_section(results):
    env = results["environment"]
    config = results["config"]
    quick = "\n**Development run (BENCH_QUICK=1): fewer runs and rows; not the figures to quote.**\n" \
        if config.get("quick") else ""
    start, end = env.get("load_average_start"), env.get("load_average_end")
    return f"""# Switchboard against fastText and scikit-learn

Made by `make bench` (benchmarks/run.py) on {env['date']}, in {number(env.get('total_minutes'))} min.
Timings are medians of {config['runs']} runs unless a row says otherwise. The machine was shared:
other processes (colleagues' builds and tests) may have been running during the measurements, so
timings can be noisy (peers.md saw up to 2x for fastText, ~25% for the rest). Load average (1, 5,
15 min) at the start {fmt_load(start)}, at the end {fmt_load(end)}.
{quick}"""


def fmt_load(load):
    return "—" if not load else " / ".join(f"{x:.2f}" for x in load)


def environment_section(results):
    env = results["environment"]
    peers = env.get("peers", {})
    blas = peers.get("blas", [])
    numpy_blas = "; ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}"
                           f" kernel, {b.get('num_threads')} threads)" for b in blas
                           if b.get("user_api") == "blas") or "—"
    rows = [
        ("CPU", env["cpu"]), ("cores", env["cores"]), ("OS", env["os"]),
        ("Swift", " ".join(env.get("swift") or ["—"])),
        ("Switchboard", f"`{env['switchboard_bin']}` at commit {env.get('git_commit')}"
                        + (" (Sources/ had uncommitted changes)" if env.get("git_dirty_sources") else "")),
        ("Switchboard's BLAS", f"{env.get('blas_alternative')}; links "
                               f"{', '.join(env.get('switchboard_blas_libraries') or [])}; run with "
                               f"{env.get('openblas_environment') or 'no OPENBLAS_* variables'}"),
        ("Python", peers.get("python", peers.get("error", "—"))),
        ("peers (pip)", ", ".join(f"{k} {peers[k]}" for k in ("scikit-learn", "fasttext-numpy2",
                                                               "numpy", "scipy", "joblib") if k in peers)),
        ("numpy/scipy BLAS", numpy_blas + "; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for the "
                                          "Python peers (they force slower kernels on numpy's newer "
                                          "OpenBLAS)"),
        ("fastText command line", f"Debian `fasttext` {env['fasttext_cli']}" if env.get("fasttext_cli")
         else "not installed"),
    ]
    return "## Environment\n\n" + table(["", ""], rows)


def settings_section(results):
    config = results["config"]
    rows = [(f"`{s}`", SETTINGS[s]) for s in config["systems"]]
    return f"""## Settings and measures

The same settings on every dataset (chosen on CLINC150 val.csv only, shared/notes/peers.md).
Every model is trained in a fresh process.

{table(["system", "setting"], rows)}
- **train s**: wall time of the whole training call. Switchboard: the whole `switchboard train`
  process (start, CSV parsing, training, writing the model). Peers: `fit` / `train_supervised`
  alone, in an already started Python with the data in memory.
- **train cores**: CPU time (user + system, all threads) over wall time while training: near 2
  means both cores were busy, near 1 that the run was effectively single-threaded.
- **accuracy, macro-F1** on test.csv (macro-F1 over the union of true and predicted labels, as
  scikit-learn and `switchboard evaluate` compute it). Runs that differ (fastText with 2 threads
  is not deterministic) are reported as the median.
- **model MB**: the file on disk: Switchboard's model, fastText's `.bin`, scikit-learn's fitted
  pipeline written with `joblib.dump` (uncompressed).
- **load ms, p50/p99 µs**: single queries, one at a time, over {config['latency_queries']} queries
  (test.csv repeated). Switchboard: `switchboard bench MODEL QUERIES.csv` with its defaults,
  in-process Swift: load (open, validate, one prediction), a warm-up pass, then single
  predictions timed for 2 s over repeated passes of the same queries, timer overhead subtracted.
  Python peers: one pass, after 100 untimed warm-up queries, one `predict` call per query timed
  from Python, so **their latency includes Python's call overhead** (and, for scikit-learn, the
  pipeline's input checks); it is what a Python service would see, not the bare model. Their load
  time is the model load alone (libraries already imported).
- **label q/s**: labeling a {config['label_rows']:,}-row file (test.csv resampled with light
  perturbation), file to file, including the model load. Switchboard: the whole `switchboard label`
  process. Python peers: load, read the CSV, one `predict` call on the whole list, write the labels,
  inside an already started Python (interpreter start and imports not counted).
- **fastText CLI**: Debian's `fasttext predict MODEL.bin FILE 1` on the same file (lowercased, one
  text a line): the whole process, so the per-query time includes loading the model.
"""


def dataset_section(name, data):
    systems = data["systems"]
    figs = {s: figures(r) for s, r in systems.items()}
    rows = []
    for system, f in figs.items():
        runs = f["train_runs"]
        rows.append((f"`{system}`", percent(f["accuracy"]), percent(f["macro_f1"]),
                     number(f["train_s"], 2) + ("" if runs in (0, 3) else f" ({runs} run{'s' * (runs > 1)})"),
                     cores(f["train_cpu_s"], f["train_s"]),
                     number(megabytes(f["size"])), number(f["load_ms"]), number(f["p50"]),
                     number(f["p99"]), number(f["label_qps"], 0)))
    text = (f"## {name}\n\n{data['train_rows']:,} training rows, {data['test_rows']:,} test rows.\n\n"
            + table(["system", "accuracy %", "macro-F1 %", "train s", "train cores", "model MB", "load ms",
                     "p50 µs", "p99 µs", "label q/s"], rows))
    text += ("\nLatency: Switchboard in-process (`switchboard bench`); peers one call per query "
             "from Python, *including Python call overhead*.\n")
    text += ratio_table(figs)
    text += label_details(systems)
    text += cli_details(figs)
    text += problems(systems)
    return text


def ratio_table(figs):
    ours = figs.get(SWITCHBOARD)
    if not ours:
        return ""
    rows = []
    for system, f in figs.items():
        if system == SWITCHBOARD:
            continue
        accuracy = None if None in (ours["accuracy"], f["accuracy"]) else 100 * (ours["accuracy"] - f["accuracy"])
        rows.append((f"`{system}`", ratio(ours["train_s"], f["train_s"]), ratio(ours["p50"], f["p50"]),
                     ratio(ours["p99"], f["p99"]), ratio(ours["size"], f["size"]),
                     ratio(ours["label_qps"], f["label_qps"]),
                     "—" if accuracy is None else f"{accuracy:+.2f}"))
    return ("\nSwitchboard / peer (below 1× Switchboard is faster or smaller; for label q/s above "
            "1× Switchboard is faster; accuracy in points, Switchboard minus peer):\n\n"
            + table(["peer", "train time", "p50", "p99", "model size", "label q/s", "accuracy"], rows))


def label_details(systems):
    rows = []
    for system, record in systems.items():
        m = get(record, "label", "median")
        if not m:
            continue
        method = get(record, "label", "runs")[0].get("method", "")
        rows.append((f"`{system}`", f"{int(m['rows']):,}", number(m["seconds"], 2),
                     number(m.get("load_seconds"), 2), number(m.get("queries_per_second"), 0),
                     number(m.get("queries_per_second_predict_only"), 0), method))
    if not rows:
        return ""
    return ("\nBatch labeling (median run): whole file to file; for the Python peers also the model "
            "load alone and the one `predict` call alone.\n\n"
            + table(["system", "rows", "total s", "load s", "q/s", "predict-call q/s", "note"], rows))


def cli_details(figs):
    rows = [(f"`{s}`", number(f["cli_us"], 2), number(f["cli_qps"], 0))
            for s, f in figs.items() if f["cli_us"] is not None]
    if not rows:
        return ""
    return ("\nfastText's own command line (`fasttext predict` on the labeling file; the per-query "
            "time is total / queries and **includes loading the model**):\n\n"
            + table(["model", "µs per query", "q/s"], rows))


def problems(systems):
    lines = []
    for system, record in systems.items():
        for step, error in record.get("errors", {}).items():
            lines.append(f"- `{system}` {step}: **failed**: {error}")
        for note in record.get("notes", []):
            lines.append(f"- `{system}` {note}")
        for warning in record.get("warnings", []):
            lines.append(f"- `{system}` training warned: {warning}")
    return "\nErrors and notes:\n\n" + "\n".join(lines) + "\n" if lines else ""


def scaling_section(results):
    scaling = results.get("scaling")
    if not scaling:
        return ""
    ours, fast = scaling.get("switchboard", {}), scaling.get("fasttext-strong", {})
    rows = []
    for size in sorted({*ours, *fast}, key=int):
        s, f = ours.get(size, {}), fast.get(size, {})
        label = s.get("label") or {}
        errors = "; ".join(f"{k}: {v}" for k, v in {**s.get("errors", {}), **f.get("errors", {})}.items())
        rows.append((f"{int(size):,}", number(s.get("train_seconds"), 2),
                     cores(s.get("train_cpu_seconds"), s.get("train_seconds")),
                     per_thousand(s.get("train_seconds"), size),
                     number(label.get("queries_per_second"), 0),
                     percent(get(s, "quality", "accuracy")),
                     number(f.get("train_seconds"), 2), per_thousand(f.get("train_seconds"), size),
                     percent(f.get("accuracy")), errors or ""))
    return ("## Scaling (CLINC150 train resampled)\n\n"
            "Training sets of N rows drawn with replacement from CLINC150 train.csv, each row lightly "
            "perturbed (per word: dropped 8%, doubled 5%, two inner letters swapped 8%; fixed seed). "
            "One run per size. Switchboard with default options: whole `train` process; labeling "
            "throughput of the whole `label` process on the same N rows (model load included); "
            "accuracy on CLINC150 test.csv. fastText strong: `train_supervised` alone.\n\n"
            + table(["rows", "Switchboard train s", "cores", "s per 1k rows", "label q/s", "accuracy %",
                     "fastText strong train s", "s per 1k rows", "accuracy %", "errors"], rows))


def threads_section(results):
    """The scaling sizes trained on other thread counts and by the sequential trainer."""
    ours = dict(get(results, "scaling", "switchboard") or {})
    if get(results, "scaling", "switchboard_train_csv"):
        ours["train.csv"] = results["scaling"]["switchboard_train_csv"]
    counts = sorted({t for r in ours.values() for t in (r.get("threads") or {})}, key=int)
    if not counts and not any("sequential" in r for r in ours.values()):
        return ""
    cpus = results.get("environment", {}).get("cores") or "all"
    rows = []
    for size in sorted(ours, key=lambda k: -1 if k == "train.csv" else int(k)):
        r = ours[size]
        threads, seq = r.get("threads") or {}, r.get("sequential") or {}
        name = "CLINC150 train.csv (15,000)" if size == "train.csv" else f"{int(size):,}"
        row = [name, number(r.get("train_seconds"), 2)]
        for t in counts:
            v = threads.get(t) or {}
            same = {True: "yes", False: "**no**"}.get(v.get("same_bytes"), "—")
            row += [number(v.get("train_seconds"), 2), same]
        base = (threads.get("1") or {}).get("train_seconds")
        row.append(number(r["train_seconds"] / base, 2) if base and r.get("train_seconds") else "—")
        row += [number(seq.get("train_seconds"), 2),
                number(seq["train_seconds"] / r["train_seconds"], 2) if seq.get("train_seconds") and r.get("train_seconds") else "—",
                percent(get(r, "val_quality", "accuracy")), percent(get(seq, "val_quality", "accuracy")),
                percent(get(r, "quality", "accuracy")), percent(get(seq, "quality", "accuracy"))]
        rows.append(row)
    header = ["rows", f"train s, --threads {cpus} (default)"]
    for t in counts:
        header += [f"--threads {t} s", "same bytes"]
    header += [f"{cpus} / 1 threads", "sequential (--shards 1) s", "speed-up vs sequential",
               "val %", "sequential val %", "test %", "sequential test %"]
    return ("\n### Threads\n\nThe same files trained again: with other `--threads` counts (same bytes = the model "
            "file's md5 equals the default run's) and by the sequential trainer (`--shards 1`), whose speed-up is "
            "its time over the default run's. One run each, whole `train` process. Accuracy on CLINC150 val.csv "
            "and test.csv.\n\n" + table(header, rows))


def per_thousand(seconds, size):
    return "—" if seconds is None else f"{1000 * seconds / int(size):.3f}"


def targets_section(results):
    clinc = get(results, "datasets", "clinc150", "systems")
    if not clinc or SWITCHBOARD not in clinc:
        return "## Targets\n\nNot assessed: no CLINC150 figures for Switchboard in this run.\n"
    figs = {s: figures(r) for s, r in clinc.items()}
    ours = figs[SWITCHBOARD]
    rows = [train_target(ours, figs.get("fasttext-strong")),
            upper_target("single-query p50", ours["p50"], TARGET_P50_US, "µs"),
            upper_target("single-query p99", ours["p99"], TARGET_P99_US, "µs"),
            upper_target("model load", ours["load_ms"], TARGET_LOAD_MS, "ms", strict=True),
            accuracy_target(ours, figs)]
    return ("## Targets (CLINC150, Switchboard default options)\n\n"
            + table(["target", "measured", "verdict"], rows))


def verdict(met, detail):
    return f"**{'met' if met else 'missed'}** ({detail})"


def train_target(ours, strong):
    name = "train time ≤ fastText strong's (2 threads each)"
    if ours["train_s"] is None or not strong or strong["train_s"] is None:
        return (name, "—", "not measured")
    a, b = ours["train_s"], strong["train_s"]
    return (name, f"{a:.2f} s vs {b:.2f} s",
            verdict(a <= b, f"{a / b:.2f}× fastText strong's, {abs(b - a):.2f} s "
                            f"{'under' if a <= b else 'over'}"))


def upper_target(name, value, limit, unit, strict=False):
    label = f"{name} {'<' if strict else '≤'} {limit} {unit}"
    if value is None:
        return (label, "—", "not measured")
    met = value < limit if strict else value <= limit
    return (label, f"{value:.2f} {unit}",
            verdict(met, f"{abs(limit - value):.2f} {unit} {'under' if met else 'over'} the limit"))


def accuracy_target(ours, figs):
    name = "accuracy ≥ every peer setting"
    peers = {s: f["accuracy"] for s, f in figs.items() if s != SWITCHBOARD and f["accuracy"] is not None}
    if ours["accuracy"] is None or not peers:
        return (name, "—", "not measured")
    best = max(peers, key=peers.get)
    gap = 100 * (ours["accuracy"] - peers[best])
    return (name, f"{percent(ours['accuracy'])}% vs best peer `{best}` {percent(peers[best])}%",
            verdict(gap >= 0, f"{gap:+.2f} points"))


def markdown(results):
    parts = [header_section(results), targets_section(results), environment_section(results),
             settings_section(results)]
    parts += [dataset_section(name, data) for name, data in results["datasets"].items()]
    parts.append(scaling_section(results))
    parts.append(threads_section(results))
    return "\n".join(p for p in parts if p)
