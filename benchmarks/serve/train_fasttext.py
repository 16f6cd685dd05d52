"""Trains the fastText peer model of `make bench-serve` on a CSV (text,label), with the
'fastText strong' settings of benchmarks/peers.py. Usage: train_fasttext.py TRAIN.csv OUT.bin"""
import csv
import os
import sys

import fasttext

SETTINGS = dict(epoch=50, lr=1.0, wordNgrams=2, minn=3, maxn=5, dim=100, bucket=2_000_000, thread=2)


def main(train_csv, out):
    data = out + ".train.txt"
    with open(train_csv, newline="", encoding="utf-8") as f, open(data, "w", encoding="utf-8") as g:
        for row in csv.DictReader(f):
            g.write(f"__label__{row['label']} {' '.join(row['text'].lower().split())}\n")
    model = fasttext.train_supervised(input=data, verbose=0, seed=42, **SETTINGS)
    os.remove(data)
    model.save_model(out + ".tmp")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
