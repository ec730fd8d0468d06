"""One exported folder and one running server for every test of ``coach serve``.

The folder holds two sessions exported with the fake engine (a short one with ``--split`` and
an m4b beside it, and a second, older one); the server is the real application under uvicorn
on 127.0.0.1, in a thread, reached through real HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from coach.export.encode import EncodeSettings
from coach.export.track import ExportResult, export_track
from coach.ffmpeg import find_ffmpeg
from coach.render import ClipRenderer, RenderedTimeline, render_timeline
from coach.routine.loader import load_routine
from coach.serve.guard import TokenGuard
from coach.serve.server import bind, make_server
from coach.speech.base import SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step

TOKEN = "Tq7-bX2kLw9_mZ4rVn8e"

FOUR_STEPS = minimal_routine(
    slug="evening",
    name="Evening <back> & shoulders",  # markup in a title must stay text
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 3, "seconds_per_rep": 3}}),
                step(
                    "Circles",
                    {"strokes": {"reps": 2, "seconds_per_rep": 3}},
                    figure={"view": "back", "draw": [{"kind": "circles", "at": [40, 60]}]},
                ),
                step("Thumbs", {"timed": {"seconds": 6}}),
                step("Finish", {"strokes": {"reps": 2, "seconds_per_rep": 2}}),
            ],
        }
    ],
)
OLDER = minimal_routine(slug="older", name="Older session")


@dataclass(frozen=True)
class Exported:
    """What was exported into the served folder."""

    folder: Path
    rendered: RenderedTimeline
    result: ExportResult


@dataclass(frozen=True)
class Served:
    """The running server."""

    exported: Exported
    host: str
    port: int

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}/{TOKEN}/"


def _export(
    spec: dict[str, object], folder: Path, cache: Path, **kwargs: object
) -> tuple[RenderedTimeline, ExportResult]:
    source = folder.parent / f"{spec['slug']}.yaml"
    source.write_text(yaml.safe_dump(spec, sort_keys=False), "utf-8")
    routine = load_routine(source)
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), ClipCache(cache))
    rendered = render_timeline(routine, TimelineOptions(), renderer)
    fmt = str(kwargs.pop("fmt", "mp3"))
    result = export_track(
        rendered, routine, folder, EncodeSettings(fmt=fmt), ffmpeg=find_ffmpeg(), **kwargs
    )  # type: ignore[arg-type]
    return rendered, result


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    base = tmp_path_factory.mktemp("serve")
    folder = base / "audio_out"
    cache = base / "cache"
    _export(OLDER, folder, cache)
    past = time.time() - 86_400
    for path in folder.glob("older.*"):
        os.utime(path, (past, past))
    _export(FOUR_STEPS, folder, cache, fmt="m4b")
    rendered, result = _export(FOUR_STEPS, folder, cache, split=True)
    return Exported(folder, rendered, result)


@contextlib.contextmanager
def serving(exported: Exported) -> Iterator[Served]:
    """The real application serving ``exported.folder`` on 127.0.0.1, in a thread."""
    sock = bind("127.0.0.1", 0)
    # The tests guess wrong tokens on purpose, all from 127.0.0.1: none is held back here
    # (tests/serve/test_intruder.py tests the slowdown on a server of its own).
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = make_server(exported.folder, TOKEN, origin, TokenGuard(free_strikes=10**9))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield Served(exported, "127.0.0.1", sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def served(exported: Exported) -> Iterator[Served]:
    with serving(exported) as running:
        yield running


def raw_request(served: Served, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` as it is on a new connection and return everything the server answers."""
    with socket.create_connection((served.host, served.port), timeout=timeout) as conn:
        conn.sendall(data)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer."""
    return int(answer.split(b" ", 2)[1])


@pytest.fixture(scope="session")
def figure_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A folder of sessions with stroke figures: ``figures`` (English), ``dos`` (the same in
    French), and ``before``, the English one as an export made before figures and languages
    wrote it (no ``figure``, ``area`` or ``language`` in its timeline)."""
    from tests.serve.figure_routines import FIGURES, FRENCH

    base = tmp_path_factory.mktemp("figures")
    folder = base / "audio_out"
    cache = base / "cache"
    _export({**FIGURES, "slug": "before", "name": "Exported before figures"}, folder, cache)
    timeline = folder / "before.timeline.json"
    data = json.loads(timeline.read_text("utf-8"))
    for key in ("language", "area"):
        del data[key]
    for entry in data["steps"]:
        del entry["figure"]
    timeline.write_text(json.dumps(data), "utf-8")
    _export(FRENCH, folder, cache)
    rendered, result = _export(FIGURES, folder, cache)
    with serving(Exported(folder, rendered, result)) as running:
        yield running
