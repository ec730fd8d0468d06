"""The voice-command wiring of ``coach play`` and the lines it prints for cues and voice events
(plain, or JSON with ``--dry-run --json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from coach.listen.sources import MicSource
    from coach.play.base import AudioSink, Clock, Samples
    from coach.play.session import Onset, SessionReport
    from coach.render import RenderedTimeline
    from coach.sound.mixer import Music


def voice_hooks(
    ears: MicSource,
    audio: AudioSink,
    clock: Clock,
    screen: bool,
    replies: dict[str, Samples] | None = None,
) -> dict[str, Any]:
    """The sink, controls and screen line that make a live session obey voice commands."""
    from coach.handsfree import VoiceControl, WatchedSink
    from coach.listen.echo import Playback
    from coach.listen.gate import SpeakingSchedule
    from coach.listen.listener import Listener

    schedule, playback = SpeakingSchedule(), Playback()
    watched = WatchedSink(audio, schedule, playback)
    emit = None if screen else echo_event
    control = VoiceControl(watched, clock, emit=emit, replies=replies)

    def attach(session: Any) -> None:
        control.session = session

    return {
        "sink": watched,
        "controls": Listener(ears, schedule, playback, control.on_heard, clock.now),
        "on_session": attach, "on_command": control.on_command, "voice_line": control.line,
        "control": control,
    }  # fmt: skip


def print_listening(listener: Any, control: Any) -> None:
    """``--report`` with voice commands: what listening cost, and how fast commands acted."""
    stats = listener.stats
    if stats is not None:
        typer.echo(
            f"listening: echo canceller and recognizer {100 * stats.cpu_share:.1f}% of one core,"
            f" real-time factor {stats.real_time_factor:.3f} ({stats.audio_s:.0f} s heard)"
        )
        since = stats.cancelling_from_s
        state = (
            "never cancelled (deaf while coach spoke)"
            if since is None
            else f"cancelling from {since - control.origin_s:.1f} s, {stats.erle_db:.0f} dB at"
            " the end"
        )
        typer.echo(f"echo canceller: {state}")
    if control.latencies_s:
        worst = max(control.latencies_s)
        typer.echo(
            f"voice commands: {len(control.latencies_s)} acted on, at most {worst * 1000:.0f} ms"
            " after the end of the phrase"
        )


def dry_run_listening(
    rendered: RenderedTimeline,
    hear_from: Path,
    as_json: bool,
    out: AudioSink,
    bed: Music | None,
    replies: dict[str, Samples] | None,
) -> SessionReport:
    """``--dry-run --listen-from``: the recording heard in step with the simulated clock."""
    from coach.handsfree import rehearse
    from coach.listen.sources import FileSource

    return rehearse(
        rendered, FileSource(hear_from, realtime=False), out, bed,
        emit=json_line if as_json else echo_event, on_cue=json_cue if as_json else echo_cue,
        replies=replies,
    )  # fmt: skip


def json_line(event: dict[str, Any]) -> None:
    typer.echo(json.dumps(event, ensure_ascii=False))


def json_cue(onset: Onset) -> None:
    """``--dry-run --json``: one line for a cue as it is played."""
    cue = onset.cue
    json_line({
        "t": round(onset.actual, 3), "event": "cue", "start_ms": cue.start_ms,
        "kind": str(cue.kind), "text": cue.text,
    })  # fmt: skip


def echo_key(event: dict[str, Any]) -> None:
    """One line for what a key did (without a screen), as for a voice command."""
    echo_event(event, "key")


def echo_event(event: dict[str, Any], source: str = "voice") -> None:
    """One line for a voice (or key) event (without a screen)."""
    from coach import present

    if event["event"] == "heard":
        done = "" if event["acted"] else " (nothing to do)"
        line = f"heard: {event['command']} ({event['phrase']!r}){done}"
    elif "position_ms" in event:
        line = f"{event['event']} -> {present.clock(event['position_ms'])}"
    else:
        line = str(event["event"])
    typer.echo(f"{present.clock(round(event['t'] * 1000)):>7}  {source:12} {line}")


def echo_cue(onset: Onset) -> None:
    """One line for a cue as it is played: its time on the timeline, its kind, its text."""
    from coach import present

    typer.echo(f"{present.clock(onset.cue.start_ms):>7}  {onset.cue.kind!s:12} {onset.cue.text}")
