"""The printable card: a routine on one or two A4 pages, to keep beside the mattress.

The title, the session's length, the safety points and the preparation, then every step with
its figure (the light theme, for paper), its counts, pressure, stance, instruction and
cautions, in the routine's language. The words the author wrote are printed as written; the
words coach adds (headings, "Light pressure", "10 strokes of 8 s each") come from the
language's catalog (:class:`coach.timeline.wording.Wording`).

Drawn with fpdf2 in DejaVu Sans (``fonts/``, with its licence), which has every accent of
every language coach speaks; fpdf2 embeds only the glyphs used, so a card is small. Each
distinct figure is rendered and embedded once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.figures.files import step_pngs
from coach.routine.model import Holds, Repeat, Routine, Sides, Step, Strokes, Timed, Work
from coach.timeline.wording import Wording, whole_minutes, wording_for

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
FONTS = Path(__file__).with_name("fonts")
PAGE_W, PAGE_H = 210.0, 297.0
"""A4, in millimetres."""
MARGIN = 14.0
GAP = 6.0
COLUMN_W = (PAGE_W - 2 * MARGIN - GAP) / 2
FOOTER_H = 8.0
FIGURE_PX = 360
"""A figure's pixels: 300 dpi at the largest size it is printed (30 mm)."""
MAX_PAGES = 2

INK = (58, 63, 72)
MUTED = (105, 111, 122)
ACCENT = (160, 94, 14)
CAUTION = (150, 62, 40)
RULE = (222, 216, 206)
PANEL = (248, 245, 240)


@dataclass(frozen=True)
class Scale:
    """The sizes of one layout of the card; a smaller one is tried when it runs long."""

    figure_mm: float
    """Width and height of a step's figure."""
    text_pt: float
    """The instruction's type size; the rest follow from it."""


SCALES = (Scale(30.0, 8.6), Scale(26.0, 7.9), Scale(23.0, 7.3))


@dataclass(frozen=True)
class Card:
    """A card, drawn."""

    pdf: bytes
    """The PDF document."""
    pages: int
    """How many pages it has."""


def card_pdf(routine: Routine) -> Card:
    """The card of ``routine`` as a PDF: the first of :data:`SCALES` that fits on
    :data:`MAX_PAGES` pages (the smallest, on as many pages as it takes, if none does)."""
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import TimelineOptions

    words = wording_for(routine.language)
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    minutes = max(1, whole_minutes(timeline.total_ms))
    numbers = tuple(range(1, len(routine.steps) + 1))
    figures = step_pngs(routine, numbers, FIGURE_PX, "light")
    pdf = None
    for scale in SCALES:
        pdf = _Layout(routine, words, figures, minutes, scale).draw()
        if pdf.pages_count <= MAX_PAGES:
            break
    assert pdf is not None
    return Card(bytes(pdf.output()), pdf.pages_count)


def _document() -> FPDF:
    from fpdf import FPDF

    class Card(FPDF):
        def footer(self) -> None:
            self.set_y(-MARGIN + 2)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*MUTED)
            self.cell(0, 4, f"{self.page_no()} / {{nb}}", align="R")

    pdf = Card(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.alias_nb_pages()
    pdf.set_creator("coach")
    return pdf


@dataclass(frozen=True)
class _Line:
    """A paragraph of the card: its text, type and colour."""

    text: str
    size_pt: float
    colour: tuple[int, int, int]
    bold: bool = False
    space_mm: float = 0.6
    """Space after it."""


@dataclass(frozen=True)
class _Placed:
    """One line of text, placed."""

    x: float
    """From the left of its block."""
    y: float
    """From the top of its block."""
    text: str
    """What it says."""
    line: _Line
    """The paragraph it is a line of (its type and colour)."""


class _Layout:
    """One layout of the card at one :class:`Scale`."""

    def __init__(
        self,
        routine: Routine,
        words: Wording,
        figures: dict[int, bytes],
        minutes: int,
        scale: Scale,
    ) -> None:
        self.routine = routine
        self.words = words
        self.figures = figures
        self.minutes = minutes
        self.scale = scale
        self.pdf = _document()
        self.numbers = {id(step): n for n, step in enumerate(routine.steps, start=1)}

    # -- measuring and writing paragraphs ------------------------------------------------------

    @staticmethod
    def _leading(line: _Line) -> float:
        return line.size_pt * 0.3528 * 1.32  # points to millimetres, and the line's spacing

    def _wrap(self, text: str, line: _Line, width: float) -> list[str]:
        """``text`` broken into the lines that fit ``width`` in ``line``'s type."""
        self.pdf.set_font(FONT, "B" if line.bold else "", line.size_pt)
        wrapped = self.pdf.multi_cell(width, 1, text, dry_run=True, output="LINES")
        assert isinstance(wrapped, list)  # what output="LINES" gives
        return [str(part) for part in wrapped] or [""]

    def _flow(self, lines: list[_Line], narrow: tuple[float, float], wide: tuple[float, float],
              beside_mm: float) -> tuple[list[_Placed], float]:  # fmt: skip
        """Place ``lines`` one under the other from y = 0: each line of text beside something
        ``beside_mm`` tall (at ``narrow``: x offset, width) while it fits there, under it at
        ``wide`` after. The placed lines and the height they take."""
        placed: list[_Placed] = []
        y = 0.0
        for line in lines:
            leading = self._leading(line)
            remaining = line.text
            while remaining:
                x, width = narrow if y < beside_mm else wide
                first, *rest = self._wrap(remaining, line, width)
                placed.append(_Placed(x, y, first, line))
                y += leading
                if not rest:
                    break
                stripped = remaining.lstrip()
                remaining = (
                    stripped[len(first) :].lstrip()
                    if stripped.startswith(first)
                    else " ".join(rest)  # fpdf2 changed the text (a word cut): go on from its lines
                )
            y += line.space_mm
        return placed, y

    def _draw(self, placed: list[_Placed], x: float, y: float) -> None:
        pdf = self.pdf
        for item in placed:
            pdf.set_font(FONT, "B" if item.line.bold else "", item.line.size_pt)
            pdf.set_text_color(*item.line.colour)
            pdf.set_xy(x + item.x, y + item.y)
            pdf.cell(0, self._leading(item.line), item.text)

    def _block(self, lines: list[_Line], width: float) -> tuple[list[_Placed], float]:
        return self._flow(lines, (0, width), (0, width), 0)

    def _bullets(self, items: list[_Line], width: float) -> tuple[list[_Placed], float]:
        placed: list[_Placed] = []
        y = 0.0
        for item in items:
            lines, height = self._flow([item], (3.4, width - 3.4), (3.4, width - 3.4), 0)
            dot = _Line("\u2022", item.size_pt, ACCENT)
            placed += [_Placed(0, y, dot.text, dot)]
            placed += [_Placed(p.x, p.y + y, p.text, p.line) for p in lines]
            y += height
        return placed, y

    # -- the card -------------------------------------------------------------------------------

    def draw(self) -> FPDF:
        pdf = self.pdf
        routine = self.routine
        pdf.set_title(routine.name)
        pdf.set_lang(routine.language)
        pdf.add_page()
        y = self._header(MARGIN)
        y = self._safety_and_preparation(y + 3)
        for section in routine.sections:
            y = self._section(section.title, section.steps, y + 2)
        return pdf

    def _header(self, y: float) -> float:
        width = PAGE_W - 2 * MARGIN
        routine = self.routine
        length = self.words.card_length(self.minutes, len(routine.steps))
        lines = [_Line(routine.name, 19, INK, bold=True, space_mm=1.2)]
        if routine.description.strip():
            lines.append(_Line(" ".join(routine.description.split()), 9.2, MUTED))
        lines.append(_Line(length, 9.2, ACCENT, bold=True, space_mm=1.5))
        placed, height = self._block(lines, width)
        self._draw(placed, MARGIN, y)
        y += height
        self.pdf.set_draw_color(*RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
        return y

    def _safety_and_preparation(self, y: float) -> float:
        size = self.scale.text_pt
        words = self.words
        safety = list(self.routine.safety) or [words.stop_if_it_hurts()]
        prep = self.routine.preparation
        ready = [t for t in (prep.position, *prep.props, prep.oil) if t]
        columns = [(words.card_safety(), safety)]
        if ready:
            columns.append((words.card_preparation(), ready))
        pad = 3.0
        width = COLUMN_W if len(columns) == 2 else PAGE_W - 2 * MARGIN
        inner = width - 2 * pad
        blocks = []
        for heading, texts in columns:
            head, head_height = self._block([_Line(heading, size + 2.6, ACCENT, True, 1.0)], inner)
            items, items_height = self._bullets([_Line(t, size, INK, space_mm=0.9) for t in texts],
                                                inner)  # fmt: skip
            blocks.append((head, head_height, items, head_height + items_height))
        box = max(block[3] for block in blocks) + 2 * pad
        for index, (head, head_height, items, _height) in enumerate(blocks):
            x = MARGIN + index * (COLUMN_W + GAP)
            self.pdf.set_fill_color(*PANEL)
            self.pdf.rect(x, y, width, box, style="F", round_corners=True, corner_radius=2)
            self._draw(head, x + pad, y + pad)
            self._draw(items, x + pad, y + pad + head_height)
        return y + box + 2

    def _section(self, title: str, steps: tuple[Step, ...], y: float) -> float:
        heading, heading_height = self._block(
            [_Line(title, self.scale.text_pt + 3, INK, bold=True, space_mm=1.5)],
            PAGE_W - 2 * MARGIN,
        )
        cells = [self._step_cell(step) for step in steps]
        first = True
        for row in (cells[i : i + 2] for i in range(0, len(cells), 2)):
            height = max(cell_height for _n, _placed, cell_height in row)
            needed = height + (heading_height + 1 if first else 0)
            if y + needed > PAGE_H - MARGIN - FOOTER_H:
                self.pdf.add_page()
                y = MARGIN
            if first:
                self._draw(heading, MARGIN, y)
                y += heading_height + 1
                first = False
            for index, (number, placed, _height) in enumerate(row):
                self._cell(number, placed, MARGIN + index * (COLUMN_W + GAP), y)
            y += height + 3.5
        return y

    def _step_cell(self, step: Step) -> tuple[int, list[_Placed], float]:
        """A step's number, its lines of text placed beside and under its figure, and the
        height of both."""
        number, lines = self._step_lines(step)
        side = self.scale.figure_mm
        narrow = (side + 3, COLUMN_W - side - 3)
        placed, height = self._flow(lines, narrow, (0, COLUMN_W), side + 1)
        return number, placed, max(side, height)

    def _step_lines(self, step: Step) -> tuple[int, list[_Line]]:
        size = self.scale.text_pt
        words = self.words
        number = self.numbers[id(step)]
        lines = [_Line(f"{number}. {step.title}", size + 1.6, INK, bold=True, space_mm=0.8)]
        for work in step.work:
            lines.append(_Line(self._work_text(work), size, ACCENT, bold=True, space_mm=0.4))
        lines.append(_Line(words.card_pressure(step.pressure), size - 0.4, MUTED, space_mm=1))
        if step.stance:
            lines.append(_Line(step.stance, size - 0.4, MUTED, space_mm=0.9))
        lines.append(_Line(step.instruction, size, INK, space_mm=0.9))
        if step.pressure_note:
            lines.append(_Line(step.pressure_note, size - 0.4, MUTED, space_mm=0.9))
        for caution in step.cautions:
            lines.append(_Line(f"\u26a0 {caution}", size - 0.4, CAUTION, space_mm=0.7))
        return number, lines

    def _work_text(self, work: Work) -> str:
        words = self.words
        if isinstance(work, Strokes | Holds | Timed):
            return words.card_work(work)
        if isinstance(work, Sides):
            return words.card_each_side("; ".join(words.card_work(w) for w in work.work))
        assert isinstance(work, Repeat)
        return words.card_repeat(self.numbers[id(work.step)], work.step.title)

    def _cell(self, number: int, placed: list[_Placed], x: float, y: float) -> None:
        side = self.scale.figure_mm
        pdf = self.pdf
        pdf.image(io.BytesIO(self.figures[number]), x=x, y=y, w=side, h=side)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.25)
        pdf.rect(x, y, side, side, style="D", round_corners=True, corner_radius=1.5)
        self._draw(placed, x, y - 0.4)


def write_card(routine: Routine, out: Path) -> int:
    """Write the card of ``routine`` to ``out`` (atomically); the number of pages."""
    from coach.atomic import write_bytes_atomic
    from coach.errors import ExportError

    card = card_pdf(routine)
    try:
        write_bytes_atomic(out, card.pdf)
    except OSError as exc:
        raise ExportError(f"cannot write the card {out}: {exc.strerror or exc}") from None
    return card.pages
