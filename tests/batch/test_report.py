"""The batch summary table lines its columns up as a terminal shows them: wide (CJK) characters take
two columns, combining accents none."""

from __future__ import annotations

from bgm_studio.batch.jobs import VideoResult
from bgm_studio.batch.report import format_table

# Each name and the columns a terminal gives it: 日本 and full-width ＡＢ two each, half-width ｶﾀｶﾅ one,
# the combining accent of a decomposed é (as macOS names files) none.
SHOWN = {"my clip é 日本": 14, "plain": 5, "cafe\u0301 ｶﾀｶﾅ": 9, "全角ＡＢ": 8}


def test_columns_line_up_by_display_width():
    results = [VideoResult(f"/v/{name}.mp4", name, "scored", 1, 120.0, 1.5) for name in SHOWN]
    header, *rows, totals = format_table(results).splitlines()
    assert header.startswith("NAME" + " " * (14 - 4 + 2) + "STATUS")
    for line, (name, width) in zip(rows, SHOWN.items()):
        assert line == name + " " * (14 - width + 2) + "scored  1      120.0  1.5"
    assert totals == "4 scored of 4 videos"
