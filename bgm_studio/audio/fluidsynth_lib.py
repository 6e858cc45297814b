"""pyfluidsynth, imported without its chatter.

pyfluidsynth prints where it found libfluidsynth to stdout whenever `$CI` is set;
that line would land in our CLI's output and in piped JSON, so the import runs with
stdout redirected.
"""

import contextlib
import io

with contextlib.redirect_stdout(io.StringIO()):
    import fluidsynth

__all__ = ["fluidsynth"]
