"""Keras 3 (any backend): a callback that logs epoch metrics, and optionally batch metrics.

    from git_exp.integrations.keras import GitExpCallback
    model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[GitExpCallback()])

Epoch metrics keep Keras' names (`loss`, `val_loss`, `accuracy`) with the epoch as step; with
`log_every_n_batches=N`, batch metrics go to `batch/<name>` with the global batch index as step.
The fit params (epochs, steps) and the optimizer's config are logged at the start of training.
"""

import git_exp
import keras


class GitExpCallback(keras.callbacks.Callback):
    def __init__(self, run=None, log_every_n_batches=0):
        super().__init__()
        self.run = run
        self.every = int(log_every_n_batches)
        self._batch = 0

    def on_train_begin(self, logs=None):
        self.run = self.run or git_exp.init()
        params = {"fit": dict(self.params or {})}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "get_config"):
            params["optimizer"] = optimizer.get_config()
        self.run.log_params({"keras": params})

    def on_train_batch_end(self, batch, logs=None):
        self._batch += 1
        if self.every and logs and self._batch % self.every == 0:
            self.run.log({f"batch/{k}": v for k, v in logs.items()}, step=self._batch)

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            self.run.log({k: v for k, v in logs.items() if _is_number(v)}, step=epoch)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
