"""The one exception type for problems a user can cause and fix."""


class BgmError(Exception):
    """A user-facing error: its message is one line a person can act on.

    The CLI prints it and exits with code 2; the GUI shows it in a dialog.
    """
