"""EXPERIMENTAL (untested: PyTorch is too large for this project's CI): a Hugging Face
transformers TrainerCallback.

    from git_exp.integrations.huggingface import GitExpCallback
    trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[GitExpCallback()])

TrainingArguments are logged as params under `hf.`; every `on_log` dict (`loss`,
`learning_rate`, `eval_loss`, ...) as metrics at the trainer's global step; only on the main
process.
"""

import git_exp
from transformers import TrainerCallback


class GitExpCallback(TrainerCallback):
    def __init__(self, run=None):
        self.run = run

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self.run = self.run or git_exp.init()
        self.run.log_params({"hf": args.to_dict()})

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        self.run = self.run or git_exp.init()
        numbers = {k: v for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if numbers:
            self.run.log(numbers, step=state.global_step)
