"""Unit tests of the Python helper, with Python's own unittest (run from `cargo test`)."""

import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import git_exp  # noqa: E402


class Fresh(unittest.TestCase):
    """init() remembers the run of the process: each test starts without one."""

    def setUp(self):
        git_exp._current = None

    def tearDown(self):
        git_exp._current = None


class OutsideGitExp(Fresh):
    def test_record_false_gives_the_no_op_logger_without_looking_for_git_exp(self):
        with mock.patch.dict(os.environ, {}, clear=True), mock.patch("git_exp._attach.find_binary") as find:
            run = git_exp.init(record=False, quiet=True)
        self.assertFalse(run.active)
        find.assert_not_called()

    def test_noop_logger_prints_and_keeps_params_empty(self):
        with mock.patch.dict(os.environ, {"GIT_EXP_BIN": "/nonexistent/git-exp"}, clear=True), mock.patch("sys.stderr"):
            run = git_exp.init()
            self.assertFalse(run.active)
            self.assertEqual(run.params.get("lr", 0.01), 0.01)
            with mock.patch("sys.stderr") as err:
                run.log({"loss": 0.5}, step=1)
            printed = "".join(call.args[0] for call in err.write.call_args_list)
            self.assertIn("loss=0.5", printed)
            with tempfile.NamedTemporaryFile() as f:
                self.assertIsNone(git_exp.init(quiet=True).artifact(f.name))


class InsideGitExp(Fresh):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.metrics = os.path.join(d, "metrics.jsonl")
        self.artifacts = os.path.join(d, "artifacts")
        os.makedirs(self.artifacts)
        params = os.path.join(d, "params.json")
        with open(params, "w") as f:
            json.dump({"lr": 0.1, "model": {"depth": 4}}, f)
        self.env = mock.patch.dict(
            os.environ,
            {"GIT_EXP_RUN_ID": "k3m9x2qa", "GIT_EXP_PARAMS": params, "GIT_EXP_METRICS": self.metrics, "GIT_EXP_ARTIFACTS": self.artifacts},
        )
        self.env.start()

    def tearDown(self):
        self.env.stop()
        self.dir.cleanup()
        super().tearDown()

    def lines(self):
        with open(self.metrics) as f:
            return [json.loads(line) for line in f]

    def test_params_and_metrics_lines_are_flushed_each_call(self):
        run = git_exp.init()
        self.assertTrue(run.active)
        self.assertEqual(run.id, "k3m9x2qa")
        self.assertEqual(run.params["model"]["depth"], 4)
        run.log({"loss": 0.5, "acc": 1}, step=0)
        # Flushed: readable before close, as a crash would leave it.
        self.assertEqual(self.lines()[0]["loss"], 0.5)
        run.log({"loss": float("nan"), "x": float("-inf")})
        run.close()
        last = self.lines()[1]
        self.assertEqual((last["loss"], last["x"]), ("nan", "-inf"))
        self.assertNotIn("step", last)
        self.assertTrue(all("time" in line for line in self.lines()))

    def test_rejects_non_numbers(self):
        run = git_exp.init()
        with self.assertRaises(TypeError):
            run.log({"loss": "high"})
        with self.assertRaises(TypeError):
            run.log([1, 2])

    def test_artifacts_are_copied_and_names_cannot_escape(self):
        run = git_exp.init()
        src = os.path.join(self.dir.name, "model.bin")
        with open(src, "wb") as f:
            f.write(b"weights")
        stored = run.artifact(src)
        with open(stored, "rb") as f:
            self.assertEqual(f.read(), b"weights")
        run.artifact(src, name="sub/best.bin")
        self.assertTrue(os.path.exists(os.path.join(self.artifacts, "sub", "best.bin")))
        with self.assertRaises(ValueError):
            run.artifact(src, name="../outside.bin")
        with self.assertRaises(FileNotFoundError):
            run.artifact(os.path.join(self.dir.name, "missing"))


class Snapshot(unittest.TestCase):
    def test_builds_the_command_line(self):
        done = subprocess.CompletedProcess([], 0, stdout="k3m9x2qa\n", stderr="")
        seen = {}

        def fake_run(args, **kwargs):
            # The params file is removed after the call: read it during.
            with open(args[args.index("--params-file") + 1]) as f:
                seen["params"] = json.load(f)
            seen["args"] = args
            return done

        params = {"lr": 0.1, "opt": "3", "b": True, "none": None, "layers": [64, 32], "model": {"depth": 4}}
        with mock.patch("subprocess.run", side_effect=fake_run):
            run_id = git_exp.snapshot(message="after tuning", params=params, metrics={"acc": 0.91})
        self.assertEqual(run_id, "k3m9x2qa")
        args = seen["args"]
        self.assertEqual(args[:4], ["git-exp", "snapshot", "-m", "after tuning"])
        self.assertEqual(seen["params"], params)
        self.assertIn("acc=0.91", args)

    def test_failure_carries_git_exp_message(self):
        done = subprocess.CompletedProcess([], 1, stdout="", stderr="error: not a git repository\n")
        with mock.patch("subprocess.run", return_value=done):
            with self.assertRaisesRegex(RuntimeError, "not a git repository"):
                git_exp.snapshot()



class ReportEnvironment(unittest.TestCase):
    def test_reports_the_running_python_to_git_exp_env_out(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "env-out.json")
            with mock.patch.dict(os.environ, {"GIT_EXP_ENV_OUT": out}):
                git_exp._report_environment()
            with open(out, encoding="utf-8") as f:
                report = json.load(f)["python"]
            self.assertEqual(report["executable"], sys.executable)
            self.assertEqual(report["version"], "%d.%d.%d" % sys.version_info[:3])
            names = [name for name, _ in report["packages"]]
            self.assertEqual(names, sorted(names, key=str.lower))
            self.assertEqual(os.listdir(d), ["env-out.json"], "no temporary file is left")

    def test_does_nothing_outside_git_exp(self):
        with mock.patch.dict(os.environ, {}, clear=True):
            git_exp._report_environment()

if __name__ == "__main__":
    unittest.main()
