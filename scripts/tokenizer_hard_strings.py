#!/usr/bin/env python3
"""Writes the committed tokenizer fixture: hard strings and their reference ids.

Usage: tokenizer_hard_strings.py WHEEL OUTPUT.jsonl

The strings are fixed lists plus seeded random mixtures (emoji and ZWJ sequences, CJK, Thai,
Arabic, accents precomposed and combining, digits, long words, runs of spaces, tabs and line
breaks, special-token look-alikes, "▁" itself, lone bytes of every class); ids come from
Hugging Face `tokenizers` (`encode(text, add_special_tokens=False)`).
"""
import json
import random
import sys
import zipfile

from tokenizers import Tokenizer

MEMBER = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"

FIXED = [
    "", " ", "  ", "   ", "\t", "\n", "\r\n", " \t \n ", "a", " a", "a ", "  a  b  ", "x  y", "x   y",
    "hello world", "Hello World", "HELLO WORLD", "hello\tworld", "hello\nworld", "hello\u00a0world",
    "<s>", "</s>", "<unk>", "<s></s>", "a<s>b", "a <s> b", "<s> hi", "hi </s>", "<<s>>", "<s", "s>", "</s",
    "<0x41>", "<0xFF>", "<pad>", "\u2581", "\u2581\u2581", "\u2581hello", "hello\u2581world",
    "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "Straße", "ﬁ ligature",
    "İstanbul", "ǅ", "ß", "ẞ", "Ω", "Ω", "Å", "Å",
    "2fa", "error 404", "3.14159", "1,000,000", "0000000000", "1234567890123456789", "$12.50", "€100", "50%",
    "日本語のテキスト", "中文文本测试", "한국어 텍스트", "ภาษาไทย", "العربية", "עברית", "русский текст", "Ελληνικά",
    "हिन्दी", "தமிழ்", "ᚠᚢᚦ", "𐍈𐌰𐍃", "🙂", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇩🇪", "#️⃣", "❤️", "☃",
    "\u200b", "\u200d", "\ufeffbom", "\u202eevil\u202c", "\u0000", "\x01\x02\x03", "\x7f", "\ud7ff", "\ue000", "\U0010fffd",
    "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 200, "ab" * 100, "aaaa bbbb" * 20, "!!!!!!!!", "??", "...", "—", "–", "«quotes»", "“smart”", "‘single’",
    "don't", "can't won't", "e-mail", "co-operate", "C++", "C#", "node.js", "foo_bar_baz", "CamelCaseWord",
    "https://example.com/path?q=1&r=2", "user@example.com", "#hashtag", "@mention", "I was charged twice this month",
    "how do i turn on 2fa", "can I talk to a real person please", "what's the weather like in São Paulo?",
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "      \t\n",
    "éèêëàâäôöûüçñåøæœßíóúý", "\u0301\u0308\u0327\u0303", "日本語中文字漢字", "ひらがなカタカナ", "한국어",
    "ภาษาไทย", "العربية", "🙂😀👍🏽❤️🔥✨", "\u200d\u200b\ufe0f", ".,;:!?'\"()[]{}<>/\\|-_+=*&^%$#@~`",
    "\u2581", "<s>", "</s>",
]


def random_strings(rng, count):
    out = []
    for _ in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
        pools = rng.sample(POOLS, rng.randint(1, 4))
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(length)))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with zipfile.ZipFile(sys.argv[1]) as z:
        tokenizer = Tokenizer.from_str(z.read(MEMBER).decode("utf-8"))
    texts = FIXED + random_strings(random.Random(20261202), 220)
    seen, rows = set(), []
    for text in texts:
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "ids": tokenizer.encode(text, add_special_tokens=False).ids})
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=True) + "\n")
    print(f"{len(rows)} strings -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
