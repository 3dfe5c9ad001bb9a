"""Each framework integration on a tiny real model (scikit-learn, LightGBM, xgboost-cpu, Keras
with the JAX backend): skipped when the framework is missing, failed when CI is set."""

import os
import sys
import unittest

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(__file__))
from _need import need  # noqa: E402
from test_api import InRun  # noqa: E402


def data(n=60):
    rows = [[i / n, ((i * 7) % n) / n] for i in range(n)]
    labels = [1 if a + b > 1 else 0 for a, b in rows]
    return rows, labels


class Sklearn(InRun):
    def test_log_estimator_logs_params_and_scores(self):
        need(self, "sklearn")
        from sklearn.linear_model import LogisticRegression

        from git_exp.integrations.sklearn import log_estimator

        X, y = data()
        clf = LogisticRegression(C=0.5, class_weight=None).fit(X, y)
        scores = log_estimator(clf, X, y, run=self.run, prefix="test", scoring=["accuracy", "f1"])
        (params,) = self.logged_params()
        self.assertEqual(params["model.class"], "LogisticRegression")
        self.assertEqual(params["model.C"], 0.5)
        self.assertIsNone(params["model.class_weight"])
        self.assertEqual(set(scores), {"test/accuracy", "test/f1"})
        self.assertEqual(self.metric_lines()[0]["test/accuracy"], scores["test/accuracy"])
        log_estimator(clf, X, y, run=self.run)
        self.assertIn("score", self.metric_lines()[1])


class LightGBM(InRun):
    def test_callback_logs_each_round(self):
        lgb = need(self, "lightgbm")
        import numpy as np

        X, y = (np.array(v) for v in data())
        train = lgb.Dataset(X, label=y)
        valid = lgb.Dataset(X, label=y, reference=train)
        from git_exp.integrations.lightgbm import git_exp_callback

        params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1, "num_leaves": 4}
        lgb.train(params, train, num_boost_round=5, valid_sets=[valid], valid_names=["valid"], callbacks=[git_exp_callback(self.run)])
        lines = self.metric_lines()
        self.assertEqual([line["step"] for line in lines], [0, 1, 2, 3, 4])
        self.assertIn("valid/auc", lines[-1])
        self.assertEqual(self.logged_params()[0]["lightgbm.num_leaves"], 4)


class XGBoost(InRun):
    def test_callback_logs_each_round(self):
        xgb = need(self, "xgboost")
        from git_exp.integrations.xgboost import GitExpCallback

        X, y = data()
        dtrain = xgb.DMatrix(X, label=y)
        xgb.train({"max_depth": 2, "eval_metric": "logloss"}, dtrain, num_boost_round=4,
                  evals=[(dtrain, "train")], callbacks=[GitExpCallback(self.run)], verbose_eval=False)
        lines = self.metric_lines()
        self.assertEqual([line["step"] for line in lines], [0, 1, 2, 3])
        self.assertIn("train/logloss", lines[0])
        self.assertEqual(str(self.logged_params()[0]["xgboost.max_depth"]), "2")


class Keras(InRun):
    def test_callback_logs_epochs_batches_and_fit_params(self):
        need(self, "jax")
        keras = need(self, "keras")
        from git_exp.integrations.keras import GitExpCallback

        X, y = data(32)
        import numpy as np

        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(np.array(X), np.array(y), epochs=2, batch_size=8, validation_split=0.25, verbose=0,
                  callbacks=[GitExpCallback(self.run, log_every_n_batches=1)])
        lines = self.metric_lines()
        epochs = [line for line in lines if "val_loss" in line]
        self.assertEqual([line["step"] for line in epochs], [0, 1])
        self.assertIn("accuracy", epochs[0])
        self.assertTrue(any("batch/loss" in line for line in lines))
        params = self.logged_params()[0]
        self.assertEqual(params["keras.fit.epochs"], 2)
        self.assertEqual(params["keras.optimizer.name"].lower(), "sgd")


if __name__ == "__main__":
    unittest.main()
