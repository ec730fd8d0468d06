"""Small routines with stroke figures for the phone page's tests (the built-ins get theirs
separately): every kind of work (strokes, holds, timed) under a figure, and a step without one.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import minimal_routine, step

STEPS: list[dict[str, Any]] = [
    step(
        "Long glides",
        {"strokes": {"reps": 3, "seconds_per_rep": 4}},
        figure={
            "view": "back",
            "draw": [
                {"kind": "glide", "path": [[41, 80], [41, 34], [34, 27]], "mirror": True},
            ],
        },
    ),
    step(
        "Thumb spirals",
        {"strokes": {"reps": 2, "seconds_per_rep": 6}},
        figure={
            "view": "back",
            "draw": [
                {
                    "kind": "spiral",
                    "path": [[45, 82], [45, 52]],
                    "size": 2.5,
                    "loops": 4,
                    "mirror": True,
                },
            ],
        },
    ),
    step(
        "Hold the shoulder blades",
        {"holds": {"reps": 2, "count": 4, "rest_seconds": 2}},
        figure={
            "view": "back",
            "draw": [{"kind": "hold", "at": [36, 45], "count": 4, "mirror": True}],
        },
    ),
    step(
        "Palm circles",
        {"timed": {"seconds": 12}},
        figure={
            "view": "back",
            "draw": [
                {"kind": "circles", "at": [39, 66], "size": 5, "by": "palm", "mirror": True},
            ],
        },
    ),
    step("Rest", {"strokes": {"reps": 1, "seconds_per_rep": 3}}),
]

FIGURES = minimal_routine(
    slug="figures",
    name="Back with figures",
    area="back",
    sections=[{"title": "Back", "steps": STEPS}],
)
"""An English routine whose steps have figures (the last one none: the back's view)."""

FRENCH = minimal_routine(
    slug="dos",
    name="Le dos en images",
    language="fr",
    area="back",
    safety=["N'appuie jamais sur la colonne."],
    sections=[
        {
            "title": "Dos",
            "steps": [
                {**s, "title": title, "instruction": instruction}
                for s, (title, instruction) in zip(
                    STEPS,
                    [
                        ("Longs effleurages", "Fais glisser tes mains jusqu'aux épaules."),
                        ("Spirales des pouces", "Fais de petites spirales avec les pouces."),
                        ("Tenir les omoplates", "Pose tes mains et tiens sans bouger."),
                        ("Cercles des paumes", "Fais de grands cercles avec les paumes."),
                        ("Repos", "Laisse tes mains à plat."),
                    ],
                    strict=True,
                )
            ],
        }
    ],
)
"""The same routine in French."""
