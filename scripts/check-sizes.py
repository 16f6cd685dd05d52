#!/usr/bin/env python3
"""Lists Swift source files over 400 lines and functions (func, init, closures bodies of
computed members excluded) over 60 lines under the given folders. Exit 1 when any is found.
A function's length runs from its `func`/`init` line to the line of its closing brace."""
import re, sys, pathlib

FILE_LIMIT, FUNCTION_LIMIT = 400, 60
DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|private|fileprivate|internal|static|class|mutating|override|final|nonisolated|@inlinable|@usableFromInline|@discardableResult)\s+)*(?:func\s+\S|init[?!]?\s*[(<]|deinit\b|subscript\s*[(<])')

def strip(line):
    # Drop string literals and line comments, roughly, so braces inside them do not count.
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    return line.split('//', 1)[0]

def functions(lines):
    for i, line in enumerate(lines):
        if not DECL.match(line):
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            text = strip(lines[j])
            depth += text.count('{') - text.count('}')
            opened = opened or '{' in text
            if opened and depth <= 0:
                yield i + 1, j - i + 1, line.strip()
                break
            if not opened and j > i + 8:  # a protocol requirement: no body
                break

def main(folders):
    found = False
    for folder in folders:
        for path in sorted(pathlib.Path(folder).rglob('*.swift')):
            lines = path.read_text(encoding='utf-8').split('\n')
            if len(lines) > FILE_LIMIT:
                print(f'{path}: {len(lines)} lines (limit {FILE_LIMIT})'); found = True
            for start, length, head in functions(lines):
                if length > FUNCTION_LIMIT:
                    print(f'{path}:{start}: function of {length} lines (limit {FUNCTION_LIMIT}): {head[:70]}'); found = True
    return 1 if found else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or ['Sources']))
