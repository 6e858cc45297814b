"""Upper bounds on every size read from a file, checked before anything is allocated for it.

A small file can claim a huge piece (one note 50,000 beats long, a project lasting 10^7 s);
these bounds turn such claims into one-line errors instead of gigabytes of piano roll.
"""

from __future__ import annotations

MAX_DURATION_S = 3 * 3600.0  # the longest video a project may score
MAX_BEATS = 60_000  # 3 hours at 333 BPM: more than any piece a project or MIDI file may hold
MAX_MIDI_BYTES = 32 << 20  # the largest MIDI file read (POP909's largest is 60 KiB)
MAX_NUMBER = 2.0**53  # the largest magnitude of a number in a project file (exact as a float)
TEMPO_RANGE_BPM = (10.0, 1000.0)  # tempi a stored piece or shot may have
