"""Reading JSON data into typed records (msgspec) with one-line errors that name the field.

The project file and the training configs declare their fields, types and bounds as msgspec
types; `read_record` checks all of them in one pass and says where the first problem is.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

import msgspec
import numpy as np

from .errors import BgmError
from .limits import MAX_NUMBER

T = TypeVar("T")
_KINDS = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false", "null": "null"}
_KINDS |= {"array": "a list", "object": "an object"}
_KIND = re.compile(r"`([a-z]+)`")

Finite = Annotated[float, msgspec.Meta(ge=-MAX_NUMBER, le=MAX_NUMBER)]  # NaN and infinities fail too
Whole = Annotated[int, msgspec.Meta(ge=-int(MAX_NUMBER), le=int(MAX_NUMBER))]


def read_record(data: Any, kind: type[T], source: str) -> T:
    """`data` (parsed JSON) as a `kind`; a wrong type or value raises BgmError 'source: field: problem'.

    Integers stand for floats, never booleans for numbers; a `kind` decides whether unknown fields are refused.
    """
    try:
        return msgspec.convert(data, kind, str_keys=True)
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at ")
        key, _, where = where.rpartition(" in ")  # "`key` in `$.shots`": a key of that object
        field = where.strip("`").removeprefix("$").removeprefix(".") + (" (a key)" if key else "")
        problem = problem.replace("got `float`", "got a decimal number")  # 2.5 where a whole number belongs
        text = _KIND.sub(lambda m: _KINDS.get(m.group(1), repr(m.group(1))), problem[:1].lower() + problem[1:])
        raise BgmError(f"{source}: {field}: {text}" if field else f"{source}: {text}") from None


def _plain(value: Any) -> Any:
    """NumPy scalars (a feature computed with NumPy) as the Python numbers JSON writes."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")


def record_json(record: Any) -> Any:
    """A record as plain JSON data, fields in their declared order."""
    return msgspec.to_builtins(record, enc_hook=_plain, str_keys=True)
