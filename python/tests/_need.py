"""Tests that need a package outside the standard library: skipped when it is missing, failed
when CI is set (as `common::missing_tool` does for the Rust tests; .ci/run installs them)."""

import importlib
import os
import unittest


def need(test, module):
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            test.fail(f"{module} is not installed (CI is set; .ci/run installs it)")
        raise unittest.SkipTest(f"{module} is not installed")
