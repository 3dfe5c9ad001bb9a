"""scikit-learn: log an estimator's params and its scores.

    from git_exp.integrations.sklearn import log_estimator
    clf = LogisticRegression(C=0.5).fit(X_train, y_train)
    log_estimator(clf, X_test, y_test, prefix="test")   # params + test/score (+ any `scoring`)
"""

import git_exp


def log_estimator(estimator, X=None, y=None, run=None, prefix="", scoring=None, step=None, deep=False):
    """Logs `estimator.get_params()` as params (under `model.`) and, with X and y, its scores.

    `scoring`: names of sklearn scorers ("accuracy", "f1_macro", ...) or a dict of name -> scorer;
    without it, estimator.score(X, y). Metric keys are `<prefix>/<name>` (or `<name>`).
    Returns the dict of scores logged.
    """
    run = run or git_exp.init()
    params = estimator.get_params(deep=deep)
    run.log_params({"model": {"class": type(estimator).__name__, **params}})
    if X is None or y is None:
        return {}
    scores = {}
    if scoring is None:
        scores["score"] = float(estimator.score(X, y))
    else:
        from sklearn.metrics import get_scorer

        items = scoring.items() if isinstance(scoring, dict) else ((name, name) for name in scoring)
        for name, scorer in items:
            scorer = get_scorer(scorer) if isinstance(scorer, str) else scorer
            scores[name] = float(scorer(estimator, X, y))
    keyed = {f"{prefix}/{k}" if prefix else k: v for k, v in scores.items()}
    run.log(keyed, step=step)
    return keyed
