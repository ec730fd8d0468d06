"""The transcript and chapters files, as text: times to the millisecond, text kept on one line."""

from __future__ import annotations

import json

from coach.export.podcast import Caption, chapters_json, vtt_text, vtt_time
from coach.export.tags import Chapter
from coach.serve.library import parse_chapters, parse_vtt


def test_vtt_times_are_exact() -> None:
    assert vtt_time(0) == "00:00:00.000"
    assert vtt_time(3_723_004) == "01:02:03.004"
    assert vtt_time(59_999) == "00:00:59.999"


def test_vtt_cue_text_cannot_break_the_file() -> None:
    captions = (
        Caption(1000, 2500, "One -->\n\ntwo"),
        Caption(3000, 3000, "Zero length."),
    )
    text = vtt_text("A\ntitle", captions)
    assert text.splitlines()[0] == "WEBVTT - A title"
    assert text.count("-->") == 2  # only the timing lines
    assert [(c.start_ms, c.end_ms, c.text) for c in parse_vtt(text)] == [
        (1000, 2500, "One -> two"),
        (3000, 3001, "Zero length."),  # a cue must end after it starts
    ]


def test_chapters_json_round_trip() -> None:
    chapters = (Chapter("step02", "Two", 61_001, 90_000), Chapter("step01", "Ünö", 0, 61_001))
    data = json.loads(chapters_json("Tïtle", chapters))
    assert data == {
        "version": "1.2.0",
        "title": "Tïtle",
        "chapters": [
            {"startTime": 0.0, "endTime": 61.001, "title": "Ünö"},
            {"startTime": 61.001, "endTime": 90.0, "title": "Two"},
        ],
    }
    title, parsed = parse_chapters(chapters_json("Tïtle", chapters))
    assert title == "Tïtle"
    assert [(c.start_ms, c.end_ms, c.title) for c in parsed] == [
        (0, 61_001, "Ünö"),
        (61_001, 90_000, "Two"),
    ]


def test_vtt_cue_text_is_escaped_and_read_back() -> None:
    text = vtt_text("A --> B", (Caption(0, 1000, "Press & hold <b>now</b>"),))
    lines = text.splitlines()
    assert "-->" not in lines[0]
    assert lines[4] == "Press &amp; hold &lt;b&gt;now&lt;/b&gt;"  # WebVTT cue text
    assert parse_vtt(text)[0].text == "Press & hold <b>now</b>"
    assert (
        parse_vtt("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Anna>Hi &amp; <i>bye</i>\n")[0].text
        == "Hi & bye"
    )
