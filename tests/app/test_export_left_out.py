"""The app's export names, where it says what it wrote, a track of the video the MP4 leaves out (a data
track no container here holds), as the command line's note does."""

from __future__ import annotations

import av

from tests.app.helpers import open_and_generate, wait_task
from tests.media import make_with_data_track


def test_export_to_mp4_says_which_track_it_left_out(qtbot, make_window, tmp_path):
    window = make_window()
    open_and_generate(qtbot, window, str(make_with_data_track(tmp_path / "src.ts")))
    out = tmp_path / "scored.mp4"
    window.export_to("mp4", str(out))
    wait_task(qtbot, window)
    assert window.last_error is None
    message = window.statusBar().currentMessage()
    assert message == f"Wrote {out} (left out the video's data track 1 (bin_data), which mp4 cannot hold)"
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
