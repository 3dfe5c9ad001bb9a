"""git-exp's Python helper: log params, metrics and artifacts of a run.

Standard library only. Inside `git exp run` it speaks the run protocol (the GIT_EXP_*
environment variables); outside it is a no-op logger that still prints, so a program that uses
it runs unchanged without git-exp.

    import git_exp
    run = git_exp.init()
    lr = run.params.get("lr", 0.01)
    for epoch in range(10):
        run.log({"loss": loss, "acc": acc}, step=epoch)
    run.artifact("model.pt")

From a notebook, record the current code as a run:

    git_exp.snapshot(message="after tuning", metrics={"acc": 0.91})
"""

import json
import math
import os
import shutil
import subprocess
import sys
import time

__all__ = ["Run", "init", "snapshot"]
__version__ = "0.1.0"


class Run:
    """A run being recorded, or a stand-in when the program runs outside git-exp."""

    def __init__(self, run_id=None, params=None, metrics_path=None, artifacts_dir=None, quiet=False):
        self.id = run_id
        self.params = dict(params or {})
        self._metrics_path = metrics_path
        self._artifacts_dir = artifacts_dir
        self._metrics = None
        self._quiet = quiet

    @property
    def active(self):
        """True inside `git exp run`: metrics and artifacts are recorded."""
        return self._metrics_path is not None

    def log(self, values, step=None):
        """Logs numeric values, e.g. run.log({"loss": 0.3, "acc": 0.9}, step=3).

        Each call is one line, flushed at once, so a crash keeps everything logged before it.
        Non-finite floats are written as "nan", "inf", "-inf". Outside git-exp it prints them.
        """
        if not isinstance(values, dict):
            raise TypeError("log() takes a dict of metric names to numbers")
        line = {}
        if step is not None:
            line["step"] = int(step)
        for key, value in values.items():
            line[str(key)] = _number(key, value)
        line["time"] = round(time.time(), 3)
        if not self.active:
            if not self._quiet:
                shown = " ".join(f"{k}={v}" for k, v in line.items() if k != "time")
                print(f"[git-exp] {shown}", file=sys.stderr)
            return
        if self._metrics is None:
            self._metrics = open(self._metrics_path, "a", encoding="utf-8")
        self._metrics.write(json.dumps(line, allow_nan=False) + "\n")
        self._metrics.flush()

    def artifact(self, path, name=None):
        """Stores a file (or a directory, recursively) as an artifact of the run.

        `name` is the path inside the run's artifacts, by default the file's own name.
        Returns the stored path, or None outside git-exp.
        """
        if not os.path.exists(path):
            raise FileNotFoundError(f"artifact {path!r} does not exist")
        if not self.active or self._artifacts_dir is None:
            if not self._quiet:
                print(f"[git-exp] artifact {path} (not stored: not inside `git exp run`)", file=sys.stderr)
            return None
        target = os.path.join(self._artifacts_dir, name or os.path.basename(os.path.normpath(path)))
        if os.path.commonpath([os.path.abspath(target), os.path.abspath(self._artifacts_dir)]) != os.path.abspath(
            self._artifacts_dir
        ):
            raise ValueError(f"artifact name {name!r} leaves the artifacts directory")
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if os.path.isdir(path):
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, target)
        return target

    def close(self):
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _number(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars, torch 0-d tensors via __float__
        except (TypeError, ValueError):
            raise TypeError(f"metric {key!r}: {value!r} is not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def init(quiet=False):
    """Returns the current run: the real one inside `git exp run`, else a no-op logger."""
    run_id = os.environ.get("GIT_EXP_RUN_ID")
    _report_environment()
    params_path = os.environ.get("GIT_EXP_PARAMS")
    params = {}
    if params_path and os.path.exists(params_path):
        with open(params_path, encoding="utf-8") as f:
            params = json.load(f)
    return Run(
        run_id=run_id,
        params=params,
        metrics_path=os.environ.get("GIT_EXP_METRICS"),
        artifacts_dir=os.environ.get("GIT_EXP_ARTIFACTS"),
        quiet=quiet,
    )


def snapshot(message=None, params=None, metrics=None, name=None, tags=(), git_exp="git-exp", cwd=None):
    """Records a run of the current code without executing anything (`git exp snapshot`).

    Returns the new run's id. Raises RuntimeError with git-exp's message when it fails.
    """
    args = [git_exp, "snapshot"]
    if message:
        args += ["-m", message]
    if name:
        args += ["-n", name]
    for tag in tags:
        args += ["-t", tag]
    for key, value in (params or {}).items():
        args += ["-p", f"{key}={_param(value)}"]
    for key, value in (metrics or {}).items():
        value = _number(key, value)
        args += ["--metric", f"{key}={value}"]
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(f"{git_exp} is not installed or not on PATH") from None
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"git-exp snapshot failed with exit code {done.returncode}")
    return done.stdout.strip()


def _param(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Quoted, so that a string like "3" stays a string.
        return '"' + value + '"'
    return str(value)


def _report_environment():
    """Tells `git exp run` which Python actually runs and what is installed in it.

    Writes `{"python": {"executable", "version", "packages": [[name, version], ...]}}` to
    $GIT_EXP_ENV_OUT (docs/FORMAT.md, "Run protocol"); git-exp records it in place of what it
    probed from the command line. Never raises: the record is a courtesy, the program matters.
    """
    path = os.environ.get("GIT_EXP_ENV_OUT")
    if not path:
        return
    try:
        import importlib.metadata as metadata

        seen = {}
        for dist in metadata.distributions():
            name = dist.metadata["Name"]
            if name and name.lower() not in seen:
                seen[name.lower()] = [name, dist.version or ""]
        report = {
            "python": {
                "executable": sys.executable,
                "version": "%d.%d.%d" % sys.version_info[:3],
                "packages": sorted(seen.values(), key=lambda p: p[0].lower()),
            }
        }
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(report, f)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - see the docstring
        pass
