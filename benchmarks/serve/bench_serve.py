"""`make bench-serve`: wrk against `switchboard serve` (release build) and against the server a
Python user would write (FastAPI + uvicorn around fastText's predict), in one run on one machine,
then batch throughput, reloads under load and a soak. Writes benchmarks/SERVE.md and
benchmarks/serve/results.json.

Environment: SWITCHBOARD_BIN (default .build/release/switchboard), TRAIN_CSV (default CLINC150
train when present, else Data/train.csv), QUERIES_CSV, DURATION (30), FAULT_SECONDS (60),
SOAK_SECONDS (300; 0 skips), CONNECTIONS (64), WRK_THREADS (2), PEER_WORKERS (2)."""
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from wrk import wrk

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(ROOT, ".build", "bench-serve")
CLINC = os.path.join(ROOT, "..", "shared", "datasets", "clinc150")
ENV = os.environ
BIN = os.path.abspath(ENV.get("SWITCHBOARD_BIN", os.path.join(ROOT, ".build", "release", "switchboard")))
DEFAULT_TRAIN = os.path.join(CLINC, "train.csv") if os.path.exists(os.path.join(CLINC, "train.csv")) \
    else os.path.join(ROOT, "Data", "train.csv")
TRAIN = os.path.abspath(ENV.get("TRAIN_CSV", DEFAULT_TRAIN))
QUERIES = os.path.abspath(ENV.get("QUERIES_CSV", TRAIN.replace("train.csv", "test.csv")))
DURATION = int(ENV.get("DURATION", "30"))
FAULT_SECONDS = int(ENV.get("FAULT_SECONDS", "60"))
SOAK_SECONDS = int(ENV.get("SOAK_SECONDS", "300"))
CONNECTIONS = int(ENV.get("CONNECTIONS", "64"))
WRK_THREADS = int(ENV.get("WRK_THREADS", "2"))
PEER_WORKERS = int(ENV.get("PEER_WORKERS", "2"))


def log(message):
    print(f"[bench-serve {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args, **kw):
    log(" ".join(args))
    subprocess.run(args, check=True, **kw)


def models():
    """The Switchboard model, its int8 compression (a second good model) and the fastText model,
    all trained on TRAIN; reused when TRAIN has not changed."""
    os.makedirs(WORK, exist_ok=True)
    stamp = os.path.join(WORK, "trained-on")
    sb, sb8, ft = (os.path.join(WORK, n) for n in ("switchboard.model", "switchboard-int8.model", "fasttext.bin"))
    key = f"{TRAIN} {os.path.getsize(TRAIN)} {os.path.getmtime(TRAIN)}"
    if not (os.path.exists(stamp) and open(stamp).read() == key and all(map(os.path.exists, (sb, sb8, ft)))):
        run([BIN, "train", TRAIN, "--output", sb, "--seed", "42"])
        run([BIN, "compress", sb, "--output", sb8])
        run([os.path.join(HERE, ".venv", "bin", "python"), os.path.join(HERE, "train_fasttext.py"), TRAIN, ft])
        with open(stamp, "w") as f:
            f.write(key)
    return sb, sb8, ft


def queries(limit=2000):
    import csv
    with open(QUERIES, newline="", encoding="utf-8") as f:
        return [r["text"] for r in csv.DictReader(f)][:limit]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def post(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def wait_healthy(port, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not become healthy")


def start_switchboard(model):
    process = subprocess.Popen([BIN, "serve", model, "--port", "0", "--max-batch", "1000"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith("listening on http://"):
        raise SystemExit(f"switchboard serve did not start: {line!r}")
    port = int(line.strip().rsplit(":", 1)[1])
    wait_healthy(port, process)
    return process, port


def start_peer(model):
    port = free_port()
    env = dict(os.environ, FASTTEXT_MODEL=model)
    process = subprocess.Popen([os.path.join(HERE, ".venv", "bin", "uvicorn"), "fasttext_app:app", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", str(PEER_WORKERS), "--log-level", "warning"],
                               cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(port, process)
    return process, port


def stop(process):
    process.terminate()
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and all its descendants (uvicorn's workers)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
            except OSError:
                pass
    family, grew = {pid}, True
    while grew:
        more = {p for p, (pp, _) in parents.items() if pp in family} - family
        family |= more
        grew = bool(more)
    return sum(parents[p][1] for p in family if p in parents) / os.sysconf("SC_CLK_TCK")


def measured(process, port, path, texts, seconds, connections, batch=None):
    """wrk plus the server's CPU time per request (robust to other load on the machine)."""
    before = cpu_seconds(process.pid)
    r = wrk(port, path, texts, seconds, connections, WRK_THREADS, batch=batch)
    r["server_cpu_us_per_request"] = (cpu_seconds(process.pid) - before) / max(r["requests"], 1) * 1e6
    return r


def place(source, served):
    """Copies `source` over `served` atomically."""
    shutil.copyfile(source, served + ".incoming")
    os.replace(served + ".incoming", served)


def reload_under_load(port, served, goods, corrupt, texts):
    """100 reloads alternating a good file (the two good models in turn) and a corrupt one,
    spread over a FAULT_SECONDS wrk run."""
    statuses, expected = [], []
    last_good = None

    def reloads():
        nonlocal last_good
        time.sleep(2)
        gap = (FAULT_SECONDS - 6) / 100
        for i in range(100):
            good = i % 2 == 0
            source = goods[(i // 2) % 2] if good else corrupt
            place(source, served)
            statuses.append(post(port, "/v1/admin/reload"))
            expected.append(200 if good else 422)
            if good:
                last_good = source
            time.sleep(gap)

    thread = threading.Thread(target=reloads)
    thread.start()
    result = wrk(port, "/v1/classify", texts, FAULT_SECONDS, CONNECTIONS, WRK_THREADS)
    thread.join()
    served_model = get(port, "/v1/model")
    good_bytes = os.path.getsize(last_good)
    return {"wrk": result, "reloads": len(statuses), "reload_status_as_expected": statuses == expected,
            "reload_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
            "generation": get(port, "/readyz")["generation"],
            "last_good_served": served_model["model_bytes"] == good_bytes}


def soak(process, port, texts):
    """wrk for SOAK_SECONDS with 16 connections; the server's RSS sampled every second."""
    samples = []
    done = threading.Event()

    def sample():
        start = time.time()
        while not done.wait(1):
            samples.append((time.time() - start, rss_kib(process.pid)))

    thread = threading.Thread(target=sample)
    thread.start()
    result = wrk(port, "/v1/classify", texts, SOAK_SECONDS, 16, WRK_THREADS)
    done.set()
    thread.join()
    warm = next((kib for t, kib in samples if t >= min(60, SOAK_SECONDS / 5)), samples[0][1])
    end = samples[-1][1]
    return {"wrk": result, "rss_after_warmup_kib": warm, "rss_end_kib": end, "rss_max_kib": max(k for _, k in samples),
            "growth_percent": 100.0 * (end - warm) / warm, "samples": len(samples)}


def main():
    sb, sb8, ft = models()
    texts = queries()
    served = os.path.join(WORK, "served.model")
    corrupt = os.path.join(WORK, "corrupt.model")
    with open(sb, "rb") as f:
        data = f.read()
    with open(corrupt, "wb") as f:
        f.write(data[: len(data) // 2])
    place(sb, served)
    results = {"train_csv": TRAIN, "queries_csv": QUERIES, "loadavg_start": os.getloadavg()}
    server, port = start_switchboard(served)
    log(f"switchboard on {port}: single-text classify, {DURATION} s")
    results["switchboard"] = measured(server, port, "/v1/classify", texts, DURATION, CONNECTIONS)
    for batch in (100, 1000):
        log(f"switchboard batch {batch}")
        results[f"switchboard_batch_{batch}"] = measured(server, port, "/v1/classify/batch", texts, 10, 4, batch=batch)
    peer, peer_port = start_peer(ft)
    log(f"fastapi+uvicorn on {peer_port}: single-text classify, {DURATION} s")
    results["fasttext_fastapi"] = measured(peer, peer_port, "/v1/classify", texts, DURATION, CONNECTIONS)
    for batch in (100, 1000):
        results[f"fasttext_fastapi_batch_{batch}"] = measured(peer, peer_port, "/v1/classify/batch", texts, 10, 4,
                                                              batch=batch)
    stop(peer)
    log(f"reloads under load, {FAULT_SECONDS} s")
    results["faults"] = reload_under_load(port, served, (sb, sb8), corrupt, texts)
    if SOAK_SECONDS > 0:
        log(f"soak, {SOAK_SECONDS} s")
        results["soak"] = soak(server, port, texts)
    results["switchboard_exit_on_sigterm"] = stop(server)
    results["loadavg_end"] = os.getloadavg()
    results["machine"] = {"cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                          "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]}
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    from report import write_markdown
    write_markdown(results, os.path.join(ROOT, "benchmarks", "SERVE.md"))
    log("wrote benchmarks/SERVE.md")


if __name__ == "__main__":
    main()
