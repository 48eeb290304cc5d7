#!/usr/bin/env python3
"""Lists public and open declarations in Sources/ without a `///` doc comment above them.

Usage: scripts/check-docs.py [--count]   (exit 1 when any is found)
Declarations in `extension X: Protocol` blocks are checked too: a reader of the API needs them.
Enum cases are not listed (their lines carry no access keyword); document them by hand.
"""
import re, sys, pathlib

decl = re.compile(r'^\s*(?:@[\w()., ]+\s+)*(?:public|open)\s+(?:(?:static|final|override|mutating|nonisolated|convenience|required|private\(set\)|package\(set\)|internal\(set\)|fileprivate\(set\))\s+)*'
                  r'(func|var|let|init|subscript|struct|class|enum|protocol|typealias|case|actor)\b')
missing = []
for path in sorted(pathlib.Path('Sources').rglob('*.swift')):
    if path.name.endswith('.pb.swift'):   # generated (protoc)
        continue
    lines = path.read_text().split('\n')
    for i, line in enumerate(lines):
        if not decl.match(line):
            continue
        j = i - 1
        while j >= 0 and re.match(r'^\s*@', lines[j]):   # attributes on their own lines
            j -= 1
        prev = lines[j].strip() if j >= 0 else ''
        if prev.startswith('///') or prev.endswith('*/'):
            continue
        missing.append(f'{path}:{i + 1}: {line.strip()[:100]}')
if '--count' in sys.argv:
    print(len(missing))
else:
    print('\n'.join(missing))
sys.exit(1 if missing else 0)
