"""XGBoost: a TrainingCallback that logs every evaluation result at each boosting round.

    import xgboost as xgb
    from git_exp.integrations.xgboost import GitExpCallback
    xgb.train(params, dtrain, evals=[(dvalid, "valid")], callbacks=[GitExpCallback()])

Metric keys are `<dataset>/<metric>` (`valid/rmse`), steps the boosting iteration. With
`log_config=True` the booster's configuration (learner params) is logged once, before training.
"""

import json

import git_exp
import xgboost


class GitExpCallback(xgboost.callback.TrainingCallback):
    def __init__(self, run=None, log_config=True):
        super().__init__()
        self.run = run
        self.log_config = log_config

    def before_training(self, model):
        self.run = self.run or git_exp.init()
        if self.log_config:
            config = json.loads(model.save_config())
            learner = config.get("learner", {})
            params = dict(learner.get("learner_train_param", {}))
            params.update(learner.get("gradient_booster", {}).get("tree_train_param", {}))
            self.run.log_params({"xgboost": params})
        return model

    def after_iteration(self, model, epoch, evals_log):
        values = {}
        for dataset, metrics in evals_log.items():
            for metric, history in metrics.items():
                last = history[-1]
                # With cv, each entry is (mean, std).
                values[f"{dataset}/{metric}"] = last[0] if isinstance(last, tuple) else last
        if values:
            self.run.log(values, step=epoch)
        return False  # never stops training
