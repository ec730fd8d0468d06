"""Where coach finds ffmpeg: the system's on PATH, else the copy shipped in imageio-ffmpeg."""

from __future__ import annotations

import shutil
import subprocess

from coach.errors import EngineError

_FFMPEG_HINT = "pip install imageio-ffmpeg"


def find_ffmpeg() -> str:
    """Path of an ffmpeg executable: the system one on PATH, else imageio-ffmpeg's own."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError:
        raise EngineError(
            "ffmpeg not found: none on PATH and imageio-ffmpeg is not installed",
            hint=_FFMPEG_HINT,
        ) from None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise EngineError(
            f"ffmpeg not found: none on PATH and imageio-ffmpeg has none ({exc})",
            hint=_FFMPEG_HINT,
        ) from None


def ffmpeg_version(executable: str) -> str:
    """First line of ``executable -version``, e.g. ``ffmpeg version 7.1 ...``."""
    try:
        result = subprocess.run(
            [executable, "-hide_banner", "-version"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"{executable} -version failed: {exc}", hint=_FFMPEG_HINT) from None
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = result.stderr.strip()[-300:]
        raise EngineError(
            f"{executable} -version exited with {result.returncode}: {tail}", hint=_FFMPEG_HINT
        )
    return lines[0]
