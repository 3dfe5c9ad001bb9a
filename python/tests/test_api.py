"""The API inside a run: params, metrics, media, tables, text, finishing (standard library and,
for image formats, numpy, PIL, matplotlib and pandas)."""

import argparse
import dataclasses
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import git_exp  # noqa: E402
from git_exp import _values  # noqa: E402
from _need import need  # noqa: E402


class InRun(unittest.TestCase):
    """A run as `git exp run` sets it up: the protocol variables point into a temporary spool."""

    def setUp(self):
        git_exp._current = None
        _values._warned.clear()
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.path = lambda *p: os.path.join(d, *p)
        os.makedirs(self.path("artifacts"))
        with open(self.path("params.json"), "w") as f:
            json.dump({"lr": 0.1}, f)
        open(self.path("metrics.jsonl"), "w").close()
        env = {
            "GIT_EXP_RUN_ID": "k3m9x2qa",
            "GIT_EXP_PARAMS": self.path("params.json"),
            "GIT_EXP_METRICS": self.path("metrics.jsonl"),
            "GIT_EXP_ARTIFACTS": self.path("artifacts"),
            "GIT_EXP_PARAMS_LOG": self.path("params-log.jsonl"),
        }
        self.env = mock.patch.dict(os.environ, env)
        self.env.start()
        self.run = git_exp.init()

    def tearDown(self):
        self.run.close()
        self.env.stop()
        self.dir.cleanup()
        git_exp._current = None

    def logged_params(self):
        with open(self.path("params-log.jsonl")) as f:
            return [json.loads(line) for line in f]

    def metric_lines(self):
        with open(self.path("metrics.jsonl")) as f:
            return [json.loads(line) for line in f]

    def artifact(self, rel):
        with open(self.path("artifacts", *rel.split("/")), "rb") as f:
            return f.read()


class Params(InRun):
    def test_nested_values_are_flattened_and_typed(self):
        self.run.log_params({"model": {"depth": 4, "act": None, "sizes": [64, 32]}, "opt": {"name": "adam", "betas": (0.9, 0.99)}})
        (line,) = self.logged_params()
        self.assertEqual(
            line,
            {"model.depth": 4, "model.act": None, "model.sizes": [64, 32], "opt.name": "adam", "opt.betas": [0.9, 0.99]},
        )
        self.assertEqual(self.run.params["model"]["depth"], 4)
        self.assertEqual(self.run.config["opt"]["name"], "adam")

    def test_types_are_kept_never_repr(self):
        class Thing:
            def __str__(self):
                return "thing"

        values = {"none": None, "t": True, "i": 3, "f": 0.5, "s": "3", "nan": float("nan"), "list": [1, "a", None, [2]],
                  "empty": {}, "obj": Thing(), "path": __import__("pathlib").Path("/data")}
        self.run.log_params(values)
        (line,) = self.logged_params()
        self.assertEqual(line["none"], None)
        self.assertIs(line["t"], True)
        self.assertEqual((line["i"], line["f"], line["s"]), (3, 0.5, "3"))
        self.assertEqual(line["nan"], "nan")
        self.assertEqual(line["list"], [1, "a", None, [2]])
        self.assertEqual(line["empty"], {})
        self.assertEqual((line["obj"], line["path"]), ("thing", "/data"))

    def test_namespace_dataclass_and_config(self):
        @dataclasses.dataclass
        class Opt:
            name: str = "sgd"
            momentum: float = 0.9

        @dataclasses.dataclass
        class Cfg:
            epochs: int = 3
            opt: Opt = dataclasses.field(default_factory=Opt)

        self.run.log_params(argparse.Namespace(batch=32, seed=None))
        self.run.log_params(Cfg())
        self.run.config["dropout"] = 0.2
        self.run.config.update({"warmup": 5})
        lines = self.logged_params()
        self.assertEqual(lines[0], {"batch": 32, "seed": None})
        self.assertEqual(lines[1], {"epochs": 3, "opt.name": "sgd", "opt.momentum": 0.9})
        self.assertEqual(lines[2:], [{"dropout": 0.2}, {"warmup": 5}])
        self.assertEqual(self.run.config.dropout, 0.2)
        self.assertEqual(self.run.config["lr"], 0.1)  # given by git-exp
        with self.assertRaises(TypeError):
            self.run.log_params([1, 2])

    def test_bad_param_names_are_normalised_with_one_warning(self):
        with mock.patch("sys.stderr", new_callable=io.StringIO) as err:
            self.run.log_params({"hidden size": 3})
            self.run.log_params({"hidden size": 4})
        self.assertEqual([list(line) for line in self.logged_params()], [["hidden_size"], ["hidden_size"]])
        self.assertEqual(err.getvalue().count('param key "hidden size" recorded as "hidden_size"'), 1)

    def test_init_config_is_logged(self):
        git_exp._current = None
        run = git_exp.init(config={"k": 1})
        self.assertIs(git_exp.init(), run)  # one run per process
        self.assertEqual(self.logged_params(), [{"k": 1}])


class Metrics(InRun):
    def test_keys_are_normalised_at_once_with_one_warning(self):
        with mock.patch("sys.stderr", new_callable=io.StringIO) as err:
            self.run.log({"recall@10": 0.5, "train loss": 1.0})
            self.run.log({"recall@10": 0.6})
        lines = self.metric_lines()
        self.assertEqual(lines[0]["recall_10"], 0.5)
        self.assertEqual(lines[0]["train_loss"], 1.0)
        self.assertEqual(err.getvalue().count('git-exp: metric key "recall@10" recorded as "recall_10"'), 1)
        self.assertIn('"train loss" recorded as "train_loss"', err.getvalue())
        for bad in ["", "@@/..", "/", "x" * 201]:
            with self.assertRaises(ValueError, msg=bad):
                self.run.log({bad: 1})

    def test_steps_continue_per_key_and_nested_dicts_become_slashes(self):
        self.run.log({"loss": 1})
        self.run.log({"loss": 2, "acc": 0.5})
        self.run.log({"train": {"loss": 3}}, step=7)
        self.assertEqual((self.run.step("loss"), self.run.step("acc"), self.run.step("train/loss")), (1, 0, 7))
        self.assertEqual(self.metric_lines()[2]["train/loss"], 3)

    def test_numpy_scalars_are_numbers(self):
        np = need(self, "numpy")
        self.run.log({"a": np.float32(0.5), "b": np.int64(3)})
        line = self.metric_lines()[0]
        self.assertEqual((line["a"], line["b"]), (0.5, 3.0))


class Media(InRun):
    def png(self, rel):
        Image = need(self, "PIL.Image")
        return Image.open(io.BytesIO(self.artifact(rel)))

    def test_numpy_arrays_of_each_shape_and_dtype(self):
        np = need(self, "numpy")
        gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
        self.run.log_image("gray", gray)
        rgb = np.zeros((2, 5, 3), dtype=np.float32)
        rgb[0, 0] = [1.0, 0.5, 2.0]  # 2.0 is clipped
        self.run.log_image("rgb", rgb, step=10)
        rgba = np.full((4, 4, 4), 200, dtype=np.int64)
        self.run.log_image("samples/rgba", rgba)
        self.run.log_image("mask", np.eye(3, dtype=bool))
        self.run.log_image("gray", gray[:, :, None])  # HxWx1, next step
        image = self.png("media/gray/0.png")
        self.assertEqual((image.size, image.mode), ((4, 3), "L"))
        self.assertEqual([image.getpixel((x, y)) for y in (0, 1) for x in range(4)][:5], [0, 1, 2, 3, 4])
        image = self.png("media/rgb/10.png")
        self.assertEqual((image.mode, image.getpixel((0, 0))), ("RGB", (255, 128, 255)))
        self.assertEqual(self.png("media/samples/rgba/0.png").getpixel((3, 3)), (200, 200, 200, 200))
        self.assertEqual(self.png("media/mask/0.png").getpixel((1, 1)), 255)
        self.assertEqual(self.png("media/gray/1.png").size, (4, 3))
        with self.assertRaises(ValueError):
            self.run.log_image("bad", np.zeros((2, 2, 2)))
        with self.assertRaises(ValueError):
            self.run.log_image("bad", np.zeros((0, 2)))

    def test_pil_matplotlib_and_files(self):
        Image = need(self, "PIL.Image")
        need(self, "matplotlib")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        self.run.log_image("pil", Image.new("RGB", (6, 2), (1, 2, 3)))
        self.run.log_image("pil", Image.new("CMYK", (2, 2)))  # converted
        fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
        ax.plot([0, 1], [1, 0])
        self.run.log_image("fig", fig)
        plt.close(fig)
        self.assertEqual(self.png("media/pil/0.png").getpixel((0, 0)), (1, 2, 3))
        self.assertEqual(self.png("media/pil/1.png").size, (2, 2))
        self.assertEqual(self.png("media/fig/0.png").size, (100, 50))
        jpg = self.path("photo.JPEG")
        Image.new("RGB", (3, 3)).save(jpg, format="JPEG")
        self.assertTrue(self.run.log_image("photo", jpg, step=2).endswith(os.path.join("media", "photo", "2.jpg")))
        with self.assertRaises(ValueError):
            self.run.log_image("x", self.path("params.json"))
        with self.assertRaises(FileNotFoundError):
            self.run.log_image("x", self.path("missing.png"))
        with self.assertRaises(TypeError):
            self.run.log_image("x", 3)

    def test_text_and_tables(self):
        self.run.log_text("notes", "héllo")
        self.run.log_table("preds", [{"x": 1, "y": None}, {"x": 2, "z": "a,b"}])
        self.run.log_table("rows", [[1, 2], [3, 4]], columns=["a", "b"], step=5)
        self.assertEqual(self.artifact("text/notes/0.txt").decode(), "héllo")
        self.assertEqual(self.artifact("tables/preds/0.csv").decode(), 'x,y,z\n1,,\n2,,"a,b"\n')
        self.assertEqual(self.artifact("tables/rows/5.csv").decode(), "a,b\n1,2\n3,4\n")
        with self.assertRaises(TypeError):
            self.run.log_table("bad", [{"a": 1}, [1]])
        pd = need(self, "pandas")
        self.run.log_table("frame", pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
        self.assertEqual(self.artifact("tables/frame/0.csv").decode(), "a,b\n1,x\n2,y\n")

    def test_outside_a_run_media_is_printed_not_stored(self):
        run = git_exp.Run()
        with mock.patch("sys.stderr", new_callable=io.StringIO) as err:
            self.assertIsNone(run.log_text("notes", "hi"))
        self.assertIn("text/notes/0.txt (2 bytes, not stored)", err.getvalue())


class Ending(InRun):
    def test_context_manager_and_finish_inside_git_exp_run_only_close(self):
        with git_exp.init() as run:
            run.log({"a": 1})
        self.assertTrue(run.finished)
        self.assertFalse(run.active)
        self.assertIsNone(git_exp.current())
        with self.assertRaises(RuntimeError):
            with git_exp.init() as run:
                raise RuntimeError("boom")
        self.assertEqual(len(self.metric_lines()), 1)


if __name__ == "__main__":
    unittest.main()
