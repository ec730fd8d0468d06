"""Every length coach shows is rounded to the nearest second by one function (issue 22, item 5).

``--minutes 12`` made a 719.998 s track, shown as 11:59; a 862.9 s track was shown as 14:22. The
rule lives in :func:`coach.timeline.wording.clock` (and ``whole_seconds`` under it); these tests
read what each place a user sees prints: the CLI's summary and ``show``, the serve pages, the
feed's ``itunes:duration``, the LRC ``[length:]`` tag and the playlist's ``#EXTINF``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from coach import present
from coach.export.tags import TrackInfo, lrc_text, m3u8_text
from coach.serve.feed import feed_xml
from coach.serve.library import Chapter, Session
from coach.serve.pages import index_page, player_page
from coach.timeline import wording

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (0, "0:00"),
        (499, "0:00"),
        (500, "0:01"),  # a half second rounds up
        (59_499, "0:59"),
        (59_500, "1:00"),
        (719_998, "12:00"),  # --minutes 12
        (862_499, "14:22"),
        (862_900, "14:23"),
        (3_599_499, "59:59"),
        (3_599_500, "1:00:00"),
        (3_600_000 + 61_500, "1:01:02"),
    ],
)
def test_clock_rounds_to_the_nearest_second(ms: int, shown: str) -> None:
    assert wording.clock(ms) == shown


def test_the_cli_shows_lengths_with_the_one_function() -> None:
    assert present.clock is wording.clock


def _session(duration_ms: int) -> Session:
    return Session(
        name="lower-back",
        title="Lower-back massage",
        track="lower-back.mp3",
        media_type="audio/mpeg",
        size_bytes=1000,
        duration_ms=duration_ms,
        exported_ns=1_700_000_000 * 10**9,
        chapters=(Chapter(0, duration_ms, "Long glide"),),
        captions=(),
        has_cover=False,
        transcript=None,
        chapters_file=None,
        downloads=(),
    )


@pytest.mark.parametrize(
    ("ms", "shown", "seconds"),
    [(862_900, "14:23", "863"), (719_998, "12:00", "720"), (2_500, "0:03", "3")],
)
def test_the_serve_pages_and_the_feed_round(ms: int, shown: str, seconds: str) -> None:
    session = _session(ms)
    assert f'<span class="length">{shown}</span>' in index_page((session,))
    assert f'<span id="session-left">{shown} left</span>' in player_page(session)
    channel = ET.fromstring(feed_xml((session,), "http://127.0.0.1:1/t/"))
    durations = [e.text for e in channel.iter(f"{{{ITUNES}}}duration")]
    assert durations == [seconds]  # round(2.5) would say 2


@pytest.mark.parametrize(
    ("ms", "length", "extinf"),
    [(862_900, "14:23", "863"), (2_500, "00:03", "3"), (6_000_500, "100:01", "6001")],
)
def test_lyrics_and_playlist_lengths_round(ms: int, length: str, extinf: str) -> None:
    info = TrackInfo(title="t", album="a", year=2026, comment="", duration_ms=ms)
    assert f"[length:{length}]" in lrc_text(info, ())
    assert f"#EXTINF:{extinf},t" in m3u8_text("t", (("t.mp3", ms, "t"),))
