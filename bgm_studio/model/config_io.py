"""Reading training configs: JSON files, the word 'debug' or the defaults, with one-line errors.

The config dataclasses declare each field's bounds with the types below; beyond them a config asks
for more memory, threads or time than any run needs, or for a value the loop cannot use.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from msgspec import Meta

from ..errors import BgmError
from ..input_file import read_input
from ..schema import read_record

T = TypeVar("T")

Steps = Annotated[int, Meta(ge=1, le=10**8)]  # optimiser steps, warm-up, steps between checkpoints
Windows = Annotated[int, Meta(ge=1, le=4096)]  # training windows per step
Songs = Annotated[int, Meta(ge=0, le=909)]  # 0: every training song
Seed = Annotated[int, Meta(ge=0, le=2**32 - 1)]
Threads = Annotated[int, Meta(ge=1, le=256)]
Width = Annotated[int, Meta(ge=1, le=4096)]  # a layer's size
Fraction = Annotated[float, Meta(ge=0.0, le=1.0)]  # a rate, decay or probability


def config_from_dict(kind: type[T], data: Any, what: str) -> T:
    """A `kind` config from JSON data, each field checked against its declared bounds; unknown fields are refused."""
    cfg = read_record(data, kind, what)
    unknown = _unknown(data, asdict(cfg))  # type: ignore[call-overload]
    if unknown:
        raise BgmError(f"unknown {what} fields: {', '.join(sorted(unknown))}")
    return cfg


def _unknown(data: dict[str, Any], known: dict[str, Any], prefix: str = "") -> list[str]:
    """Keys of `data` (and of its nested objects) that `known` lacks, as dotted names."""
    out = []
    for key, value in data.items():
        if key not in known:
            out.append(prefix + key)
        elif isinstance(value, dict) and isinstance(known[key], dict):
            out += _unknown(value, known[key], f"{prefix}{key}.")
    return out


def read_config(path: str | None, default: T, debug: T, what: str) -> T:
    """The config a command names: None for `default`, 'debug' for `debug`, else a JSON file."""
    if path is None:
        return default
    if path == "debug":
        return debug
    raw = read_input(path, what)  # a FIFO or /dev/zero is refused, not read forever
    try:
        return config_from_dict(type(default), json.loads(raw), what)
    except BgmError as exc:  # a field the config may not have: say which file
        raise BgmError(f"{path}: {exc}") from exc
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or text too
        raise BgmError(f"{path}: cannot read {what} ({exc})") from exc
    except RecursionError:
        raise BgmError(f"{path}: cannot read {what} (JSON nested too deeply)") from None
