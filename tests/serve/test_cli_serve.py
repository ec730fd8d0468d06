"""The real ``coach serve`` command: prints the URL and a QR code, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.serve.conftest import Exported


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_the_url_and_stops_cleanly(exported: Exported, stop: signal.Signals) -> None:
    process = _start(str(exported.folder), "--host", "127.0.0.1", "--token", "bookmark-token-1")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.fullmatch(
            rf"serving {re.escape(str(exported.folder))} on "
            r"(http://127\.0\.0\.1:(\d+)/bookmark-token-1/)\n",
            first,
        )
        assert match, first
        url = match.group(1)
        printed = []
        while not printed or "Ctrl-C" not in printed[-1]:
            printed.append(process.stdout.readline())
        qr = printed[:-2]
        assert len(qr) >= 10 and all(set(line.strip()) <= set("█▀▄ ") for line in qr), qr
        assert printed[-2] == f"podcast feed: {url}feed.xml\n"
        with urllib.request.urlopen(url, timeout=10) as response:
            index = response.read()
            assert response.status == 200 and b"Evening" in index
            assert b'href="new"' in index  # coach serve alone offers New session
        with urllib.request.urlopen(url + "new", timeout=10) as response:
            assert b'name="routine"' in response.read()
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out == "stopped\n"
    assert "Traceback" not in err


def test_random_token_each_time(exported: Exported) -> None:
    urls = []
    for _ in range(2):
        process = _start(str(exported.folder), "--host", "127.0.0.1")
        try:
            assert process.stdout is not None
            urls.append(process.stdout.readline().split(" on ")[1].strip())
        finally:
            process.send_signal(signal.SIGINT)
            try:
                _, err = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:  # never leave a server running after the test
                process.kill()
                process.communicate()
                raise
        assert process.returncode == 0, err
    tokens = [url.rstrip("/").rsplit("/", 1)[1] for url in urls]
    assert tokens[0] != tokens[1] and all(re.fullmatch(r"[A-Za-z0-9_-]{16}", t) for t in tokens)


_CTRL_C_AS_ASYNCIO_STARTS = """
import functools, os, signal, sys

real = signal.signal

def installing(sig, handler):
    old = real(sig, handler)
    if sig == signal.SIGINT and isinstance(handler, functools.partial):  # asyncio.Runner's own
        os.kill(os.getpid(), signal.SIGINT)  # handled before signal.signal returns
    return old

signal.signal = installing
sys.argv = ["coach", "serve", *sys.argv[1:]]
from coach.cli.entry import main
main()
"""


def test_ctrl_c_as_asyncio_takes_the_signal_is_a_clean_stop(exported: Exported) -> None:
    """A Ctrl-C that lands while asyncio installs its own Ctrl-C handler (a window of one system
    call, hit once in the suite, where the test presses Ctrl-C as soon as the URL is printed):
    Python's Runner then raised the main task's CancelledError, a traceback and exit 1. Here
    the signal is sent inside that call, every time; coach must stop as after any Ctrl-C."""
    run = subprocess.run(
        [sys.executable, "-c", _CTRL_C_AS_ASYNCIO_STARTS, str(exported.folder), "--host",
         "127.0.0.1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("stopped\n") and "Traceback" not in run.stderr, run.stderr


def test_bad_input_is_one_error_line(tmp_path: Path, exported: Exported) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        cases = [
            ([str(tmp_path / "missing")], "error: no such folder"),
            ([str(exported.folder), "--token", "short"], "error: --token must be"),
            ([str(exported.folder), "--host", "127.0.0.1", "--port", port], "error: cannot listen"),
            ([str(exported.folder), "--port", "70000"], "error: --port must be"),
            ([str(exported.folder), "--music-dir", str(tmp_path / "none")], "error: --music-dir"),
            ([str(exported.folder), "--engine", "espeak"], "error: --engine espeak: choose one"),
        ]
        for args, start in cases:
            run = subprocess.run(
                [sys.executable, "-m", "coach", "serve", *args],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert run.returncode == 2, (args, run.stderr)
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(start), run.stderr
