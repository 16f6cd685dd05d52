"""Peer systems for Switchboard's benchmark: fastText and scikit-learn.

run.py starts this file once per measurement, in a fresh process, with the benchmark virtualenv's
Python (benchmarks/.venv). Each command prints one JSON object on stdout:

    peers.py train   SYSTEM TRAIN.csv TEST.csv MODEL_PREFIX  train (timed), save, score on TEST.csv
    peers.py latency SYSTEM MODEL QUERIES.csv                load the model, then one query per call
    peers.py label   SYSTEM MODEL IN.csv OUT.txt             load the model, label the whole file
    peers.py quantize MODEL.bin TRAIN.csv TEST.csv OUT.ftz CUTOFF
                                                             fastText quantize (timed), save, score
    peers.py info                                            versions and the BLAS numpy uses

Training runs in a fresh process every time: pip's fastText aborts at random with
"Encountered NaN." when several models are trained in one process (upstream #935/#1061).
"""

import csv
import json
import os
import sys
import time
import warnings

# --- systems ----------------------------------------------------------------------------------

FASTTEXT_SETTINGS = {
    # fastText's own defaults for supervised training, with 2 threads like every system here.
    "fasttext-default": dict(epoch=5, lr=0.1, thread=2),
    # Chosen on CLINC150 val.csv only (shared/notes/peers.md), then used on every dataset.
    "fasttext-strong": dict(epoch=50, lr=1.0, wordNgrams=2, minn=3, maxn=5, dim=100,
                            bucket=2_000_000, thread=2),
}

# fastText's quantization (`quantize`, the `.ftz` format), as the fastText authors recommend for
# small models: retrain after pruning the input matrix to CUTOFF rows, with quantized row norms.
# dsub 2 (fastText's default: 2 dimensions per product-quantizer sub-vector, one byte each) and
# qout False (the output matrix stays float). Epochs, lr and threads are the model's own.
FASTTEXT_QUANTIZE = dict(qnorm=True, retrain=True, dsub=2, qout=False)

HASHED_FEATURES = 2 ** 18  # one hashed space for word and character n-grams together
SEED = 42                  # the seed every stochastic peer gets (Switchboard's default seed too)
SKLEARN_SYSTEMS = ("sklearn-default", "sklearn-tfidf-linearsvc", "sklearn-hashed-logreg",
                   "sklearn-hashed-sgd")
SYSTEMS = tuple(FASTTEXT_SETTINGS) + SKLEARN_SYSTEMS


class WordAndCharAnalyzer:
    """Word 1-2-grams plus char_wb 2-5-grams of one text, as one token list.

    Lets a single HashingVectorizer hash both kinds into one 2^18 space. A class (not a closure)
    so the fitted pipeline pickles; the built analyzers are rebuilt after unpickling.
    """

    def __init__(self):
        self._analyzers = None

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self._analyzers = None

    def __call__(self, text):
        if self._analyzers is None:
            from sklearn.feature_extraction.text import CountVectorizer
            self._analyzers = (
                CountVectorizer(ngram_range=(1, 2)).build_analyzer(),
                CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer(),
            )
        word, char = self._analyzers
        return word(text) + char(text)


def word_and_char_tfidf():
    """TfidfVectorizer over word 1-2-grams and char_wb 2-5-grams (two vocabularies, stacked)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2))),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))),
    ])


def hashed_tfidf():
    """HashingVectorizer (2^18, word + char_wb n-grams, raw counts) followed by TF-IDF."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import make_pipeline
    return make_pipeline(
        HashingVectorizer(analyzer=WordAndCharAnalyzer(), n_features=HASHED_FEATURES,
                          alternate_sign=False, norm=None),
        TfidfTransformer(),
    )


def sklearn_pipeline(system):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC
    if system == "sklearn-default":
        return make_pipeline(TfidfVectorizer(), LogisticRegression())
    if system == "sklearn-tfidf-linearsvc":
        return make_pipeline(word_and_char_tfidf(), LinearSVC(C=3, random_state=SEED))
    if system == "sklearn-hashed-logreg":
        return make_pipeline(hashed_tfidf(),
                             LogisticRegression(solver="saga", C=10, random_state=SEED))
    if system == "sklearn-hashed-sgd":
        # n_jobs=2: SGDClassifier fits its one-vs-rest problems on 2 threads.
        return make_pipeline(hashed_tfidf(),
                             SGDClassifier(loss="log_loss", alpha=1e-5, n_jobs=2,
                                           random_state=SEED))
    raise SystemExit(f"unknown system {system!r}; known: {', '.join(SYSTEMS)}")


def transposable_coefficients(pipeline):
    """Store coef_ in Fortran order, so coef_.T (what predict multiplies by) is C-contiguous.

    scikit-learn fits coef_ in C order; scipy's sparse @ dense then copies the whole dense
    operand on every call (ravel): 8.3 ms a single query with 2^18 hashed columns, against
    0.5 ms in Fortran order. The model is unchanged; a user serving queries would do this.
    (shared/notes/peers.md says "convert it to C order": measured here, it is the opposite.)
    """
    import numpy as np
    model = pipeline[-1]
    if hasattr(model, "coef_"):
        model.coef_ = np.asfortranarray(model.coef_)


# --- data -------------------------------------------------------------------------------------

def read_csv(path):
    """(texts, labels) from a CSV with a header naming `text` and optionally `label`."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r.get("label") for r in rows]


def fasttext_line(text):
    """fastText reads one example a line and is case-sensitive: one line, lowercased (the
    scikit-learn vectorizers and Switchboard lowercase too)."""
    return " ".join(text.lower().split())


def write_fasttext_file(texts, labels, path):
    with open(path, "w", encoding="utf-8") as f:
        for text, label in zip(texts, labels):
            f.write(f"__label__{label} {fasttext_line(text)}\n")


def scores(truth, predicted):
    """Accuracy and macro-F1 over the union of true and predicted labels (Switchboard's
    `evaluate` uses the same convention)."""
    from sklearn.metrics import accuracy_score, f1_score
    return {"accuracy": accuracy_score(truth, predicted),
            "macro_f1": f1_score(truth, predicted, average="macro", zero_division=0)}


# --- models: train, load, predict -------------------------------------------------------------

def train_fasttext(system, texts, labels, prefix):
    import fasttext
    data = prefix + ".train.txt"
    write_fasttext_file(texts, labels, data)
    start, cpu = time.perf_counter(), time.process_time()
    model = fasttext.train_supervised(input=data, verbose=0, seed=SEED,
                                      **FASTTEXT_SETTINGS[system])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    os.remove(data)
    path = prefix + ".bin"
    model.save_model(path)
    return model, path, seconds, cpu


def train_sklearn(system, texts, labels, prefix):
    import joblib
    pipeline = sklearn_pipeline(system)
    start, cpu = time.perf_counter(), time.process_time()
    pipeline.fit(texts, labels)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    transposable_coefficients(pipeline)
    path = prefix + ".joblib"
    joblib.dump(pipeline, path)
    return pipeline, path, seconds, cpu


def import_libraries(system):
    """Import what loading a model needs, so a timed load times the model, not the imports."""
    if system in FASTTEXT_SETTINGS:
        import fasttext  # noqa: F401
    else:
        import joblib  # noqa: F401
        import sklearn.feature_extraction.text  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.pipeline  # noqa: F401
        import sklearn.svm  # noqa: F401


def load(system, path):
    if system in FASTTEXT_SETTINGS:
        import fasttext
        return fasttext.load_model(path)
    import joblib
    return joblib.load(path)


def predict_one(system, model):
    """A function labelling one text, as a program serving queries would call it."""
    if system in FASTTEXT_SETTINGS:
        return lambda text: model.predict(fasttext_line(text))[0][0]
    return lambda text: model.predict([text])[0]


def predict_many(system, model, texts):
    """Labels for a list of texts in one call."""
    if system in FASTTEXT_SETTINGS:
        found, _ = model.predict([fasttext_line(t) for t in texts])
        return [f[0][len("__label__"):] if f else "" for f in found]
    return list(model.predict(texts))


# --- commands ---------------------------------------------------------------------------------

def command_train(system, train_csv, test_csv, prefix):
    texts, labels = read_csv(train_csv)
    trainer = train_fasttext if system in FASTTEXT_SETTINGS else train_sklearn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, path, seconds, cpu = trainer(system, texts, labels, prefix)
    test_texts, test_labels = read_csv(test_csv)
    result = {"train_seconds": seconds, "train_cpu_seconds": cpu, "model": path,
              "model_bytes": os.path.getsize(path),
              "examples": len(texts), **scores(test_labels, predict_many(system, model, test_texts))}
    messages = sorted({str(w.message).split("\n")[0] for w in caught})
    if messages:
        result["warnings"] = messages
    return result


def command_quantize(model_path, train_csv, test_csv, output, cutoff):
    """Quantize a fastText model to `.ftz` in this (fresh) process: load the `.bin`, prune to
    `cutoff` input rows, retrain on TRAIN.csv, product-quantize, save; score on TEST.csv."""
    import fasttext
    texts, labels = read_csv(train_csv)
    data = output + ".train.txt"
    write_fasttext_file(texts, labels, data)
    model = fasttext.load_model(model_path)
    start, cpu = time.perf_counter(), time.process_time()
    # (fastText reads verbose=0 as "not given" and prints its progress on stderr anyway.)
    model.quantize(input=data, cutoff=int(cutoff), verbose=0, **FASTTEXT_QUANTIZE)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    os.remove(data)
    model.save_model(output)
    test_texts, test_labels = read_csv(test_csv)
    return {"quantize_seconds": seconds, "quantize_cpu_seconds": cpu, "model": output,
            "model_bytes": os.path.getsize(output), "cutoff": int(cutoff), **FASTTEXT_QUANTIZE,
            **scores(test_labels, predict_many("fasttext-strong", model, test_texts))}


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


WARMUP_QUERIES = 100  # untimed calls first: page in the model, warm caches and lazy imports


def command_latency(system, model_path, queries_csv):
    queries, _ = read_csv(queries_csv)
    import_libraries(system)
    start = time.perf_counter()
    model = load(system, model_path)
    load_ms = (time.perf_counter() - start) * 1e3
    predict = predict_one(system, model)
    for text in queries[:WARMUP_QUERIES]:
        predict(text)
    clock = time.perf_counter_ns
    times = []
    for text in queries:
        begin = clock()
        predict(text)
        times.append(clock() - begin)
    times.sort()
    us = [t / 1e3 for t in times]
    return {"load_ms": load_ms, "queries": len(us), "p50_us": percentile(us, 0.50),
            "p90_us": percentile(us, 0.90), "p99_us": percentile(us, 0.99),
            "p999_us": percentile(us, 0.999), "max_us": us[-1],
            "queries_per_second": len(us) / (sum(us) / 1e6)}


def command_label(system, model_path, input_csv, output):
    """Load, read the file, label every row in one call, write the labels: file to file."""
    import_libraries(system)
    start = time.perf_counter()
    model = load(system, model_path)
    loaded = time.perf_counter()
    texts, _ = read_csv(input_csv)
    read = time.perf_counter()
    labels = predict_many(system, model, texts)
    predicted = time.perf_counter()
    with open(output, "w", encoding="utf-8") as out:
        out.writelines(f"{label}\n" for label in labels)
    end = time.perf_counter()
    return {"rows": len(texts), "load_seconds": loaded - start, "read_seconds": read - loaded,
            "predict_seconds": predicted - read, "seconds": end - start,
            "queries_per_second": len(texts) / (end - start),
            "queries_per_second_predict_only": len(texts) / (predicted - read)}


def command_info():
    import fasttext  # noqa: F401  (import checks it works)
    import numpy
    import scipy
    import sklearn
    import threadpoolctl
    from importlib.metadata import version
    return {"python": sys.version.split()[0], "numpy": numpy.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "fasttext-numpy2": version("fasttext-numpy2"), "joblib": version("joblib"),
            "blas": threadpoolctl.threadpool_info()}


def main(argv):
    commands = {"train": (command_train, 4), "latency": (command_latency, 3),
                "label": (command_label, 4), "quantize": (command_quantize, 5),
                "info": (command_info, 0)}
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        raise SystemExit(__doc__)
    function, _ = commands[argv[0]]
    print(json.dumps(function(*argv[1:])))


if __name__ == "__main__":
    # Run as the module `peers` so the pickled WordAndCharAnalyzer is found as
    # `peers.WordAndCharAnalyzer` by any later process, whatever started it.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import peers
    peers.main(sys.argv[1:])
