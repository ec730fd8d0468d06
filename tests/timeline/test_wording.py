"""The sentences coach adds, and how a text is cut into the sentences spoken one by one."""

from __future__ import annotations

import pytest

from coach.timeline.wording import sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Breathe in.", ("Breathe in.",)),
        ("  No full stop at all ", ("No full stop at all",)),
        ("Slow down. Breathe out!  Ready?", ("Slow down.", "Breathe out!", "Ready?")),
        ("Ease off. Next: Thumb circles.", ("Ease off.", "Next: Thumb circles.")),
        ('She said "Stop." Then rest.', ('She said "Stop."', "Then rest.")),
        ("Hold it (gently.) Now let go.", ("Hold it (gently.)", "Now let go.")),
        ("Wait... Now press.", ("Wait...", "Now press.")),
        ("Count 3. 2. 1.", ("Count 3.", "2.", "1.")),
        ("Détendez-vous. Ça va?", ("Détendez-vous.", "Ça va?")),
        ("背中をゆっくり。次に肩。", ("背中をゆっくり。", "次に肩。")),
    ],
)
def test_sentences_end_at_a_stop_before_a_new_sentence(
    text: str, expected: tuple[str, ...]
) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Use a towel, e.g. a small one, under the neck.",
        "Ask Dr. Smith before you begin.",
        "Slowly... then a little faster.",
        "Is it warm? not yet, add oil.",
        "Version 1.5 of the routine.",
    ],
)
def test_a_stop_inside_a_sentence_does_not_end_it(text: str) -> None:
    assert sentences(text) == (text,)


def test_nothing_is_lost_or_added() -> None:
    text = 'One. "Two!" Three? Dr. Four… Five。六。 Seven'
    parts = sentences(text)
    assert len(parts) == 7
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
