"""Framework integrations, each a thin layer over the git_exp API (docs/PYTHON.md).

Import the one you need; each imports its framework only when used:

    from git_exp.integrations.keras import GitExpCallback          # tested (JAX backend)
    from git_exp.integrations.sklearn import log_estimator         # tested
    from git_exp.integrations.lightgbm import git_exp_callback     # tested
    from git_exp.integrations.xgboost import GitExpCallback        # tested (xgboost-cpu)
    from git_exp.integrations.lightning import GitExpLogger        # EXPERIMENTAL: untested
    from git_exp.integrations.huggingface import GitExpCallback    # EXPERIMENTAL: untested
"""
