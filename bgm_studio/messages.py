"""What the command line prints on an error: one line, always.

A bad option would make argparse print its whole usage block; it becomes one line with a
pointer to --help (and a newline in a path is escaped, as in every BgmError).
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from .errors import one_line


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser (and its subcommands' parsers) whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {one_line(message)} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
