"""Label a Spark DataFrame with a Switchboard model.

Each partition streams through one long-lived ``switchboard label - --format jsonl`` process.
Every row sent carries its sequence number, and every output line must bring the same number
back in the same order: a missing, extra or shifted line fails the task (Spark then retries it;
labeling is deterministic, so a retry gives the same answers). Null and blank texts are not sent:
they get the unknown label with confidence 0.0, as the binary gives a text without features.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

__all__ = ["label", "ship", "LabelConfig", "label_partition", "SwitchboardProcessError"]


class SwitchboardProcessError(RuntimeError):
    """The labeling process failed, or its output did not match its input row for row."""


@dataclass(frozen=True)
class LabelConfig:
    """What each partition runs: the binary and model (paths, or names shipped with addFile)."""

    model: str
    binary: str = "switchboard"
    top_k: Optional[int] = None
    threshold: Optional[float] = None
    unknown_label: Optional[str] = None
    threads: int = 1
    extra_args: tuple = field(default_factory=tuple)

    def command(self, binary: str, model: str) -> list:
        args = [binary, "label", model, "-", "--format", "jsonl", "--text-field", "t",
                "--threads", str(self.threads)]
        if self.top_k is not None:
            args += ["--top-k", str(self.top_k)]
        if self.threshold is not None:
            args += ["--threshold", repr(float(self.threshold))]
        if self.unknown_label is not None:
            args += ["--unknown-label", self.unknown_label]
        return args + list(self.extra_args)


def _resolve(path: str) -> str:
    """A path as given if it exists here, else the file of that name shipped with addFile."""
    if os.path.exists(path):
        return path
    try:
        from pyspark import SparkFiles
        shipped = SparkFiles.get(os.path.basename(path))
    except Exception:  # no Spark context here: report the path as given
        shipped = None
    if shipped and os.path.exists(shipped):
        return shipped
    if os.sep not in path:  # a bare command name: leave it to PATH
        return path
    raise FileNotFoundError(f"switchboard_spark: '{path}' is neither on this machine nor shipped with addFile")


def _model_unknown_label(binary: str, model: str) -> str:
    """The model's own unknown label, from ``switchboard inspect --json``."""
    out = subprocess.run([binary, "inspect", model, "--json"], capture_output=True, check=True).stdout
    calibration = json.loads(out).get("metadata", {}).get("calibration", {})
    return calibration.get("unknown_label") or "unknown"


def _is_blank(text) -> bool:
    return text is None or not text.strip()


def label_partition(rows: Iterable, text_of, config: LabelConfig) -> Iterator[tuple]:
    """Labels ``rows`` through one process; yields ``(row, label, confidence, top)`` in order.

    ``text_of(row)`` gives the row's text (None for null). ``top`` is a list of
    ``(label, confidence)`` with ``top_k``, else None. Raises SwitchboardProcessError when the
    process fails or its output does not match the rows sent, one for one.
    """
    binary, model = _resolve(config.binary), _resolve(config.model)
    unknown = config.unknown_label
    proc = subprocess.Popen(config.command(binary, model), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 16)
    pending: queue.Queue = queue.Queue()  # unbounded: a bounded one could deadlock with the pipe
    failure: list = []
    stderr_chunks: list = []
    done = object()

    def feed():
        try:
            seq = 0
            for row in rows:
                text = text_of(row)
                blank = _is_blank(text)
                pending.put((row, None if blank else seq))
                if not blank:
                    proc.stdin.write(b'{"i":%d,"t":%s}\n' % (seq, json.dumps(text).encode("ascii")))
                    seq += 1
        except BaseException as error:  # a broken pipe, or an error from the rows' source
            failure.append(error)
        finally:
            pending.put(done)
            try:
                proc.stdin.close()
            except OSError:
                pass

    def drain_stderr():
        stderr_chunks.append(proc.stderr.read())

    threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain_stderr, daemon=True)]
    for t in threads:
        t.start()

    def fail(message: str):
        proc.kill()
        proc.wait()
        threads[1].join(timeout=5)
        detail = b"".join(stderr_chunks).decode("utf-8", "replace").strip()
        raise SwitchboardProcessError(f"switchboard_spark: {message}" + (f"; the process said: {detail}" if detail else ""))

    try:
        received = 0
        while (item := pending.get()) is not done:
            row, seq = item
            if seq is None:
                if unknown is None:
                    unknown = _model_unknown_label(binary, model)
                yield row, unknown, 0.0, ([] if config.top_k is not None else None)
                continue
            line = proc.stdout.readline()
            if not line:
                fail(f"the process stopped after {received} output rows, with more sent "
                     f"(exit status {proc.wait()})")
            out = json.loads(line)
            if out.get("i") != seq:
                fail(f"output row {received} carries id {out.get('i')!r}, expected {seq}")
            received += 1
            top = [(h["label"], float(h["confidence"])) for h in out["top"]] if config.top_k is not None else None
            yield row, out["label"], float(out["confidence"]), top
        if failure:
            fail(f"feeding the process failed: {failure[0]!r}")
        extra = proc.stdout.readline()
        if extra:
            fail(f"the process wrote more rows than it was sent ({received} sent)")
        status = proc.wait()
        threads[1].join()
        if status != 0:
            fail(f"the process exited with status {status}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def ship(spark, *paths: str) -> None:
    """Sends files (the model, the binary) to every executor with ``SparkContext.addFile``."""
    for path in paths:
        spark.sparkContext.addFile(os.path.abspath(path))


def label(df, text_col: str, model: str, binary: str = "switchboard", *, top_k: Optional[int] = None,
          threshold: Optional[float] = None, unknown_label: Optional[str] = None, threads: int = 1,
          label_col: str = "label", confidence_col: str = "confidence", top_col: str = "top"):
    """Returns ``df`` with ``label`` and ``confidence`` columns (and ``top``, with ``top_k``).

    ``model`` and ``binary`` are paths found on every executor, or names of files shipped with
    ``ship`` / ``addFile`` / ``spark-submit --files``. ``text_col`` must be a string column; nulls
    and blank texts get the unknown label (the model's, unless ``unknown_label`` is given).
    """
    from pyspark.sql.types import (ArrayType, DoubleType, StringType, StructField, StructType)

    if text_col not in df.columns:
        raise ValueError(f"no column '{text_col}' in {df.columns}")
    if not isinstance(df.schema[text_col].dataType, StringType):
        raise TypeError(f"column '{text_col}' is {df.schema[text_col].dataType.simpleString()}, not string")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    added = [label_col, confidence_col] + ([top_col] if top_k is not None else [])
    clash = [c for c in added if c in df.columns]
    if clash:
        raise ValueError(f"columns {clash} already exist; name the outputs with label_col/confidence_col/top_col")
    config = LabelConfig(model=model, binary=binary, top_k=top_k, threshold=threshold,
                         unknown_label=unknown_label, threads=threads)
    index = df.columns.index(text_col)
    fields = [StructField(label_col, StringType(), False), StructField(confidence_col, DoubleType(), False)]
    if top_k is not None:
        hypothesis = StructType([StructField("label", StringType(), False),
                                 StructField("confidence", DoubleType(), False)])
        fields.append(StructField(top_col, ArrayType(hypothesis, False), False))
    schema = StructType(df.schema.fields + fields)

    def run(rows):
        for row, name, confidence, top in label_partition(rows, lambda r: r[index], config):
            yield tuple(row) + ((name, confidence) if top is None else (name, confidence, top))

    return df.sparkSession.createDataFrame(df.rdd.mapPartitions(run), schema)
