"""Recording a run without `git exp run`: `git-exp attach` supervises this process.

The helper starts `git-exp attach --pid <this pid>` in its own session (Ctrl-C in the terminal
does not reach it); it snapshots the code, commits a running run and prints one JSON line with
the run protocol's variables. The helper then writes metrics, params and artifacts there, tees
its own stdout/stderr into `GIT_EXP_OUTPUT`, and on finish() (or at exit) writes
`GIT_EXP_FINISH`; if this process dies first, git-exp records the run as crashed.
"""

import json
import os
import shutil
import subprocess
import sys
import threading


def find_binary(explicit=None):
    """The git-exp binary: given, $GIT_EXP_BIN, on PATH, or next to this Python (a wheel's bin/)."""
    for candidate in (explicit, os.environ.get("GIT_EXP_BIN")):
        if candidate:
            return shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
    found = shutil.which("git-exp")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "git-exp")
    return beside if os.path.isfile(beside) and os.access(beside, os.X_OK) else None


def recorded_command():
    """What the run shows as its command: the script as started, or the notebook kernel."""
    if "ipykernel" in sys.modules:
        return [sys.executable, "-m", "ipykernel"]
    argv = [a for a in sys.argv if a] or ["python"]
    return [sys.executable] + argv


class Supervisor:
    """The `git-exp attach` process; its stderr is forwarded to this process's sys.stderr."""

    def __init__(self, proc, hello):
        self.proc = proc
        self.hello = hello
        self._forward = threading.Thread(target=self._pump, daemon=True)
        self._forward.start()

    def _pump(self):
        for line in self.proc.stderr:
            try:
                sys.__stderr__.write(line) if sys.stderr is None else _original(sys.stderr).write(line)
            except Exception:  # a closed stream at interpreter exit: the line is only status
                pass

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        self._forward.join(timeout=2)
        return True


def _original(stream):
    return getattr(stream, "_git_exp_inner", stream)


def start(binary, name=None, tags=(), note=None, cwd=None):
    """Starts `git-exp attach`; returns a Supervisor, or None with the reason on stderr."""
    args = [binary, "attach", "--pid", str(os.getpid())]
    if name:
        args += ["-n", name]
    for tag in tags:
        args += ["-t", tag]
    if note:
        args += ["-m", note]
    args += ["--"] + recorded_command()
    try:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as e:
        return None, f"cannot start {binary}: {e}"
    line = proc.stdout.readline()
    proc.stdout.close()
    try:
        hello = json.loads(line) if line else None
    except ValueError:
        hello = None
    if not isinstance(hello, dict) or not isinstance(hello.get("env"), dict):
        err = proc.stderr.read().strip()
        proc.wait()
        return None, err or f"git-exp attach exited with code {proc.returncode}"
    return Supervisor(proc, hello), None


class Tee:
    """A text stream that also appends what is written to the run's output log."""

    def __init__(self, inner, log):
        self._git_exp_inner = inner
        self._log = log

    def write(self, text):
        n = self._git_exp_inner.write(text)
        try:
            self._log.write(text)
            self._log.flush()
        except (ValueError, OSError):  # the log is closed: the run has finished
            pass
        return n

    def flush(self):
        self._git_exp_inner.flush()

    def __getattr__(self, name):
        return getattr(self._git_exp_inner, name)
