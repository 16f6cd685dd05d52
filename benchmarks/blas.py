#!/usr/bin/env python3
"""Training time with OpenBLAS against Debian's reference BLAS (standard library only).

The same release binary trains CLINC150 train.csv twice per run, interleaved: once as installed
(Debian's alternatives point libblas.so.3 at OpenBLAS) and once with LD_LIBRARY_PATH set to the
multiarch blas/ folder, where Debian keeps the reference (netlib) libblas.so.3, which the binary
then resolves its cblas_* calls to. Three models are timed: the default (semantic block: sgemm
mini-batches, PCA, and the refinement's sgemm and long-vector L-BFGS work), the n-gram-only
model (the refinement's long-vector work only) and the n-gram-only model without the refinement
(no BLAS on its path: the control). Each is evaluated on test.csv and its bytes compared between
the two libraries.

    python3 benchmarks/blas.py

Writes benchmarks/blas.json and BLAS.md. Variables: SWITCHBOARD_BIN (default
.build/release/switchboard), DATASETS (../shared/datasets), BLAS_RUNS (3), BLAS_THREADS (2).
"""
import hashlib, json, os, platform, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, ".build/release/switchboard"))
DATA = os.path.join(os.environ.get("DATASETS", os.path.join(ROOT, "../shared/datasets")), "clinc150")
RUNS = int(os.environ.get("BLAS_RUNS", "3"))
THREADS = os.environ.get("BLAS_THREADS", "2")
OUT = os.path.join(HERE, "out", "blas")
MULTIARCH = f"/usr/lib/{platform.machine()}-linux-gnu"
REFERENCE_DIR = os.path.join(MULTIARCH, "blas")


def environment(library):
    env = dict(os.environ)
    if library == "reference":
        env["LD_LIBRARY_PATH"] = REFERENCE_DIR + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def resolved_blas(library):
    """The libblas.so.3 the dynamic linker picks for the binary under `library`'s environment."""
    out = subprocess.run(["ldd", BIN], capture_output=True, text=True, env=environment(library)).stdout
    line = next((l for l in out.splitlines() if "libblas.so.3" in l), "")
    path = line.split("=>")[-1].split("(")[0].strip()
    return os.path.realpath(path) if path else "not linked"


def run(args, library):
    start = time.monotonic()
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=environment(library))
    wall = time.monotonic() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout, wall


def main():
    if not os.path.exists(os.path.join(REFERENCE_DIR, "libblas.so.3")):
        raise SystemExit(f"no reference BLAS at {REFERENCE_DIR} (install libblas-dev)")
    os.makedirs(OUT, exist_ok=True)
    libraries = ["openblas", "reference"]
    models = {"default": [], "n-grams only": ["--embeddings", "none"],
              "n-grams only, no refinement": ["--embeddings", "none", "--refine-iterations", "0"]}
    walls = {(m, l): [] for m in models for l in libraries}
    for _ in range(RUNS):
        for model, extra in models.items():
            for library in libraries:
                path = os.path.join(OUT, f"{model.replace(' ', '-').replace(',', '')}-{library}.model")
                _, wall = run(["train", os.path.join(DATA, "train.csv"), "--output", path, "--threads", THREADS, *extra],
                              library)
                walls[(model, library)].append(wall)
    rows = []
    for model in models:
        entry = {"model": model}
        for library in libraries:
            path = os.path.join(OUT, f"{model.replace(' ', '-').replace(',', '')}-{library}.model")
            out, _ = run(["evaluate", path, os.path.join(DATA, "test.csv"), "--json"], library)
            entry[library] = {"walls": walls[(model, library)], "median": statistics.median(walls[(model, library)]),
                              "test_accuracy": json.loads(out)["accuracy"],
                              "md5": hashlib.md5(open(path, "rb").read()).hexdigest()}
        entry["ratio"] = entry["reference"]["median"] / entry["openblas"]["median"]
        entry["same_bytes"] = entry["reference"]["md5"] == entry["openblas"]["md5"]
        rows.append(entry)
    result = {"runs": RUNS, "threads": THREADS, "blas": {l: resolved_blas(l) for l in libraries},
              "load_average": os.getloadavg(), "rows": rows}
    json.dump(result, open(os.path.join(HERE, "blas.json"), "w"), indent=2)
    open(os.path.join(HERE, "BLAS.md"), "w").write(report(result))
    print(report(result))


def report(r):
    lines = ["# Training with OpenBLAS and with the reference BLAS (`make bench-blas`)", "",
             f"CLINC150 `train.csv`, release build, `--threads {r['threads']}`, {r['runs']} interleaved runs per cell "
             f"(median wall seconds; load average {r['load_average'][0]:.2f} at the end). The binary resolves "
             f"libblas.so.3 to `{r['blas']['openblas']}` as installed and to `{r['blas']['reference']}` with "
             f"`LD_LIBRARY_PATH={REFERENCE_DIR}`.", "",
             "| model | OpenBLAS s | reference s | reference / OpenBLAS | test % OpenBLAS | test % reference | same bytes |",
             "|---|---|---|---|---|---|---|"]
    for e in r["rows"]:
        o, f = e["openblas"], e["reference"]
        lines.append(f"| {e['model']} | {o['median']:.2f} | {f['median']:.2f} | {e['ratio']:.2f}x | "
                     f"{100 * o['test_accuracy']:.2f} | {100 * f['test_accuracy']:.2f} | {'yes' if e['same_bytes'] else 'no'} |")
    lines += ["", "The n-gram-only trainer without the refinement calls no BLAS routine on its path, so its row "
              "is the control: any gap there is machine noise. The n-gram-only model with the refinement calls "
              "only long-vector routines (sdot, saxpy, sscal, scopy over the whole parameter vector); the default "
              "model adds sgemm (the dense block's mini-batches, PCA and the refinement's two products per step). Models trained with the two libraries may differ in their last bits "
              "(each library sums products in its own order); the same library, data, options and seed "
              "always give the same bytes.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
