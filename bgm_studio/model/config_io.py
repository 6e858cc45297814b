"""Reading training configs: JSON files, the word 'debug' or the defaults, with one-line errors."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable

from ..errors import BgmError


def config_from_dict(cls: type, model_cls: type, data: dict, what: str) -> Any:
    """A `cls` from JSON data whose "model" part makes a `model_cls`; unknown fields are refused."""
    if not isinstance(data, dict):  # dict() would take a list of pairs, and [] as the defaults
        raise BgmError(f"cannot read {what} (a JSON object of fields is needed, not a {type(data).__name__})")
    data = dict(data)
    model = model_cls(**data.pop("model", {}))
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise BgmError(f"unknown {what} fields: {', '.join(sorted(unknown))}")
    return cls(model=model, **data)


def read_config(path: str | None, default: Any, debug: Any, from_dict: Callable[[dict], Any], what: str) -> Any:
    """The config a command names: None for `default`, 'debug' for `debug`, else a JSON file."""
    if path is None:
        return default
    if path == "debug":
        return debug
    try:
        return from_dict(json.loads(Path(path).read_text()))
    except BgmError as exc:  # a field the config may not have: say which file
        raise BgmError(f"{path}: {exc}") from exc
    except (OSError, TypeError, ValueError, AttributeError) as exc:  # ValueError: bad JSON or text too
        raise BgmError(f"{path}: cannot read {what} ({exc})") from exc
    except RecursionError:
        raise BgmError(f"{path}: cannot read {what} (JSON nested too deeply)") from None
