"""A tiny training script for the git-exp demo: logistic regression on synthetic data.

Standard library only. It speaks the git-exp run protocol directly (environment variables
GIT_EXP_PARAMS, GIT_EXP_METRICS, GIT_EXP_ARTIFACTS) and runs unchanged without git-exp.
"""

import argparse
import json
import math
import os
import random
import time


def load_params():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def make_data(n, rng):
    points = []
    for _ in range(n):
        x1, x2 = rng.gauss(0, 1), rng.gauss(0, 1)
        label = 1 if x1 + 0.5 * x2 + rng.gauss(0, 0.5) > 0 else 0
        points.append((x1, x2, label))
    return points


def main():
    args = load_params()
    rng = random.Random(args.seed)
    train, test = make_data(400, rng), make_data(200, rng)
    w1 = w2 = b = 0.0
    metrics_path = os.environ.get("GIT_EXP_METRICS")
    metrics = open(metrics_path, "a") if metrics_path else None
    for epoch in range(args.epochs):
        loss = 0.0
        for x1, x2, y in train:
            p = 1 / (1 + math.exp(-(w1 * x1 + w2 * x2 + b)))
            loss -= math.log(max(p if y else 1 - p, 1e-12))
            w1 -= args.lr * (p - y) * x1
            w2 -= args.lr * (p - y) * x2
            b -= args.lr * (p - y)
        loss /= len(train)
        correct = sum((w1 * x1 + w2 * x2 + b > 0) == bool(y) for x1, x2, y in test)
        acc = correct / len(test)
        if not math.isfinite(loss) or loss > 50:
            print(f"epoch {epoch}: diverged (loss={loss})")
            raise SystemExit(1)
        print(f"epoch {epoch}: loss={loss:.4f} acc={acc:.3f}")
        if metrics:
            metrics.write(json.dumps({"step": epoch, "train/loss": loss, "val/acc": acc, "time": time.time()}) + "\n")
            metrics.flush()
    artifacts = os.environ.get("GIT_EXP_ARTIFACTS")
    if artifacts:
        with open(os.path.join(artifacts, "model.json"), "w") as f:
            json.dump({"w1": w1, "w2": w2, "b": b}, f, indent=2)


if __name__ == "__main__":
    main()
