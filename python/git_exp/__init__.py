"""git-exp's Python helper: log params, metrics, images, tables and artifacts of a run.

Standard library only. Inside `git exp run` it speaks the run protocol (the GIT_EXP_*
environment variables). In a plain `python train.py` or a notebook, init() starts a real run
through the installed git-exp binary (`git-exp attach`). Outside a git repository, or without
the binary, it is a no-op logger that prints, so a program that uses it runs unchanged.

    import git_exp
    with git_exp.init(config={"lr": 0.01, "model": {"depth": 4}}) as run:
        for epoch in range(10):
            run.log({"loss": loss, "acc": acc}, step=epoch)
        run.log_image("samples", image)
        run.artifact("model.pt")

Record the current code as a run without running anything:

    git_exp.snapshot(message="after tuning", params=clf.get_params(), metrics={"acc": 0.91})

See docs/PYTHON.md.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import _attach, _media, _values
from ._values import metric_key

__all__ = ["Run", "init", "snapshot", "current", "metric_key"]
__version__ = "0.1.0"

# The protocol variables init() puts into os.environ for an attached run (so child processes
# log into the same run), taken out again by finish().
_SHARED_ENV = ("GIT_EXP_RUN_ID", "GIT_EXP_PARAMS", "GIT_EXP_METRICS", "GIT_EXP_ARTIFACTS", "GIT_EXP_PARAMS_LOG")
_current = None


class Config(dict):
    """run.config: a dict of the run's params; setting a key or update() records it."""

    def __init__(self, run, values):
        super().__init__(values)
        self._run = run

    def __setitem__(self, key, value):
        self._run.log_params({key: value})

    def update(self, *args, **kwargs):
        self._run.log_params(dict(*args, **kwargs))

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Run:
    """A run being recorded, or a stand-in (`active` False) that prints what it would log."""

    def __init__(self, run_id=None, params=None, metrics_path=None, artifacts_dir=None, quiet=False, params_log=None):
        self.id = run_id
        self.name = None
        self.params = dict(params or {})
        self.config = Config(self, self.params)
        self._metrics_path = metrics_path
        self._artifacts_dir = artifacts_dir
        self._params_log = params_log
        self._metrics = None
        self._quiet = quiet
        self._steps = {}
        self._media_steps = {}
        self._supervisor = None
        self._finish_path = None
        self._output = None
        self._failed = None
        self.finished = False

    @property
    def active(self):
        """True while metrics and artifacts are recorded (inside `git exp run` or after init())."""
        return self._metrics_path is not None and not self.finished

    @property
    def attached(self):
        """True when this process records itself (init() outside `git exp run`)."""
        return self._supervisor is not None

    def _say(self, text):
        if not self._quiet:
            print(f"[git-exp] {text}", file=sys.stderr)

    # Params ----------------------------------------------------------------------------------

    def log_params(self, params):
        """Records params from a dict, argparse.Namespace, dataclass (or an object with to_dict()).

        Nested dicts become dotted keys (`model.depth`); None, bools, numbers, strings and lists are
        kept as typed values. Params given to git-exp (`-p`) win over logged ones (docs/PYTHON.md).
        """
        flat = _values.flatten(params)
        for key, value in flat.items():
            node = self.params
            parts = key.split(".")
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
            node[parts[-1]] = value
            dict.__setitem__(self.config, parts[0], self.params[parts[0]])
        if not flat:
            return
        if not self.active or self._params_log is None:
            self._say("params " + " ".join(f"{k}={json.dumps(v)}" for k, v in flat.items()))
            return
        with open(self._params_log, "a", encoding="utf-8") as f:
            f.write(json.dumps(flat, allow_nan=False) + "\n")

    # Metrics ---------------------------------------------------------------------------------

    def log(self, values, step=None):
        """Logs numbers, e.g. run.log({"loss": 0.3, "acc": 0.9}, step=3).

        Without `step`, each key continues from its own last step (0 first). Nested dicts become
        `/` keys. Keys follow the metric-key rule (`train loss` is recorded as `train_loss`, with
        one warning). Each call is one flushed line, so a crash keeps what was logged before it.
        """
        if not isinstance(values, dict):
            raise TypeError("log() takes a dict of metric names to numbers")
        line = {}
        if step is not None:
            line["step"] = int(step)
        for key, value in _values.flatten_metrics(values).items():
            key = metric_key(key)
            line[key] = _values.number(key, value)
            self._steps[key] = int(step) if step is not None else self._steps.get(key, -1) + 1
        line["time"] = round(time.time(), 3)
        if not self.active:
            if not self._quiet:
                self._say(" ".join(f"{k}={v}" for k, v in line.items() if k != "time"))
            return
        if self._metrics is None:
            self._metrics = open(self._metrics_path, "a", encoding="utf-8")
        self._metrics.write(json.dumps(line, allow_nan=False) + "\n")
        self._metrics.flush()

    def step(self, key):
        """The last step logged for metric `key` (None before its first point)."""
        return self._steps.get(metric_key(key))

    # Media -----------------------------------------------------------------------------------

    def _media(self, folder, key, step, data, ext):
        key = metric_key(key)
        counter = (folder, key)
        step = int(step) if step is not None else self._media_steps.get(counter, -1) + 1
        if step < 0:
            raise ValueError(f"{folder} {key!r}: step must be 0 or more, not {step}")
        self._media_steps[counter] = step
        rel = f"{folder}/{key}/{step}.{ext}"
        if not self.active or self._artifacts_dir is None:
            self._say(f"{rel} ({len(data)} bytes, not stored)")
            return None
        target = os.path.join(self._artifacts_dir, *rel.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        return target

    def log_image(self, key, image, step=None):
        """Stores an image as artifact `media/<key>/<step>.<ext>`: a PIL image, a numpy array
        (HxW, HxWx3, HxWx4; floats in 0..1), a matplotlib figure or a file path."""
        data, ext = _media.image_bytes(image)
        return self._media("media", key, step, data, ext)

    def log_text(self, key, text, step=None):
        """Stores text as artifact `text/<key>/<step>.txt`."""
        return self._media("text", key, step, str(text).encode("utf-8"), "txt")

    def log_table(self, key, data, step=None, columns=None):
        """Stores a table as artifact `tables/<key>/<step>.csv`: a list of dicts, a list of rows
        (with `columns`) or a pandas DataFrame."""
        return self._media("tables", key, step, _media.table_csv(data, columns).encode("utf-8"), "csv")

    # Artifacts -------------------------------------------------------------------------------

    def artifact(self, path, name=None):
        """Stores a file (or a directory, recursively) as an artifact of the run.

        `name` is the path inside the run's artifacts, by default the file's own name.
        Returns the stored path, or None when not recording.
        """
        if not os.path.exists(path):
            raise FileNotFoundError(f"artifact {path!r} does not exist")
        if not self.active or self._artifacts_dir is None:
            self._say(f"artifact {path} (not stored: no run is being recorded)")
            return None
        root = os.path.abspath(self._artifacts_dir)
        target = os.path.abspath(os.path.join(root, name or os.path.basename(os.path.normpath(path))))
        if os.path.commonpath([target, root]) != root or target == root:
            raise ValueError(f"artifact name {name!r} leaves the artifacts directory")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(path):
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, target)
        return target

    # Ending ----------------------------------------------------------------------------------

    def close(self):
        """Closes the metrics file (the run goes on; see finish())."""
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None

    def finish(self, status="completed", exit_code=None, timeout=120):
        """Ends the run. For a run started by init() outside `git exp run`, this commits it with
        `status` (completed, failed or interrupted) and waits for git-exp (up to `timeout`
        seconds). Inside `git exp run` the command's exit decides; this only closes files."""
        global _current
        if self.finished:
            return
        self.close()
        if self._supervisor is not None:
            if status not in ("completed", "failed", "interrupted"):
                raise ValueError(f"status must be completed, failed or interrupted, not {status!r}")
            if exit_code is None:
                exit_code = 0 if status == "completed" else 1
            self._end_output()
            tmp = self._finish_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"status": status, "exit_code": exit_code}, f)
            os.replace(tmp, self._finish_path)
            for name in _SHARED_ENV:
                os.environ.pop(name, None)
            if not self._supervisor.wait(timeout):
                print(f"git-exp: run {self.id} is still being committed in the background", file=sys.stderr)
        self.finished = True
        if _current is self:
            _current = None

    def _end_output(self):
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if getattr(stream, "_log", None) is self._output:
                setattr(sys, name, stream._git_exp_inner)
        if self._output is not None:
            self._output.close()
            self._output = None

    def _at_exit(self):
        if not self.finished:
            failed = self._failed
            self.finish(failed or "completed", 130 if failed == "interrupted" else (1 if failed else 0))

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.finish()
        elif self.attached:
            interrupted = issubclass(kind, KeyboardInterrupt)
            self.finish("interrupted" if interrupted else "failed")
        else:
            self.close()
        return False


def current():
    """The run init() returned in this process, if it is still being recorded."""
    return _current


def _protocol_run(quiet):
    _report_environment()
    params_path = os.environ.get("GIT_EXP_PARAMS")
    params = {}
    if params_path and os.path.exists(params_path):
        with open(params_path, encoding="utf-8") as f:
            params = json.load(f)
    return Run(
        run_id=os.environ.get("GIT_EXP_RUN_ID"),
        params=params,
        metrics_path=os.environ.get("GIT_EXP_METRICS"),
        artifacts_dir=os.environ.get("GIT_EXP_ARTIFACTS"),
        params_log=os.environ.get("GIT_EXP_PARAMS_LOG"),
        quiet=quiet,
    )


def init(config=None, name=None, tags=(), note=None, quiet=False, record=True, git_exp=None):
    """Returns the run being recorded.

    Inside `git exp run` (GIT_EXP_RUN_ID is set): that run. Otherwise, with `record` true, starts
    a run of this process through the git-exp binary (found by `git_exp`, $GIT_EXP_BIN, PATH or
    next to sys.executable) that ends at finish(), at the end of a `with` block or when the
    process exits. Outside a git repository or without the binary: a warning and a no-op logger.
    `config` is logged with log_params(); `name`, `tags` and `note` apply to a new run only.
    """
    global _current
    if _current is not None and _current.active:
        run = _current
    elif os.environ.get("GIT_EXP_RUN_ID"):
        run = _protocol_run(quiet)
        _current = run
    elif record:
        run = _attach_run(name, tags, note, quiet, git_exp)
    else:
        run = Run(quiet=quiet)
    if config is not None:
        run.log_params(config)
    return run


def _attach_run(name, tags, note, quiet, git_exp):
    global _current
    binary = _attach.find_binary(git_exp)
    if binary is None:
        where = os.environ.get("GIT_EXP_BIN") or git_exp
        why = f"{where} does not exist" if where else "the git-exp binary is not on PATH (pip install git-exp)"
        print(f"git-exp: not recording: {why}", file=sys.stderr)
        return Run(quiet=quiet)
    supervisor, why = _attach.start(binary, name, tags, note)
    if supervisor is None:
        print(f"git-exp: not recording: {why}", file=sys.stderr)
        return Run(quiet=quiet)
    env = supervisor.hello["env"]
    for key in _SHARED_ENV:
        if key in env:
            os.environ[key] = env[key]
    run = _protocol_run(quiet)
    run.name = supervisor.hello.get("name")
    run._supervisor = supervisor
    run._finish_path = env["GIT_EXP_FINISH"]
    run._output = open(env["GIT_EXP_OUTPUT"], "a", encoding="utf-8", errors="replace")
    sys.stdout = _attach.Tee(sys.stdout, run._output)
    sys.stderr = _attach.Tee(sys.stderr, run._output)
    _install_failure_hook(run)
    atexit.register(run._at_exit)
    _current = run
    return run


def _install_failure_hook(run):
    previous = sys.excepthook

    def hook(kind, value, tb):
        run._failed = "interrupted" if issubclass(kind, KeyboardInterrupt) else "failed"
        previous(kind, value, tb)

    sys.excepthook = hook


def snapshot(message=None, params=None, metrics=None, name=None, tags=(), git_exp="git-exp", cwd=None):
    """Records a run of the current code without executing anything (`git exp snapshot`).

    `params` may be nested and hold None, lists and dicts (clf.get_params() works as it is):
    they are recorded typed, as log_params() records them. Returns the new run's id; raises
    RuntimeError with git-exp's message when it fails.
    """
    args = [git_exp, "snapshot"]
    if message:
        args += ["-m", message]
    if name:
        args += ["-n", name]
    for tag in tags:
        args += ["-t", tag]
    params_file = None
    if params:
        # A params file keeps types (and lists) that `-p KEY=VALUE` cannot: `-p k=[..]` sweeps.
        fd, params_file = tempfile.mkstemp(prefix="git-exp-params-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(_values.nest(_values.flatten(params)), f, allow_nan=False)
        args += ["--params-file", params_file]
    for key, value in (metrics or {}).items():
        key = metric_key(key)
        args += ["--metric", f"{key}={_values.number(key, value)}"]
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(f"{git_exp} is not installed or not on PATH") from None
    finally:
        if params_file:
            os.unlink(params_file)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"git-exp snapshot failed with exit code {done.returncode}")
    return done.stdout.strip()


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
