"""Keys from keyboards, pedals and clickers: decoding, and a reader on a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.play.base import Command
from coach.play.keys import KEYMAP, KeyReader, _scan, decode_keys, decode_windows_keys

PAUSE, NEXT, PREVIOUS, REPEAT, QUIT = (
    Command.PAUSE,
    Command.NEXT,
    Command.PREVIOUS,
    Command.REPEAT,
    Command.QUIT,
)

EXPECTED = {
    b" ": PAUSE,
    b"\r": PAUSE,
    b"\n": PAUSE,
    b"\x1b[C": NEXT,
    b"\x1bOC": NEXT,
    b"\x1b[6~": NEXT,
    b"n": NEXT,
    b"N": NEXT,
    b"\x1b[D": PREVIOUS,
    b"\x1bOD": PREVIOUS,
    b"\x1b[5~": PREVIOUS,
    b"p": PREVIOUS,
    b"P": PREVIOUS,
    b"r": REPEAT,
    b"R": REPEAT,
    b"q": QUIT,
    b"Q": QUIT,
    b"\x1b": QUIT,
}


def test_keymap_is_the_documented_one() -> None:
    assert KEYMAP == EXPECTED


@pytest.mark.parametrize(("key", "command"), EXPECTED.items(), ids=repr)
def test_every_key_alone(key: bytes, command: Command) -> None:
    assert decode_keys(key) == [command]


def test_a_burst_of_keys_in_order() -> None:
    data = b"n\x1b[C\x1bOD \x1b[5~\x1b[6~rq"
    assert decode_keys(data) == [NEXT, NEXT, PREVIOUS, PAUSE, PREVIOUS, NEXT, REPEAT, QUIT]


def test_enter_as_cr_lf_is_one_enter() -> None:
    assert decode_keys(b"\r\n") == [PAUSE]
    assert decode_keys(b"\n\n") == [PAUSE, PAUSE]


def test_modified_arrows_and_pages_count_as_plain() -> None:
    assert decode_keys(b"\x1b[1;5C\x1b[1;2D\x1b[6;2~\x1b[5;5~") == [NEXT, PREVIOUS, NEXT, PREVIOUS]


@pytest.mark.parametrize(
    "data",
    [
        b"x",  # an unused letter
        b"\x1b[A\x1b[B\x1bOA",  # up and down
        b"\x1b[15~\x1b[2~\x1bOP",  # F5, Insert, F1
        b"\x1b[200~",  # bracketed paste start
        b"\x1b[",  # cut off
        b"\x1b[5",
        b"\x1b[1;",
        b"\x1bO",
        b"\x03\x00\xff",
    ],
)
def test_other_keys_and_garbage_do_nothing(data: bytes) -> None:
    assert decode_keys(data) == []


def test_esc_then_a_key_is_esc_then_that_key() -> None:
    assert decode_keys(b"\x1bn") == [QUIT, NEXT]
    assert decode_keys(b"\x1b\x1b[C") == [QUIT, NEXT]
    assert decode_keys(b"\x1b\x1b") == [QUIT, QUIT]


def test_a_broken_sequence_is_dropped_and_decoding_goes_on() -> None:
    assert decode_keys(b"\x1b[\x07n") == [NEXT]
    assert decode_keys(b"\x1bO\x01p") == [PREVIOUS]


def test_scan_keeps_an_unfinished_sequence_for_the_next_read() -> None:
    assert _scan(b"n\x1b") == ([NEXT], b"\x1b")
    assert _scan(b"n\x1b[") == ([NEXT], b"\x1b[")
    assert _scan(b"\x1b[6") == ([], b"\x1b[6")
    assert _scan(b"\x1b[6" + b"~q") == ([NEXT, QUIT], b"")


def test_windows_console_keys() -> None:
    assert decode_windows_keys(b"\xe0M\x00K\xe0I\xe0Q \rq\x1b\xe0H") == [
        NEXT,
        PREVIOUS,
        PREVIOUS,
        NEXT,
        PAUSE,
        PAUSE,
        QUIT,
        QUIT,
    ]


# --- the reader on a pseudo-terminal -------------------------------------------------------------

termios = pytest.importorskip("termios") if sys.platform != "win32" else None


class _Collector:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.arrived = threading.Condition()
        self.threads: set[str] = set()

    def __call__(self, command: Command) -> None:
        with self.arrived:
            self.commands.append(command)
            self.threads.add(threading.current_thread().name)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout_s: float = 2.0) -> list[Command]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.commands) >= count, timeout_s)
            return list(self.commands)


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    if sys.platform == "win32":
        pytest.skip("pseudo-terminals are POSIX")
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


def test_reader_delivers_keys_in_order_and_restores_the_terminal(pty: tuple[int, int]) -> None:
    assert termios is not None
    master, slave = pty
    before = termios.tcgetattr(slave)
    got = _Collector()
    with KeyReader(got, fd=slave) as reader:
        assert reader.active
        during = termios.tcgetattr(slave)
        assert not during[3] & (termios.ECHO | termios.ICANON)
        assert during[3] & termios.ISIG  # Ctrl-C still becomes SIGINT
        os.write(master, b"n")
        assert got.wait_for(1) == [NEXT]
        os.write(master, b"\x1b[")  # an arrow split across two reads
        time.sleep(0.01)
        os.write(master, b"C")
        os.write(master, b" \x1bOD")
        os.write(master, b"\x1b")  # Esc alone: known only when nothing follows
        assert got.wait_for(5) == [NEXT, NEXT, PAUSE, PREVIOUS, QUIT]
        os.write(master, b"\x1b[6~r")
        assert got.wait_for(7) == [NEXT, NEXT, PAUSE, PREVIOUS, QUIT, NEXT, REPEAT]
    assert not reader.active
    assert termios.tcgetattr(slave) == before
    assert got.threads == {"coach-keys"}


def test_reader_restores_the_terminal_after_ctrl_c(pty: tuple[int, int]) -> None:
    assert termios is not None
    _, slave = pty
    before = termios.tcgetattr(slave)
    with pytest.raises(KeyboardInterrupt), KeyReader(_Collector(), fd=slave):
        raise KeyboardInterrupt
    assert termios.tcgetattr(slave) == before
    assert not any(t.name == "coach-keys" for t in threading.enumerate())


def test_reader_stops_at_once(pty: tuple[int, int]) -> None:
    _, slave = pty
    reader = KeyReader(_Collector(), fd=slave)
    reader.__enter__()
    started = time.monotonic()
    reader.close()
    reader.close()
    assert time.monotonic() - started < 0.2


def test_reader_survives_a_failing_handler(pty: tuple[int, int]) -> None:
    master, slave = pty
    got = _Collector()

    def handler(command: Command) -> None:
        if command is QUIT:
            raise RuntimeError("boom")
        got(command)

    with KeyReader(handler, fd=slave):
        os.write(master, b"qn")
        assert got.wait_for(1) == [NEXT]


def test_without_a_terminal_the_reader_does_nothing() -> None:
    read, write = os.pipe()
    try:
        got = _Collector()
        with KeyReader(got, fd=read) as reader:
            assert not reader.active
            os.write(write, b"nq")
            time.sleep(0.05)
        assert got.commands == []
        assert os.read(read, 10) == b"nq"  # not even consumed
    finally:
        os.close(read)
        os.close(write)


def test_default_standard_input_under_pytest_is_not_a_terminal() -> None:
    try:
        if sys.stdin.isatty():
            pytest.skip("pytest runs with -s on a terminal")
    except (AttributeError, OSError, ValueError):
        pass
    with KeyReader(_Collector()) as reader:
        assert not reader.active


_CHILD = """
import sys, termios, time
from coach.play.keys import KeyReader
before = termios.tcgetattr(0)
try:
    with KeyReader(lambda c: print("got", c.value, flush=True)):
        print("ready", flush=True)
        time.sleep(30)
except KeyboardInterrupt:
    print("interrupted; restored:", termios.tcgetattr(0) == before, flush=True)
"""


def test_ctrl_c_interrupts_the_main_thread_of_a_real_terminal_program() -> None:
    pexpect = pytest.importorskip("pexpect")
    if sys.platform == "win32":
        pytest.skip("pseudo-terminals are POSIX")
    root = Path(__file__).resolve().parents[2]
    child = pexpect.spawn(
        sys.executable, ["-c", _CHILD], cwd=str(root), encoding="utf-8", timeout=10
    )
    child.expect("ready")
    child.send("n\x1b[5~")
    child.expect("got next")
    assert child.before.strip() == ""  # the key was not echoed
    child.expect("got previous")
    child.sendintr()
    child.expect("interrupted; restored: True")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
