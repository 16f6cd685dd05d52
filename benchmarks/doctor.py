#!/usr/bin/env python3
"""`switchboard doctor` against its quality bar, on CLINC150 (standard library only).

    python3 benchmarks/doctor.py inject   # 50 cross-label duplicates + 50 test rows copied into train
    python3 benchmarks/doctor.py noise    # 2% of labels flipped: recall/precision of the suspects, cleaning
    python3 benchmarks/doctor.py scale    # doctor on the 1M-row resampled file: wall time, peak memory
    python3 benchmarks/doctor.py all      # the three, then writes benchmarks/DOCTOR.md

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


def save(part, figures):
    data = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    data[part] = figures
    data["binary"] = os.path.relpath(BIN, ROOT)
    with open(RESULTS + ".tmp", "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(RESULTS + ".tmp", RESULTS)
    print(json.dumps({part: figures}, indent=2), flush=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    parts = sys.argv[1:] or ["all"]
    if parts == ["all"]:
        parts = ["inject", "noise", "scale"]
    for part in parts:
        save(part, {"inject": inject, "noise": noise, "scale": scale}[part]())


if __name__ == "__main__":
    main()
