"""LightGBM: a callback that logs every evaluation result at each boosting round.

    import lightgbm as lgb
    from git_exp.integrations.lightgbm import git_exp_callback
    booster = lgb.train(params, train, valid_sets=[valid], callbacks=[git_exp_callback()])

Metric keys are `<dataset>/<metric>` (`valid_0/l2`), steps the boosting iteration; the training
params are logged once, at the first round.
"""

import git_exp


def git_exp_callback(run=None, log_params=True):
    """Returns a LightGBM callback (a function of the CallbackEnv)."""
    state = {"run": run, "params_logged": not log_params}

    def callback(env):
        run = state["run"] = state["run"] or git_exp.init()
        if not state["params_logged"]:
            run.log_params({"lightgbm": dict(env.params)})
            state["params_logged"] = True
        values = {}
        for item in env.evaluation_result_list or ():
            # (dataset, metric, value, higher_better) or, in cv, (dataset, metric, mean, better, stdv)
            dataset, metric, value = item[0], item[1], item[2]
            values[f"{dataset}/{metric}"] = value
        if values:
            run.log(values, step=env.iteration)

    callback.order = 30  # after LightGBM's own record_evaluation (order 20)
    return callback
