"""Keys and values as git-exp records them: the metric-key rule, typed params, flattening.

The metric-key rule is shared with the CLI and every importer (docs/FORMAT.md "Run protocol"):
each run of characters outside [A-Za-z0-9_.-/] becomes one "_", then leading and trailing "/" are
trimmed; the first time a key is changed, one line on stderr says so.
"""

import dataclasses
import enum
import math
import os
import re
import sys

MAX_METRIC_KEY_LEN = 200
_BAD_METRIC_CHARS = re.compile(r"[^A-Za-z0-9_./-]+")
_BAD_PARAM_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_warned = set()


def _warn_once(kind, key, fixed):
    if (kind, key) not in _warned:
        _warned.add((kind, key))
        print(f'git-exp: {kind} key "{key}" recorded as "{fixed}"', file=sys.stderr)


def metric_key(key):
    """Returns `key` normalised by the metric-key rule; raises ValueError if it is still invalid."""
    key = str(key)
    fixed = _BAD_METRIC_CHARS.sub("_", key).strip("/")
    if not fixed or len(fixed) > MAX_METRIC_KEY_LEN:
        raise ValueError(f"metric key {key!r} must be 1 to {MAX_METRIC_KEY_LEN} characters")
    if any(seg in ("", ".", "..") for seg in fixed.split("/")):
        raise ValueError(f"metric key {key!r} has an empty, '.' or '..' segment")
    if fixed != key:
        _warn_once("metric", key, fixed)
    return fixed


def param_key(key):
    """A param name: dotted parts of letters, digits, "_" and "-" (others become "_")."""
    key = str(key)
    fixed = ".".join(_BAD_PARAM_CHARS.sub("_", part) or "_" for part in key.split("."))
    if fixed != key:
        _warn_once("param", key, fixed)
    return fixed


def number(key, value):
    """A metric value: a number, or "nan"/"inf"/"-inf" (the protocol's names)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars, torch 0-d tensors via __float__
        except (TypeError, ValueError):
            raise TypeError(f"metric {key!r}: {value!r} is not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def param_value(value):
    """A param as JSON data: None, bool, int, float, str, lists and dicts of those.

    numpy scalars and arrays become numbers and lists, paths and other objects their str(),
    enums their value; non-finite floats the strings "nan", "inf", "-inf" (JSON has no such numbers).
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else number("", value)
    if isinstance(value, enum.Enum):
        return param_value(value.value)
    if isinstance(value, dict):
        return {str(k): param_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [param_value(v) for v in items]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return param_value(dataclasses.asdict(value))
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return param_value(value.tolist())  # numpy scalars and arrays
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def as_mapping(obj):
    """The params of a dict, argparse.Namespace, dataclass, or an object with to_dict()."""
    if isinstance(obj, dict):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return obj.to_dict()  # Hugging Face TrainingArguments, pandas Series
    if hasattr(obj, "__dict__") and type(obj).__name__ == "Namespace":
        return vars(obj)
    raise TypeError(f"log_params() takes a dict, argparse.Namespace or dataclass, not {type(obj).__name__}")


def flatten(mapping, prefix=""):
    """Nested dicts (and dataclasses) become dotted keys; lists stay values."""
    out = {}
    for key, value in as_mapping(mapping).items():
        name = f"{prefix}{param_key(key)}"
        if isinstance(value, dict) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            nested = flatten(value, name + ".")
            if nested:
                out.update(nested)
                continue
            out[name] = {}
            continue
        out[name] = param_value(value)
    return out


def nest(flat):
    """The inverse of flatten: dotted keys become nested dicts (a later plain value wins)."""
    out = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return out


def flatten_metrics(values, prefix=""):
    """run.log({"train": {"loss": 1}}) logs "train/loss"."""
    out = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(flatten_metrics(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out
