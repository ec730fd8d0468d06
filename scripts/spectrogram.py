"""Draw a spectrogram of 30 seconds of an exported mix (voice, music bed, pulse) as a PNG.

    .venv/bin/python scripts/spectrogram.py                     # docs/sound-spectrogram.png
    .venv/bin/python scripts/spectrogram.py --start 40 --engine fake --out /tmp/s.png
    .venv/bin/python scripts/spectrogram.py --wav session.wav   # any WAV you exported

Without ``--wav`` it exports ``--routine`` with ``--music ambient`` (``coach export --format
wav``, the clip cache as usual) into a temporary folder first. Drawn with numpy and Pillow only:
a short-time Fourier transform (Hann window of 2048 samples, a hop of 256), a logarithmic
frequency axis from 60 Hz to 8 kHz, 70 dB of range, and a dashed line at 300 Hz, below which a
phone speaker plays almost nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1200, 420
"""The plot's size in pixels (the axes add a margin)."""
LEFT, BOTTOM, TOP, RIGHT = 64, 36, 30, 16
LOW_HZ, HIGH_HZ = 60.0, 8000.0
RANGE_DB = 70.0
WINDOW, HOP = 2048, 256
_COLOURS = np.array(
    [(0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99), (212, 72, 66), (245, 125, 21),
     (250, 193, 39), (252, 255, 164)],
    dtype=np.float64,
)  # fmt: skip
"""A dark-to-bright ramp (after matplotlib's 'inferno'): quiet is dark, loud is pale yellow."""


def read_wav(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    """A 16-bit WAV as mono floats (full scale 1.0) and its rate."""
    with wave.open(str(path), "rb") as reader:
        rate, channels = reader.getframerate(), reader.getnchannels()
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = data.reshape(-1, channels).mean(axis=1) / 32768.0
    return samples, rate


def export(routine: str, engine: str | None, folder: Path) -> Path:
    """The routine exported as WAV with the ambient bed."""
    command = [sys.executable, "-m", "coach", "export", routine, "--format", "wav",
               "--music", "ambient", "--out", str(folder)]  # fmt: skip
    if engine is not None:
        command += ["--engine", engine]
    subprocess.run(command, check=True, cwd=ROOT)
    return folder / f"{routine}.wav"


def spectrogram(samples: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Power in dB, one row per frequency bin, one column per hop."""
    window = np.hanning(WINDOW)
    count = 1 + max(0, len(samples) - WINDOW) // HOP
    frames = np.lib.stride_tricks.as_strided(
        samples, shape=(count, WINDOW), strides=(samples.strides[0] * HOP, samples.strides[0])
    )
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return 10 * np.log10(power.T + 1e-12)


def to_pixels(db: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.uint8]:
    """The spectrogram on a log frequency axis, WIDTH x HEIGHT, coloured."""
    freqs = np.fft.rfftfreq(WINDOW, 1 / rate)
    rows = np.geomspace(HIGH_HZ, LOW_HZ, HEIGHT)  # top row is the highest frequency
    columns = np.linspace(0, db.shape[1] - 1, WIDTH)
    # for each pixel row, the loudest bin it covers (so a narrow line stays visible)
    edges = np.geomspace(HIGH_HZ, LOW_HZ, HEIGHT + 1)
    picked = np.empty((HEIGHT, db.shape[1]))
    for row in range(HEIGHT):
        inside = (freqs <= edges[row]) & (freqs >= edges[row + 1])
        if inside.any():
            picked[row] = db[inside].max(axis=0)
        else:
            picked[row] = db[int(np.argmin(np.abs(freqs - rows[row])))]
    image = picked[:, np.round(columns).astype(int)]
    top = float(np.percentile(image, 99.9))
    level = np.clip((image - (top - RANGE_DB)) / RANGE_DB, 0.0, 1.0)
    position = level * (len(_COLOURS) - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(_COLOURS) - 1)
    part = (position - low)[..., None]
    colours = _COLOURS[low] * (1 - part) + _COLOURS[high] * part
    return np.round(colours).astype(np.uint8)


def _y(hz: float) -> float:
    return TOP + HEIGHT * np.log(HIGH_HZ / hz) / np.log(HIGH_HZ / LOW_HZ)


def draw(pixels: npt.NDArray[np.uint8], start_s: float, seconds: float, title: str) -> Image.Image:
    """The plot with its axes, labels and the phone speaker's cutoff."""
    canvas = Image.new("RGB", (LEFT + WIDTH + RIGHT, TOP + HEIGHT + BOTTOM), "white")
    canvas.paste(Image.fromarray(pixels, "RGB"), (LEFT, TOP))
    pen = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    pen.text((LEFT, 8), title, fill="black", font=font)
    for hz, label in ((100, "100 Hz"), (300, "300"), (1000, "1 kHz"), (2000, "2k"),
                      (4000, "4k"), (8000, "8k")):  # fmt: skip
        y = _y(hz)
        pen.line([(LEFT - 5, y), (LEFT, y)], fill="black")
        pen.text((4, y - 6), label, fill="black", font=font)
    cutoff = _y(300)
    for x in range(LEFT, LEFT + WIDTH, 12):  # dashed: the phone speaker's cutoff
        pen.line([(x, cutoff), (x + 6, cutoff)], fill=(120, 220, 255), width=1)
    pen.text((LEFT + WIDTH - 190, cutoff + 3), "300 Hz: a phone plays little below",
             fill=(120, 220, 255), font=font)  # fmt: skip
    for second in range(int(np.ceil(start_s)), int(start_s + seconds) + 1, 5):
        x = LEFT + (second - start_s) / seconds * WIDTH
        pen.line([(x, TOP + HEIGHT), (x, TOP + HEIGHT + 5)], fill="black")
        pen.text((x - 10, TOP + HEIGHT + 8), f"{second} s", fill="black", font=font)
    pen.rectangle([(LEFT, TOP), (LEFT + WIDTH, TOP + HEIGHT)], outline="black")
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wav", type=Path, help="an exported WAV (default: export --routine)")
    parser.add_argument("--routine", default="lower-back")
    parser.add_argument("--engine", help="speech engine of the export (default: coach's)")
    parser.add_argument("--start", type=float, default=530.0, help="seconds into the track")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "sound-spectrogram.png")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.wav or export(args.routine, args.engine, Path(scratch))
        samples, rate = read_wav(path)
    first = round(args.start * rate)
    part = samples[first : first + round(args.seconds * rate)]
    if len(part) < WINDOW:
        print(f"error: {path} is shorter than --start {args.start:g} s", file=sys.stderr)
        return 2
    name = args.wav.name if args.wav else f"{args.routine} --music ambient"
    title = f"{name}: {args.seconds:g} s from {args.start:g} s (voice, ambient bed, pulse)"
    image = draw(to_pixels(spectrogram(part, rate), rate), args.start, args.seconds, title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_suffix(".tmp.png")
    image.save(temporary)
    temporary.replace(args.out)  # atomic: a reader never sees half a picture
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
