"""Example of the git-exp Python helper: fit y = 3x + 1 by gradient descent.

Runs the same with or without git-exp:
    python3 train.py --lr 0.1             # prints what it would log
    git exp run train -p lr=0.1           # records params, metrics and the model
Needs git_exp on the path: `pip install git-exp` (it comes with the binary), or PYTHONPATH=python.
"""

import argparse
import json

import git_exp

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

run = git_exp.init()
data = [(x / 10, 3 * x / 10 + 1) for x in range(-10, 11)]
w = b = 0.0
for epoch in range(args.epochs):
    grad_w = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
    grad_b = sum(2 * (w * x + b - y) for x, y in data) / len(data)
    w, b = w - args.lr * grad_w, b - args.lr * grad_b
    loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
    run.log({"loss": loss, "w": w, "b": b}, step=epoch)

with open("model.json", "w") as f:
    json.dump({"w": w, "b": b}, f)
run.artifact("model.json")
print(f"w={w:.3f} b={b:.3f} loss={loss:.5f}")
