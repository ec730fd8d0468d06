"""The short routine that the tests of ``coach play`` run, dry and in real time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import minimal_routine, step

QUICK = minimal_routine(
    slug="quick",
    name="Quick routine",
    safety=["Never press on the spine."],
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 3, "seconds_per_rep": 2}}),
                step("Lift", {"holds": {"reps": 1, "count": 3, "rest_seconds": 1}}),
                step("Circles", {"strokes": {"reps": 2, "seconds_per_rep": 2}}),
            ],
        }
    ],
)


@pytest.fixture
def quick(write_routine: Callable[..., Path]) -> Path:
    """:data:`QUICK` written to a file: about a minute with three steps."""
    return write_routine(QUICK, "quick.yaml")
