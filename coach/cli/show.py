"""``coach show``: the timeline of a routine, as a table or JSON."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from coach.cli.common import (
    ChimesOpt,
    CountdownOpt,
    CountsOpt,
    EngineOpt,
    FromOpt,
    LanguageOpt,
    MinutesOpt,
    PulseOpt,
    RateOpt,
    RepsOpt,
    RoutineArg,
    SentencePauseOpt,
    TempoOpt,
    VerbosityOpt,
    VoiceOpt,
    VolumeOpt,
    command,
    prepare,
    print_table,
    timeline_options,
)
from coach.speech.engines import DEFAULT_ENGINE
from coach.timeline.durations import (
    DEFAULT_RATE_WPM,
)
from coach.timeline.model import SENTENCE_GAP_MS, Pulse, Verbosity, timeline_to_json


@command(short_help="The timeline of a routine: what is said, and when.")
def show(
    routine: RoutineArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False,
    rate: RateOpt = DEFAULT_RATE_WPM,
    tempo: TempoOpt = 1.0,
    reps: RepsOpt = 1.0,
    minutes: MinutesOpt = None,
    start: FromOpt = 1,
    counts: CountsOpt = True,
    verbosity: VerbosityOpt = Verbosity.NORMAL,
    countdown: CountdownOpt = 0,
    sentence_pause: SentencePauseOpt = SENTENCE_GAP_MS,
    pulse: PulseOpt = Pulse.TICK,
    chimes: ChimesOpt = True,
    engine: EngineOpt = DEFAULT_ENGINE,
    voice: VoiceOpt = None,
    volume: VolumeOpt = 1.0,
    language: LanguageOpt = None,
) -> None:
    """Show the timeline of a routine: when each cue is said, step by step.

    Cue lengths are the real lengths of the engine's clips (synthesized once, then cached), so
    this is exactly the timeline that export and play use with the same options.
    """
    from coach import present

    options = timeline_options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    rendered = prepare(routine, options, engine, voice, volume, language=language)[2]
    timeline = rendered.timeline
    if as_json:
        data = timeline_to_json(timeline, rendered.engine, rendered.voice)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        print_table(present.timeline_table(timeline))
