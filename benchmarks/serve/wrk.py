"""Runs wrk (keep-alive) with POST bodies cycled from a file, and reads its figures from a JSON
line that the Lua script's done() prints."""
import json
import os
import subprocess
import sys
import tempfile

LUA = r"""
local bodies = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk(port, path, texts, seconds, connections, threads, batch=None):
    """wrk -tT -cC -dS on http://127.0.0.1:PORT/PATH. Bodies: {"text"} per text, or {"texts"} of
    `batch` texts each. Returns the figures plus req/s (and texts/s for a batch)."""
    if batch:
        chunks = [texts[j:j + batch] for j in range(0, len(texts) - batch + 1, batch)] or [texts[:batch]]
        bodies = [json.dumps({"texts": c}) for c in chunks]
    else:
        bodies = [json.dumps({"text": t}) for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        script, data = os.path.join(tmp, "post.lua"), os.path.join(tmp, "bodies.jsonl")
        with open(script, "w") as f:
            f.write(LUA)
        with open(data, "w") as f:
            f.write("\n".join(bodies) + "\n")
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script,
                   f"http://127.0.0.1:{port}{path}", "--", data]
        print("[bench-serve] " + " ".join(command), file=sys.stderr, flush=True)
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON "):])
    r["requests_per_second"] = r["requests"] / (r["duration_us"] / 1e6)
    r["non_2xx"] = r["status"]
    r["socket_errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
    if batch:
        r["batch"] = batch
        r["texts_per_second"] = r["requests_per_second"] * batch
    r["command"] = " ".join(command[:-4] + ["post.lua", f"http://127.0.0.1:PORT{path}"])  # post.lua: LUA above
    return r
