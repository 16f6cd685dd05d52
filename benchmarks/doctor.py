#!/usr/bin/env python3
"""`switchboard doctor` against its quality bar, on CLINC150 (standard library only).

    python3 benchmarks/doctor.py inject   # 50 cross-label duplicates + 50 test rows copied into train
    python3 benchmarks/doctor.py noise    # 2% of labels flipped: recall/precision of the suspects, cleaning
    python3 benchmarks/doctor.py scale    # doctor on the 1M-row resampled file: wall time, peak memory
    python3 benchmarks/doctor.py active   # suggest vs random picks from 10 rows per intent, 5 rounds, 3 seeds
    python3 benchmarks/doctor.py all      # the four; `active` also draws benchmarks/active-learning.svg

Figures go to benchmarks/doctor.json (one entry per part, replaced when the part is rerun) and
DOCTOR.md. Variables: SWITCHBOARD_BIN (default .build/release/switchboard), DATASETS
(../shared/datasets), DOCTOR_SEED (20261203), DOCTOR_THREADS (all cores).
"""
import csv, json, os, random, resource, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import read_rows, write_rows, resample, PERTURB_SEED  # noqa: E402  (same 1M-row file as make bench)

BIN = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, ".build/release/switchboard"))
DATA = os.path.join(os.environ.get("DATASETS", os.path.join(ROOT, "../shared/datasets")), "clinc150")
SEED = int(os.environ.get("DOCTOR_SEED", "20261203"))
THREADS = os.environ.get("DOCTOR_THREADS")
OUT = os.path.join(HERE, "out", "doctor")
RESULTS = os.path.join(HERE, "doctor.json")
NOISE = 0.02          # the bar: 2% of rows flipped
CUTOFFS = (0.5, 1, 2, 3)  # suspects examined, in multiples of the rows flipped


def switchboard(*args):
    """Runs the binary; returns (stdout, wall seconds, peak RSS bytes of this child)."""
    extra = ["--threads", THREADS] if THREADS and args[0] in ("doctor", "train") else []
    start = time.monotonic()
    p = subprocess.run([BIN, *args, *extra], capture_output=True, text=True)
    wall = time.monotonic() - start
    if p.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def doctor(*args):
    out, wall, rss = switchboard("doctor", *args, "--json")
    return json.loads(out), wall, rss


def accuracy(train_file, tag):
    model = os.path.join(OUT, f"{tag}.model")
    switchboard("train", train_file, "--output", model)
    out, _, _ = switchboard("evaluate", model, os.path.join(DATA, "test.csv"), "--json")
    return json.loads(out)["accuracy"]


def inject():
    rng = random.Random(SEED)
    rows = read_rows(os.path.join(DATA, "train.csv"))
    test = read_rows(os.path.join(DATA, "test.csv"))
    labels = sorted({l for _, l in rows})
    conflicts = []  # (original row index, new label)
    for i in rng.sample(range(len(rows)), 50):
        text, label = rows[i]
        other = rng.choice([l for l in labels if l != label])
        # half of them differ in case and punctuation only: still the same text to the model
        copy = text if len(conflicts) % 2 == 0 else text.upper() + "?"
        conflicts.append((i, len(rows) + len(conflicts), copy, other))
    leaked = rng.sample(range(len(test)), 50)
    injected = rows + [(c[2], c[3]) for c in conflicts] + [test[t] for t in leaked]
    path = os.path.join(OUT, "train-injected.csv")
    write_rows(path, injected)
    report, wall, _ = doctor(path, "--test", os.path.join(DATA, "test.csv"), "--no-label-errors")
    line = lambda i: i + 2  # header on line 1, one line per row (no embedded newlines in CLINC150)
    groups = [{r["line"] for r in f["rows"]} for f in report["findings"] if f["kind"] == "conflict"]
    found_conflicts = sum(any({line(c[0]), line(c[1])} <= g for g in groups) for c in conflicts)
    leak_lines = {f["rows"][0]["line"] for f in report["findings"] if f["kind"] == "leak"}
    found_leaks = sum(line(t) in leak_lines for t in leaked)
    return {"conflicts_injected": 50, "conflicts_found": found_conflicts, "leaks_injected": 50,
            "leaks_found": found_leaks, "conflict_findings": report["finding_counts"]["conflict"],
            "leak_findings": report["finding_counts"]["leak"], "seconds": round(wall, 2)}


def noise():
    rng = random.Random(SEED)
    rows = read_rows(os.path.join(DATA, "train.csv"))
    labels = sorted({l for _, l in rows})
    flipped = set(rng.sample(range(len(rows)), round(NOISE * len(rows))))
    noisy = [(t, rng.choice([x for x in labels if x != l]) if i in flipped else l) for i, (t, l) in enumerate(rows)]
    path = os.path.join(OUT, "train-noisy.csv")
    write_rows(path, noisy)
    report, wall, rss = doctor(path)
    suspects = [f for f in report["findings"] if f["kind"] == "suspected_label_error"]
    ranked = [f["rows"][0]["line"] - 2 for f in suspects]
    cut = {}
    for m in CUTOFFS:
        k = round(m * len(flipped))
        hits = sum(i in flipped for i in ranked[:k])
        cut[f"{m}x"] = {"examined": min(k, len(ranked)), "precision": round(hits / max(1, min(k, len(ranked))), 4),
                        "recall": round(hits / len(flipped), 4)}
    right = sum(f["suggested_label"] == rows[f["rows"][0]["line"] - 2][1] for f in suspects[:2 * len(flipped)]
                if f["rows"][0]["line"] - 2 in flipped)
    # cleaning: the top 2x suspects relabeled to the suggested label, or dropped
    top = {f["rows"][0]["line"] - 2: f["suggested_label"] for f in suspects[:2 * len(flipped)]}
    relabeled = [(t, top.get(i, l)) for i, (t, l) in enumerate(noisy)]
    dropped = [r for i, r in enumerate(noisy) if i not in top]
    for name, data in (("relabeled", relabeled), ("dropped", dropped)):
        write_rows(os.path.join(OUT, f"train-{name}.csv"), data)
    acc = {name: accuracy(os.path.join(DATA, "train.csv") if name == "clean" else os.path.join(OUT, f"train-{name}.csv"), name)
           for name in ("clean", "noisy", "relabeled", "dropped")}
    cost = acc["clean"] - acc["noisy"]
    return {"rows": len(rows), "flipped": len(flipped), "suspects": len(suspects), "cutoffs": cut,
            "suggested_label_right_in_top_2x": right, "out_of_fold_accuracy": report.get("out_of_fold_accuracy"),
            "doctor_seconds": round(wall, 2), "doctor_peak_rss_bytes": rss, "test_accuracy": acc,
            "recovered_fraction": {n: round((acc[n] - acc["noisy"]) / cost, 3) if cost > 0 else None
                                   for n in ("relabeled", "dropped")}}


def scale():
    size = 1_000_000
    path = os.path.join(OUT, f"train-{size}.csv")
    if not os.path.exists(path):
        write_rows(path, resample(read_rows(os.path.join(DATA, "train.csv")), size, PERTURB_SEED + size))
    result = {}
    for name, args in (("no_label_errors", ["--no-label-errors"]), ("ngram_label_errors", ["--embeddings", "none"])):
        # a fresh interpreter per run, so RUSAGE_CHILDREN's peak is this run's alone
        code = (f"import sys; sys.path.insert(0, {HERE!r}); import doctor; "
                f"r, w, m = doctor.doctor({path!r}, *{args!r}); "
                "import json; print(json.dumps({'seconds': round(w, 1), 'peak_rss_bytes': m, "
                "'finding_counts': r['finding_counts']}))")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        result[name] = json.loads(p.stdout)
    return result


def active():
    """From 10 rows per intent, 5 rounds of 300 more rows (2 per intent's worth), picked by
    `suggest` or at random; test accuracy after every round, for 3 seeds."""
    rows = read_rows(os.path.join(DATA, "train.csv"))
    by_label = {}
    for i, (_, l) in enumerate(rows):
        by_label.setdefault(l, []).append(i)
    curves = {"suggest": [], "random": []}
    for seed in (1, 2, 3):
        rng = random.Random(SEED + seed)
        start = sorted(i for l in sorted(by_label) for i in rng.sample(by_label[l], 10))
        for strategy in curves:
            labeled, pool = list(start), sorted(set(range(len(rows))) - set(start))
            pick_rng = random.Random(SEED * 10 + seed)
            curve = []
            for round_ in range(6):
                tag = f"active-{strategy}-{seed}-{round_}"
                train_file = os.path.join(OUT, tag + ".csv")
                write_rows(train_file, [rows[i] for i in labeled])
                curve.append(accuracy(train_file, tag))
                if round_ == 5:
                    break
                if strategy == "random":
                    chosen = pick_rng.sample(pool, 300)
                else:
                    pool_file = os.path.join(OUT, tag + "-pool.csv")
                    write_rows(pool_file, [rows[i] for i in pool], header=("text",))
                    out, _, _ = switchboard("suggest", os.path.join(OUT, tag + ".model"), pool_file, "--count", "300",
                                            "--seed", str(seed))
                    chosen = [pool[int(r["line"]) - 2] for r in csv.DictReader(out.splitlines())]
                taken = set(chosen)
                labeled += chosen
                pool = [i for i in pool if i not in taken]
            curves[strategy].append(curve)
            print(f"  {strategy} seed {seed}: {curve}", flush=True)
    mean = {s: [round(sum(c[r] for c in curves[s]) / len(curves[s]), 4) for r in range(6)] for s in curves}
    sizes = [1500 + 300 * r for r in range(6)]
    draw_curves(sizes, mean, os.path.join(HERE, "active-learning.svg"))
    return {"labeled_rows": sizes, "mean_test_accuracy": mean, "per_seed": curves,
            "suggest_beats_random_every_round": all(mean["suggest"][r] > mean["random"][r] for r in range(1, 6))}


def draw_curves(sizes, mean, path):
    """A small self-contained SVG line chart of mean test accuracy against labeled rows."""
    w, h, pad = 560, 340, 56
    lo = min(min(v) for v in mean.values()) - 0.005
    hi = max(max(v) for v in mean.values()) + 0.005
    x = lambda n: pad + (n - sizes[0]) / (sizes[-1] - sizes[0]) * (w - 2 * pad)
    y = lambda a: h - pad - (a - lo) / (hi - lo) * (h - 2 * pad)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">CLINC150: test accuracy as rows are labeled '
             f'(mean of 3 seeds)</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
             f'<text x="{w / 2}" y="{h - 14}" text-anchor="middle">labeled rows</text>']
    for n in sizes:
        parts.append(f'<text x="{x(n):.1f}" y="{h - pad + 16}" text-anchor="middle">{n}</text>')
    for k in range(5):
        a = lo + (hi - lo) * k / 4
        parts.append(f'<text x="{pad - 6}" y="{y(a) + 4:.1f}" text-anchor="end">{100 * a:.1f}%</text>')
        parts.append(f'<line x1="{pad}" y1="{y(a):.1f}" x2="{w - pad}" y2="{y(a):.1f}" stroke="#ddd"/>')
    for (name, values), colour in zip(sorted(mean.items(), reverse=True), ("#1f77b4", "#d62728")):
        points = " ".join(f"{x(n):.1f},{y(a):.1f}" for n, a in zip(sizes, values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x(n):.1f}" cy="{y(a):.1f}" r="3" fill="{colour}"/>' for n, a in zip(sizes, values)]
        label = "switchboard suggest (margin)" if name == "suggest" else "random picks"
        ly = pad + 10 + (0 if name == "suggest" else 18)
        parts.append(f'<rect x="{pad + 12}" y="{ly - 9}" width="12" height="3" fill="{colour}"/>'
                     f'<text x="{pad + 30}" y="{ly - 4}">{label}</text>')
    parts.append("</svg>")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(parts) + "\n")
    os.replace(path + ".tmp", path)


def save(part, figures):
    data = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    data[part] = figures
    data["binary"] = os.path.relpath(BIN, ROOT)
    with open(RESULTS + ".tmp", "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(RESULTS + ".tmp", RESULTS)
    write_markdown(data)
    print(json.dumps({part: figures}, indent=2), flush=True)


def pct(x):
    return f"{100 * x:.2f}%"


def write_markdown(data):
    """DOCTOR.md: the figures of doctor.json as tables, every part that has run."""
    out = ["# `doctor` and `suggest` against their quality bar (CLINC150)", "",
           "Written by `benchmarks/doctor.py` (`make bench-doctor`) from `doctor.json`; release build, "
           "default options (n-grams + the WordLlama semantic block), 2-core machine, seed "
           f"{SEED}.", ""]
    if "inject" in data:
        d = data["inject"]
        out += ["## Conflicts and leaks", "",
                "50 training rows copied under another label (half of them upper-cased with a `?`: the same text "
                "after normalization) and 50 `test.csv` rows copied into `train.csv`; `doctor --test test.csv`.", "",
                "| injected | found | findings of that kind |", "|---|---|---|",
                f"| 50 conflicts | {d['conflicts_found']} | {d['conflict_findings']} |",
                f"| 50 leaks | {d['leaks_found']} | {d['leak_findings']} (exact and near, Jaccard ≥ 0.8) |", "",
                f"Wall time {d['seconds']} s.", ""]
    if "noise" in data:
        d = data["noise"]
        out += ["## Label noise", "",
                f"{d['flipped']} of {d['rows']:,} rows (2%) given a random other label; `doctor` (5 folds) ranks "
                f"{d['suspects']} suspected label errors. Out-of-fold accuracy {pct(d['out_of_fold_accuracy'])}; "
                f"wall {d['doctor_seconds']} s, peak RSS {d['doctor_peak_rss_bytes'] / 2**20:.0f} MB.", "",
                "| suspects examined | rows | precision | recall |", "|---|---|---|---|"]
        for k, c in d["cutoffs"].items():
            out.append(f"| {k} flipped | {c['examined']} | {c['precision']:.3f} | {c['recall']:.3f} |")
        t, r = d["test_accuracy"], d["recovered_fraction"]
        out += ["", f"The suggested label is the true one for {d['suggested_label_right_in_top_2x']} of the flipped "
                "rows among the top 2× suspects.", "",
                "| trained on | test accuracy | share of the noise's cost recovered |", "|---|---|---|",
                f"| clean `train.csv` | {pct(t['clean'])} | |", f"| noisy | {pct(t['noisy'])} | |",
                f"| noisy, top 2× suspects relabeled as suggested | {pct(t['relabeled'])} | {r['relabeled']:.0%} |",
                f"| noisy, top 2× suspects dropped | {pct(t['dropped'])} | {r['dropped']:.0%} |", ""]
    if "active" in data:
        d = data["active"]
        m = d["mean_test_accuracy"]
        out += ["## Active learning", "",
                "10 rows per intent to start, the rest of `train.csv` unlabeled; 5 rounds of 300 more rows picked by "
                "`suggest --strategy margin` (from a model trained on the rows so far) or at random; test accuracy, "
                "mean of 3 seeds. Curves: [active-learning.svg](active-learning.svg).", "",
                "| labeled rows | " + " | ".join(f"{n:,}" for n in d["labeled_rows"]) + " |",
                "|---|" + "---|" * len(d["labeled_rows"]),
                "| suggest | " + " | ".join(pct(x) for x in m["suggest"]) + " |",
                "| random | " + " | ".join(pct(x) for x in m["random"]) + " |", "",
                f"Suggest ahead of random after every round: {'yes' if d['suggest_beats_random_every_round'] else 'no'}.", ""]
    if "scale" in data:
        out += ["## 1M rows", "", "CLINC150 `train.csv` resampled to 1,000,000 lightly perturbed rows (the scaling file of "
                "`make bench`).", "", "| run | wall s | peak RSS MB |", "|---|---|---|"]
        names = {"no_label_errors": "`doctor --no-label-errors` (duplicates, leaks, near-duplicates, text checks)",
                 "ngram_label_errors": "`doctor --embeddings none` (also 5-fold label errors, n-gram model)"}
        for k, v in data["scale"].items():
            out.append(f"| {names.get(k, k)} | {v['seconds']} | {v['peak_rss_bytes'] / 2**20:.0f} |")
        out += ["", "The duplicate and near-duplicate scan runs on one thread; the label-error folds train concurrently.", ""]
    path = os.path.join(HERE, "DOCTOR.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out))
    os.replace(path + ".tmp", path)


def main():
    os.makedirs(OUT, exist_ok=True)
    parts = sys.argv[1:] or ["all"]
    if parts == ["all"]:
        parts = ["inject", "noise", "active", "scale"]
    for part in parts:
        save(part, {"inject": inject, "noise": noise, "scale": scale, "active": active}[part]())


if __name__ == "__main__":
    main()
