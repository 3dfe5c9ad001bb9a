"""EXPERIMENTAL (untested: PyTorch is too large for this project's CI): a Lightning logger.

    from git_exp.integrations.lightning import GitExpLogger
    trainer = lightning.Trainer(logger=GitExpLogger(), max_epochs=3)

`self.log("train_loss", ...)` in a LightningModule is recorded as metric `train_loss` with the
trainer's global step; `self.save_hyperparameters()` as params.
"""

import git_exp

try:
    from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
    from lightning.pytorch.utilities import rank_zero_only
except ImportError:  # the older package name
    from pytorch_lightning.loggers.logger import Logger, rank_zero_experiment
    from pytorch_lightning.utilities import rank_zero_only


class GitExpLogger(Logger):
    def __init__(self, run=None):
        super().__init__()
        self._run = run

    @property
    def name(self):
        return "git-exp"

    @property
    def version(self):
        return self.experiment.id or "0"

    @property
    @rank_zero_experiment
    def experiment(self):
        if self._run is None:
            self._run = git_exp.init()
        return self._run

    @rank_zero_only
    def log_hyperparams(self, params, *args, **kwargs):
        params = params if isinstance(params, dict) else vars(params)
        self.experiment.log_params(dict(params))

    @rank_zero_only
    def log_metrics(self, metrics, step=None):
        self.experiment.log({k: v for k, v in metrics.items() if k != "epoch"}, step=step)

    @rank_zero_only
    def finalize(self, status):
        # The run ends with the process (or the user's finish()); Lightning may call this twice.
        pass
