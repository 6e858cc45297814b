"""The one exception type for problems a user can cause and fix."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """`text` with control characters written as escapes (a newline in a path as \\n), so it stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class BgmError(Exception):
    """A user-facing error: its message is one line a person can act on.

    The CLI prints it and exits with code 2; the GUI shows it in a dialog. A newline or other
    control character in the message (a file name can hold one) is escaped, so it stays one line.
    """

    def __init__(self, message: object = "") -> None:
        super().__init__(one_line(str(message)))
