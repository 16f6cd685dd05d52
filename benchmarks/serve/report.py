"""Writes benchmarks/SERVE.md from the results of bench_serve.py."""
import os


def verdict(ok):
    return "met" if ok else "**not met**"


def write_markdown(r, path):
    sb, ft = r["switchboard"], r["fasttext_fastapi"]
    ratio = sb["requests_per_second"] / ft["requests_per_second"]
    m = r["machine"]
    lines = [
        "# `switchboard serve` under load (`make bench-serve`)",
        "",
        f"One run of `make bench-serve` on {m['cpus']} cores ({m['cpu']}), {m['wrk']}. **The server and wrk share "
        f"these {m['cpus']} cores** (and other work on the machine: load average {r['loadavg_start'][0]:.2f} at the "
        f"start, {r['loadavg_end'][0]:.2f} at the end), so compare the ratio, not the absolute figures.",
        f"Models trained on `{os.path.relpath(r['train_csv'], os.path.dirname(os.path.dirname(path)))}`; request "
        f"texts cycle through `{os.path.basename(r['queries_csv'])}`. Switchboard: release build, `switchboard serve "
        "MODEL --port 0` (2 event-loop threads). Peer: FastAPI + uvicorn (`--workers 2`) around fastText's Python "
        "`predict` (fasttext-numpy2, 'fastText strong' settings of benchmarks/peers.py), same JSON.",
        "",
        "## Single-text `POST /v1/classify`, keep-alive",
        "",
        f"`{sb['command']}`",
        "",
        "| server | req/s | server CPU µs/request | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, x in (("switchboard serve", sb), ("FastAPI + uvicorn + fastText", ft)):
        lines.append(f"| {name} | {x['requests_per_second']:,.0f} | {x['server_cpu_us_per_request']:,.0f} | "
                     f"{x['p50_us'] / 1e3:.2f} | {x['p90_us'] / 1e3:.2f} | "
                     f"{x['p99_us'] / 1e3:.2f} | {x['max_us'] / 1e3:.1f} | {x['non_2xx']} | {x['socket_errors']} |")
    cpu_ratio = ft["server_cpu_us_per_request"] / sb["server_cpu_us_per_request"]
    lines += [
        "",
        f"- Requests per second, Switchboard / peer: **{ratio:.2f}x** (target at least 5x: {verdict(ratio >= 5)}).",
        f"- Server CPU time per request (user + system of the server process and its workers, from /proc), "
        f"peer / Switchboard: **{cpu_ratio:.1f}x**. Unlike req/s it does not depend on how much of the machine "
        "the other work leaves.",
        f"- Switchboard p99 {sb['p99_us'] / 1e3:.2f} ms (target at most 5 ms: {verdict(sb['p99_us'] <= 5000)}).",
        f"- Switchboard non-2xx {sb['non_2xx']}, socket errors {sb['socket_errors']} "
        f"(target 0: {verdict(sb['non_2xx'] == 0 and sb['socket_errors'] == 0)}).",
        "",
        "## Batch `POST /v1/classify/batch` (4 connections, 10 s each)",
        "",
        "| server | batch | req/s | texts/s | server CPU µs/text | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, key in (("switchboard serve", "switchboard"), ("FastAPI + uvicorn + fastText", "fasttext_fastapi")):
        for b in (100, 1000):
            x = r[f"{key}_batch_{b}"]
            lines.append(f"| {name} | {b} | {x['requests_per_second']:,.1f} | {x['texts_per_second']:,.0f} | "
                         f"{x['server_cpu_us_per_request'] / b:,.1f} | "
                         f"{x['p99_us'] / 1e3:.1f} | {x['non_2xx']} |")
    f = r["faults"]
    w = f["wrk"]
    lines += [
        "",
        f"## Reloads under load ({w['duration_us'] / 1e6:.0f} s wrk, {CONN(w)})",
        "",
        f"{f['reloads']} `POST /v1/admin/reload` spread over the run, alternating a good file (the float model and "
        "its int8 compression in turn) and a corrupt one (the model truncated to half), each put in place by rename.",
        "",
        f"- Requests: {w['requests']:,} ({w['requests_per_second']:,.0f}/s), non-2xx {w['non_2xx']}, socket errors "
        f"{w['socket_errors']}, p99 {w['p99_us'] / 1e3:.2f} ms.",
        f"- Reload answers: {f['reload_statuses']} (200 for every good file and 422 for every corrupt one: "
        f"{'yes' if f['reload_status_as_expected'] else '**no**'}); generation at the end {f['generation']}.",
        f"- Served at the end: the last good file: {'yes' if f['last_good_served'] else '**no**'}.",
        f"- No failed request: {verdict(w['non_2xx'] == 0 and w['socket_errors'] == 0)}.",
    ]
    if "soak" in r:
        s = r["soak"]
        sw = s["wrk"]
        lines += [
            "",
            f"## Soak ({sw['duration_us'] / 1e6:.0f} s, 16 connections, closed loop)",
            "",
            f"- {sw['requests']:,} requests ({sw['requests_per_second']:,.0f}/s), non-2xx {sw['non_2xx']}, socket errors "
            f"{sw['socket_errors']}, p99 {sw['p99_us'] / 1e3:.2f} ms.",
            f"- Server RSS after warm-up {s['rss_after_warmup_kib'] / 1024:.1f} MiB, at the end "
            f"{s['rss_end_kib'] / 1024:.1f} MiB, max {s['rss_max_kib'] / 1024:.1f} MiB ({s['samples']} samples, one a "
            f"second): growth **{s['growth_percent']:+.2f}%** (target under 5%: {verdict(s['growth_percent'] < 5)}).",
        ]
    lines += ["", f"Switchboard's exit status on SIGTERM at the end: {r['switchboard_exit_on_sigterm']}.", ""]
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        out.write("\n".join(lines))
    os.replace(tmp, path)


def CONN(w):
    return w["command"].split()[2].removeprefix("-c") + " connections"
