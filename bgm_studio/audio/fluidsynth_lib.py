"""pyfluidsynth, imported without its chatter, and a stand-in where FluidSynth's library is missing.

pyfluidsynth prints where it found libfluidsynth to stdout whenever `$CI` is set;
that line would land in our CLI's output and in piped JSON, so the import runs with
stdout redirected. A machine without libfluidsynth (a render node, a GPU server) still scores
MIDI and projects: the audio modules import, and only sound, where it is asked for, fails, in one line.
"""

import contextlib
import io
from typing import Any, Callable, NoReturn

from ..errors import BgmError

MISSING = (
    "FluidSynth's library (libfluidsynth) is not installed, and sound needs it "
    "(Debian: apt install libfluidsynth3); MIDI and project files do not"
)


def _no_sound(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise BgmError(MISSING)


class _Absent:
    """pyfluidsynth's place when its library is missing: every call raises MISSING, and the ctypes
    bindings that modules make at import (`cfunc`) are made, as functions that raise it when called."""

    @staticmethod
    def cfunc(*_args: Any, **_kwargs: Any) -> Callable[..., NoReturn]:
        return _no_sound

    def __getattr__(self, _name: str) -> Callable[..., NoReturn]:
        return _no_sound


fluidsynth: Any
try:
    with contextlib.redirect_stdout(io.StringIO()):
        import fluidsynth as _library
    fluidsynth = _library
except (ImportError, OSError):  # pyfluidsynth raises ImportError when it finds no libfluidsynth
    fluidsynth = _Absent()


def check_fluidsynth() -> None:
    """Refuse sound before any work where FluidSynth's library is missing."""
    if isinstance(fluidsynth, _Absent):
        raise BgmError(MISSING)


__all__ = ["fluidsynth", "check_fluidsynth"]
