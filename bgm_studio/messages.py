"""What the command line prints on an error: one line, always.

A path may hold a newline or other control characters; a bad option would make argparse
print its whole usage block. Both become one line, the second with a pointer to --help.
"""
from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """`text` with control characters written as escapes (a newline as \\n), so it stays on one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser (and its subcommands' parsers) whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {one_line(message)} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
