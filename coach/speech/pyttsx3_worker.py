"""pyttsx3's eSpeak NG driver, run in a child process of its own.

eSpeak NG keeps one global state per process and is meant to be initialized once. coach's
direct backend (:mod:`coach.speech.pyttsx3_engine`) initializes it in synchronous mode;
pyttsx3's eSpeak driver initializes it again, in its asynchronous (retrieval) mode. Debian's
libespeak-ng 1.51 starts its command-queue thread (``fifo_init``) on *every*
``espeak_Initialize``, synchronous or not, so the second call re-initializes the mutex and
condition variables that the first thread is waiting on and starts a second thread; the next
queued command (pyttsx3 sets the rate right after initializing) deadlocks in
``pthread_cond_signal``, for good. espeakng-loader's 1.52 starts that thread only in
asynchronous mode, which is why the hang needed the system library.

Rather than depend on which copy and version of the library is loaded, coach never lets both
initializations happen in one process: where pyttsx3's driver is eSpeak NG, everything that
needs that driver (rendering through ``save_to_file``, and ``--output system`` speaking aloud)
runs in this child, which loads the same library as its parent (``COACH_ESPEAK`` is passed on)
and initializes it once, pyttsx3's way. The parent keeps the direct backend, initialized once.
A separate process also makes a stuck driver harmless: every request has a deadline, after
which the child is killed and the caller gets an :class:`~coach.errors.EngineError`.

Requests and replies are pickled over the child's stdin and stdout; the child points its file
descriptor 1 at stderr first, so nothing pyttsx3 prints can reach the protocol or the user.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from coach.errors import EngineError, VoiceError

START_TIMEOUT_S = 30.0
"""Time the child has to start pyttsx3 on top of a request's own deadline."""

_STDERR_TAIL_CHARS = 400


class DriverWorker:
    """A child process running pyttsx3's eSpeak NG driver; started on first use, thread-safe."""

    def __init__(self, espeak_choice: str) -> None:
        self._espeak_choice = espeak_choice
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._receive: Connection | None = None
        self._stderr: IO[bytes] | None = None
        self._started = False

    def call(self, operation: str, *args: object, timeout_s: float) -> Any:
        """Run ``operation`` in the child; its result, or :class:`EngineError` by the deadline."""
        with self._lock:
            send, receive = self._start()
            deadline_s = timeout_s if self._started else timeout_s + START_TIMEOUT_S
            try:
                send.send((operation, args))
                ready = receive.poll(deadline_s)
                reply = receive.recv() if ready else None
            except (EOFError, OSError):
                raise self._died(operation) from None
            if reply is None:
                self._stop()
                raise EngineError(
                    f"pyttsx3's eSpeak NG driver did not answer {operation!r} "
                    f"in {deadline_s:.0f} s; it was stopped",
                    hint="run `coach doctor`; the default --output device does not need it",
                )
            self._started = True
        if reply[0] == "error":
            kind = VoiceError if reply[3] else EngineError
            raise kind(reply[1], hint=reply[2])
        return reply[1]

    def close(self) -> None:
        """End the child (it exits when its input closes)."""
        with self._lock:
            self._stop()

    def _start(self) -> tuple[Connection, Connection]:
        if self._process is not None and self._process.poll() is None:
            assert self._send is not None and self._receive is not None
            return self._send, self._receive
        self._stop()
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path, "COACH_ESPEAK": self._espeak_choice}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self._process = subprocess.Popen(
            [sys.executable, "-m", "coach.speech.pyttsx3_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            close_fds=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._send = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._receive = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._started = False
        return self._send, self._receive

    def _stop(self) -> None:
        for connection in (self._send, self._receive):
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.close()
        self._send = self._receive = None
        process, self._process = self._process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _died(self, operation: str) -> EngineError:
        process = self._process
        code = process.wait() if process is not None else None
        tail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            tail = self._stderr.read().decode("utf-8", "replace").strip()[-_STDERR_TAIL_CHARS:]
        self._stop()
        return EngineError(
            f"pyttsx3's eSpeak NG driver process ended during {operation!r} "
            f"(exit status {code}): {tail or 'no message'}",
            hint="run `coach doctor`",
        )


_WORKER: DriverWorker | None = None
_WORKER_LOCK = threading.Lock()


def driver_worker(espeak_choice: str) -> DriverWorker:
    """The process's one driver worker, loading the given eSpeak NG (``system`` or ``bundled``)."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = DriverWorker(espeak_choice)
            atexit.register(_WORKER.close)
        return _WORKER


class SystemVoice:
    """pyttsx3's ``say``/``runAndWait``, spoken by the driver worker (for ``--output system``)."""

    def __init__(self, worker: DriverWorker) -> None:
        self._worker = worker
        self._texts: list[str] = []

    def say(self, text: str) -> None:
        """Queue ``text``."""
        self._texts.append(text)

    def runAndWait(self) -> None:
        """Say everything queued, and return when it has been said."""
        texts, self._texts = self._texts, []
        for text in texts:
            self._worker.call("say", text, timeout_s=30.0 + len(text) / 5)


# The child's side.


def _serve(receive: Connection, send: Connection) -> None:
    from coach.speech.base import SpeechSettings
    from coach.speech.pyttsx3_engine import DriverBackend, ensure_espeak_available

    backend: DriverBackend | None = None
    spoken: Any = None
    while True:
        try:
            operation, args = receive.recv()
        except EOFError:
            return
        try:
            ensure_espeak_available()
            if backend is None:
                backend = DriverBackend()
            if operation == "voices":
                result: object = [(v.id, v.name, v.language) for v in backend.voices()]
            elif operation == "render":
                text, voice, rate_wpm, volume = args
                settings = SpeechSettings(voice=voice, rate_wpm=rate_wpm, volume=volume)
                clip = backend.synthesize(text, settings)
                result = (clip.pcm, clip.sample_rate_hz)
            elif operation == "say":
                spoken = spoken or backend.engine()
                spoken.say(args[0])
                spoken.runAndWait()
                result = None
            else:
                raise EngineError(f"unknown driver request {operation!r}")
        except EngineError as exc:
            send.send(("error", exc.message, exc.hint, isinstance(exc, VoiceError)))
        except Exception as exc:  # reported to the parent, which raises EngineError
            send.send(("error", f"pyttsx3's eSpeak NG driver failed: {exc}", None, False))
        else:
            send.send(("ok", result))


def main() -> None:
    """Serve requests from the parent until it closes our input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    send = Connection(os.dup(1), readable=False)
    receive = Connection(os.dup(0), writable=False)
    os.dup2(2, 1)  # pyttsx3 prints ("Audio saved to ..."): keep it off the protocol
    sys.stdout = sys.stderr
    _serve(receive, send)


if __name__ == "__main__":
    main()
