#!/usr/bin/env python3
"""Prints nbdime's cell pairing of notebook pairs in the notation of the fixture table in
docs/NBDIFF.md: 1-based, `I→J~` paired and patched, `+J` added, `−I` deleted; cells nbdime leaves
untouched are not listed. nbdime reports no moves, and its `~` includes execution counts and
metadata, which git-exp hides by default, so compare the pairs, not the `~`.

Usage (nbdime in a throw-away venv, as bench/nbdiff.sh installs it):
  $VENV/bin/python bench/nbdime_pairing.py OLD NEW [OLD NEW ...]
"""
import sys, nbformat
from nbdime import diff_notebooks

def pairing(a, b):
    old = nbformat.read(a, as_version=4)
    new = nbformat.read(b, as_version=4)
    d = diff_notebooks(old, new)
    cells = [e for e in d if e["key"] == "cells"]
    ops = cells[0]["diff"] if cells else []
    out = []
    i = j = 0
    # Ops are keyed by old index; at one key, nbdime's order is insert, then patch or remove.
    for op in sorted(ops, key=lambda o: (o["key"], {"addrange": 0, "patch": 1, "removerange": 2}[o["op"]])):
        k = op["key"]
        while i < k:  # untouched cells in place
            i += 1
            j += 1
        if op["op"] == "addrange":
            for _ in op["valuelist"]:
                j += 1
                out.append(f"+{j}")
        elif op["op"] == "removerange":
            for _ in range(op["length"]):
                i += 1
                out.append(f"−{i}")
        elif op["op"] == "patch":
            i += 1
            j += 1
            out.append(f"{i}→{j}~")
    return ", ".join(out)

for a, b in zip(sys.argv[1::2], sys.argv[2::2]):
    print(f"{a.split('/')[-1]} → {b.split('/')[-1]}: {pairing(a, b)}")
