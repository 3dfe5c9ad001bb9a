#!/usr/bin/env python3
"""Writes a deterministic pair of notebooks for benchmarking `git exp nbdiff`.

The old notebook has CELLS cells (about 80% code, 20% markdown) with stream, execute_result and
PNG outputs. The new one edits about 5% of the cells (source, sometimes output too), inserts 2%,
deletes 2% and moves 1% (half of the moved cells also edited), and renumbers every execution
count, as re-running a notebook does. Same arguments, same bytes: only `random.Random(seed)`
is used, and JSON is written with sorted keys.

Usage: gen_notebooks.py --cells 2000 --seed 1 [--ids] --out DIR
Writes DIR/old.ipynb, DIR/new.ipynb and DIR/truth.json: the cell counts a perfect diff reports
(`added`, `deleted`, `modified`, `moved`, `unchanged`) and `pairs`, the `[old, new]` 0-based index
of every cell that is in both. Without `--ids` the cells carry no ids (nbformat 4.4, as older
notebooks, or ids a tool regenerated); with it every cell has a unique id (nbformat 4.5), and
inserted cells new ones. `moved` counts the fewest cells that must move to explain the new
order (pairs outside a longest run in order), which is what a diff can see.
"""

import argparse
import bisect
import base64
import json
import os
import random
import struct
import zlib

WORDS = (
    "data model train loss accuracy epoch batch learning rate optimizer layer dense dropout "
    "feature label split test validation metric score predict fit transform pipeline sample"
).split()


def png(rng, width, height):
    """A real PNG of random pixels (incompressible, so its size is honest)."""
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")
    return base64.b64encode(data).decode("ascii")


def lines(text):
    """nbformat's list-of-lines form."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def code_line(rng, k):
    name = rng.choice(WORDS) + "_" + str(rng.randrange(1000))
    kind = rng.randrange(4)
    if kind == 0:
        return f"{name} = {rng.choice(WORDS)}({rng.randrange(100)}, {rng.random():.3f})"
    if kind == 1:
        return f"for {name} in range({rng.randrange(1, 50)}):"
    if kind == 2:
        return f"    print('{rng.choice(WORDS)} {k}', {name})"
    return f"# {' '.join(rng.choice(WORDS) for _ in range(6))}"


def make_cell(rng, k, image):
    if rng.random() < 0.2:
        text = f"## {rng.choice(WORDS).title()} {k}\n\n" + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(10, 60)))
        return {"cell_type": "markdown", "metadata": {}, "source": lines(text)}
    source = "\n".join(code_line(rng, k) for _ in range(rng.randrange(3, 16)))
    outputs = []
    roll = rng.random()
    if roll < 0.4:
        text = "\n".join(f"{rng.choice(WORDS)} {rng.random():.6f}" for _ in range(rng.randrange(1, 20))) + "\n"
        outputs.append({"name": "stdout", "output_type": "stream", "text": lines(text)})
    elif roll < 0.6:
        outputs.append({
            "data": {"text/plain": [f"{rng.random():.6f}"]},
            "execution_count": k,
            "metadata": {},
            "output_type": "execute_result",
        })
    if image:
        outputs.append({
            "data": {"image/png": png(rng, 200, 150), "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
            "metadata": {},
            "output_type": "display_data",
        })
    return {
        "cell_type": "code",
        "execution_count": k,
        "metadata": {"collapsed": False},
        "outputs": outputs,
        "source": lines(source),
    }


def edit(rng, cell):
    """Changes one source line, and the output text of some code cells."""
    src = "".join(cell["source"]).split("\n")
    at = rng.randrange(len(src))
    src[at] = src[at] + f"  # edited {rng.randrange(10**6)}"
    cell = dict(cell, source=lines("\n".join(src)))
    if cell["cell_type"] == "code" and cell["outputs"] and rng.random() < 0.5:
        out = dict(cell["outputs"][0])
        if out["output_type"] == "stream":
            out["text"] = out["text"] + [f"extra {rng.random():.6f}\n"]
            cell["outputs"] = [out] + cell["outputs"][1:]
    return cell


def notebook(cells, ids):
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5 if ids else 4,
    }


def longest_increasing(values):
    """Length of a longest strictly increasing subsequence (patience sorting)."""
    tails = []
    for v in values:
        at = bisect.bisect_left(tails, v)
        if at == len(tails):
            tails.append(v)
        else:
            tails[at] = v
    return len(tails)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--images", type=float, default=0.05, help="share of code cells with a PNG output")
    parser.add_argument("--ids", action="store_true", help="give every cell a unique id (nbformat 4.5)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    old = [make_cell(rng, k + 1, rng.random() < args.images) for k in range(args.cells)]
    n = args.cells
    picks = rng.sample(range(n), int(n * 0.05) + int(n * 0.02) + int(n * 0.01))
    edited = set(picks[: int(n * 0.05)])
    deleted = set(picks[int(n * 0.05) : int(n * 0.07)])
    moved = picks[int(n * 0.07) :]

    # `new` holds (old index or None, cell): the truth's pairing.
    new = []
    for k, cell in enumerate(old):
        if k in deleted or k in moved:
            continue
        new.append((k, edit(rng, cell) if k in edited else cell))
    for k in range(int(n * 0.02)):
        new.insert(rng.randrange(len(new) + 1), (None, make_cell(rng, n + k + 1, False)))
    moved_edited = 0
    for k in moved:
        cell = old[k]
        if rng.random() < 0.5:
            cell = edit(rng, cell)
            moved_edited += 1
        new.insert(rng.randrange(len(new) + 1), (k, cell))
    origins = [k for k, _ in new]
    # Re-running renumbers every execution count: noise the diff must ignore by default. Cells
    # are shared with `old`, so they are copied, not changed in place.
    new = [dict(c, execution_count=i + 1) if c["cell_type"] == "code" else c for i, (_, c) in enumerate(new)]
    if args.ids:
        # A separate generator, so that the cells are the same bytes with and without ids.
        id_rng = random.Random(args.seed * 7919 + 17)
        old_ids = ["%08x" % id_rng.getrandbits(32) + "-%d" % k for k in range(len(old))]
        old = [dict(c, id=old_ids[k]) for k, c in enumerate(old)]
        new = [
            dict(c, id=old_ids[k] if k is not None else "%08x-new%d" % (id_rng.getrandbits(32), j))
            for j, (k, c) in enumerate(zip(origins, new))
        ]
    pairs = [[k, j] for j, k in enumerate(origins) if k is not None]

    os.makedirs(args.out, exist_ok=True)
    # What a perfect diff reports, to check the alignment against (`modified` counts the moved
    # and edited cells too, as `git exp nbdiff --format json` does).
    modified = len(edited) + moved_edited
    truth = {
        "added": int(n * 0.02),
        "deleted": len(deleted),
        "modified": modified,
        "moved": len(pairs) - longest_increasing([k for k, _ in pairs]),
        "unchanged": len(pairs) - modified,
        "pairs": pairs,
    }
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, sort_keys=True)
        f.write("\n")
    for name, cells in (("old.ipynb", old), ("new.ipynb", new)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(notebook(cells, args.ids), f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
