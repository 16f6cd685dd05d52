"""switchboard_spark against `switchboard label` run directly, in local-mode Spark.

SWITCHBOARD_BIN names the binary (default .build/debug/switchboard), SWITCHBOARD_MODEL the model
(default Models/demo.model), SPARK_TEST_ROWS the row count of the Spark jobs (default 3000).
"""

import json
import os
import random
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "integrations" / "spark"))
import switchboard_spark as sbs  # noqa: E402

BIN = str((ROOT / os.environ.get("SWITCHBOARD_BIN", ".build/debug/switchboard")).resolve())
MODEL = str((ROOT / os.environ.get("SWITCHBOARD_MODEL", "Models/demo.model")).resolve())
ROWS = int(os.environ.get("SPARK_TEST_ROWS", "3000"))

HOSTILE = [
    "I was charged twice\nthis month", "tab\tseparated\tquery", 'she said "cancel it"', "back\\slash \\n not a newline",
    "{\"i\": 7, \"t\": \"json inside\"}", "emoji 🎉🔥 refund please", "مرحبا أريد إلغاء الاشتراك", "日本語のテキスト",
    "e\u0301 combining accents cafe\u0301", "zero\u200bwidth", "line\u2028separator\u2029para", "nul\x00byte",
    "\x1c\x1d\x1e\x1f", "   padded   ", "\r\nwindows\r\n", "how do i turn on 2fa", "!!!", "a" * 5000,
    "", "   ", "\n\t", None,
]


def hostile_texts(n, seed=7):
    """n texts: the hostile list cycled, mixed with random Unicode and real queries."""
    rng = random.Random(seed)
    words = ["refund", "password", "reset", "crash", "invoice", "talk", "human", "plan", "upgrade", "bug"]
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(HOSTILE[(i // 3) % len(HOSTILE)])
        elif kind == 1:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))))
        else:
            out.append("".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0xA0, 0xD7FF),
                                                rng.randint(0xE000, 0x10FFFF)])) for _ in range(rng.randint(1, 30))))
    return out


def direct_labels(texts, tmp_path, top_k=None):
    """What `switchboard label` gives each non-blank text directly; blank ones: None."""
    src = tmp_path / "direct.jsonl"
    sent = [t for t in texts if t is not None and t.strip()]
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in sent))
    args = [BIN, "label", MODEL, str(src), "--format", "jsonl"] + (["--top-k", str(top_k)] if top_k else [])
    lines = subprocess.run(args, capture_output=True, check=True).stdout.decode().splitlines()
    assert len(lines) == len(sent)
    answers = iter(json.loads(line) for line in lines)
    return [next(answers) if t is not None and t.strip() else None for t in texts]


def check_against_direct(rows, texts, direct, top_k=None):
    assert len(rows) == len(texts)
    for row in rows:
        expected = direct[row["id"]]
        assert row["text"] == texts[row["id"]]
        if expected is None:
            assert (row["label"], row["confidence"]) == ("unknown", 0.0)
        else:
            assert (row["label"], row["confidence"]) == (expected["label"], float(expected["confidence"]))
            if top_k:
                assert [(h["label"], h["confidence"]) for h in row["top"]] == \
                       [(h["label"], float(h["confidence"])) for h in expected["top"]]


def write_script(path, body):
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# --- the partition protocol, without Spark -----------------------------------------------------

def test_partition_matches_direct_run_row_for_row(tmp_path):
    texts = hostile_texts(600)
    direct = direct_labels(texts, tmp_path, top_k=3)
    config = sbs.LabelConfig(model=MODEL, binary=BIN, top_k=3)
    rows = [{"id": i, "text": t, "label": name, "confidence": c, "top": [{"label": l, "confidence": p} for l, p in top]}
            for (i, t), name, c, top in sbs.label_partition(enumerate(texts), lambda r: r[1], config)]
    check_against_direct(rows, texts, direct, top_k=3)


FAKE = """
import json, sys
mode = {mode!r}
lines = [json.loads(l) for l in sys.stdin]
if mode == "swap" and len(lines) > 2: lines[1], lines[2] = lines[2], lines[1]
if mode == "drop": lines = lines[:-1]
if mode == "extra": lines.append(lines[-1])
for o in lines: print(json.dumps(dict(o, label="x", confidence=1.0)))
sys.exit(3 if mode == "exit" else 0)
"""


@pytest.mark.parametrize("mode,message", [("drop", "stopped after 4 output rows"), ("swap", "carries id 2, expected 1"),
                                          ("extra", "more rows than it was sent"), ("exit", "exited with status 3")])
def test_a_process_that_loses_shifts_or_adds_rows_fails_loudly(tmp_path, mode, message):
    fake = write_script(tmp_path / "fake", FAKE.format(mode=mode))
    config = sbs.LabelConfig(model=MODEL, binary=fake, unknown_label="unknown")
    with pytest.raises(sbs.SwitchboardProcessError, match=message):
        list(sbs.label_partition(["a", None, "b", "c", "d", "e"], lambda r: r, config))


def test_a_bad_model_fails_with_the_process_message(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a model")
    config = sbs.LabelConfig(model=str(bad), binary=BIN)
    with pytest.raises(sbs.SwitchboardProcessError, match="the process said"):
        list(sbs.label_partition(["hello"], lambda r: r, config))


# --- real Spark, local mode --------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession
    # The Python workers import switchboard_spark (on a cluster: spark-submit --py-files).
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "integrations" / "spark"),
                                                             os.environ.get("PYTHONPATH")]))
    session = (SparkSession.builder.master("local[2,3]")  # 2 threads, up to 3 attempts per task
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .appName("switchboard-spark-test").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, texts):
    from pyspark.sql.types import LongType, StringType, StructField, StructType
    schema = StructType([StructField("id", LongType(), False), StructField("text", StringType(), True)])
    return spark.createDataFrame(list(enumerate(texts)), schema).repartition(4)


def test_spark_labels_every_row_as_the_binary_does(spark, tmp_path):
    texts = hostile_texts(ROWS)
    direct = direct_labels(texts, tmp_path, top_k=2)
    rows = sbs.label(frame(spark, texts), "text", MODEL, BIN, top_k=2).collect()
    check_against_direct([r.asDict(recursive=True) for r in rows], texts, direct, top_k=2)


def test_files_shipped_with_addfile_are_found_by_name(spark, tmp_path):
    texts = hostile_texts(200, seed=3)
    direct = direct_labels(texts, tmp_path)
    sbs.ship(spark, MODEL, BIN)
    rows = sbs.label(frame(spark, texts), "text", os.path.basename(MODEL), "./" + os.path.basename(BIN)).collect()
    check_against_direct([r.asDict() for r in rows], texts, direct)


KILLER = """
import os, signal, subprocess, sys, time
real, mark = {real!r}, {mark!r}
try:
    if sys.argv[1] != "label":  # `inspect`, run for the model's unknown label
        raise FileExistsError
    os.mkdir(mark)  # the first labeling process of the job only: later ones run the real binary
except FileExistsError:
    os.execv(real, [real] + sys.argv[1:])
child = subprocess.Popen([real] + sys.argv[1:], stdin=subprocess.PIPE)
for n, line in enumerate(sys.stdin.buffer):
    child.stdin.write(line)
    if n == {after}:
        child.stdin.flush()
        time.sleep(0.3)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        with open(os.path.join(mark, "killed"), "w") as f: f.write(str(child.pid))
        sys.exit(137)
"""


def test_a_killed_process_fails_the_task_and_the_retry_gives_the_same_answers(spark, tmp_path):
    texts = hostile_texts(ROWS, seed=11)
    direct = direct_labels(texts, tmp_path)
    mark = tmp_path / "killed-once"
    killer = write_script(tmp_path / "switchboard-killer", KILLER.format(real=BIN, mark=str(mark), after=100))
    rows = sbs.label(frame(spark, texts), "text", MODEL, killer).collect()
    assert (mark / "killed").read_text().isdigit(), "no process was killed"
    check_against_direct([r.asDict() for r in rows], texts, direct)


def test_a_mismatch_fails_the_job_loudly(spark, tmp_path):
    fake = write_script(tmp_path / "fake", FAKE.format(mode="drop"))
    with pytest.raises(Exception, match="stopped after 0 output rows"):
        sbs.label(frame(spark, ["a"]), "text", MODEL, fake, unknown_label="unknown").collect()


def test_bad_arguments_are_refused_before_any_job(spark):
    df = frame(spark, ["a"])
    with pytest.raises(ValueError, match="no column"):
        sbs.label(df, "nope", MODEL, BIN)
    with pytest.raises(TypeError, match="not string"):
        sbs.label(df, "id", MODEL, BIN)
    with pytest.raises(ValueError, match="already exist"):
        sbs.label(df.withColumnRenamed("id", "label"), "text", MODEL, BIN)
