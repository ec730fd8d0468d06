"""Reading a how-to article into plain blocks: headings, numbered items, bullets, paragraphs.

``.txt`` and ``.md`` files are read as they are. A saved ``.html`` page is first reduced to its
main text by trafilatura (the navigation, ads, sidebars and footers of the page are left out),
which gives Markdown; from there every kind of file takes the same road.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ArticleError, NotInstalledError

MAX_ARTICLE_BYTES = 5_000_000
"""A how-to article is a few kilobytes; a saved page with inline scripts can be a megabyte."""

TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Block:
    """One piece of an article, in reading order."""

    kind: str
    """``heading``, ``item`` (a numbered list item), ``bullet`` or ``paragraph``."""
    text: str
    """Its text, one line, with Markdown emphasis and links removed."""
    number: int = 0
    """The item's number (``item``), or the heading's level (``heading``)."""
    lead: str | None = None
    """The title an item or paragraph gives itself in bold (``**Title.** text``), if any."""
    bullets: tuple[str, ...] = ()
    """The sub-bullets of a numbered item, each one line."""


@dataclass(frozen=True)
class Article:
    """An article as read: its title and its blocks."""

    title: str | None
    """The first heading (or, in plain text, the first short line), if it has one."""
    blocks: tuple[Block, ...]
    """Everything after the title, in order."""
    source: str
    """How to name the file in messages."""


def read_article(path: Path) -> Article:
    """Read ``path`` (.txt, .md or a saved .html page) into blocks; bad input is an ArticleError."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        raise ArticleError(
            f"{source}: cannot import a '{suffix or 'file without a suffix'}' file",
            hint="save the article as .txt, .md or .html (a web page saved from the browser)",
        )
    raw = _read_bytes(path, source)
    html = suffix in HTML_SUFFIXES
    text = html_to_markdown(raw, source) if html else _decode(raw, source)
    if not text.strip():
        raise ArticleError(f"{source}: the article has no text")
    return parse_text(text, source, markdown=suffix != ".txt" and suffix != ".text")


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        if path.is_dir():
            raise ArticleError(f"{source}: is a folder, not an article")
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(
                f"{source}: too large for an article ({size:,} bytes; at most "
                f"{MAX_ARTICLE_BYTES:,})"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{source}: no such file") from None
    except PermissionError:
        raise ArticleError(f"{source}: permission denied") from None
    except OSError as exc:
        raise ArticleError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise ArticleError(f"{source}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise ArticleError(
            f"{source}: not a text file (binary data)",
            hint="give a .txt, .md or .html file; copy the article's text out of a PDF or document",
        )
    return raw


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ArticleError(
            f"{source}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            hint="save the article as UTF-8 text",
        ) from None


def html_to_markdown(raw: bytes, source: str) -> str:
    """The main text of a saved web page, as Markdown (headings and lists kept)."""
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a dependency of coach
        raise NotInstalledError(
            f"reading .html articles needs trafilatura ({exc})",
            hint="pip install trafilatura lxml_html_clean",
        ) from None
    text = trafilatura.extract(
        raw,
        output_format="markdown",
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_tables=False,
        include_comments=False,
        favor_recall=True,
    )
    if not text or not text.strip():
        raise ArticleError(
            f"{source}: no article text found in the page",
            hint="save the page as it shows the article, or copy its text into a .txt file",
        )
    return str(text)


_HEADING_MD = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+\u2022]\s+(.*)$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*\s*[:.\u2013\u2014-]?\s*(.*)$")


def parse_text(text: str, source: str, markdown: bool) -> Article:
    """Split an article's text into blocks (Markdown, or plain text laid out the same way)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].strip() == "---":  # a front matter block
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            lines = lines[end + 1 :]
    raw_blocks = _raw_blocks(lines, markdown)
    title: str | None = None
    blocks: list[Block] = []
    for block in raw_blocks:
        if title is None and not blocks and block.kind == "heading":
            title = block.text
            continue
        blocks.append(block)
    return Article(title=title, blocks=tuple(blocks), source=source)


def _raw_blocks(lines: list[str], markdown: bool) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    item: _OpenItem | None = None

    def close_paragraph() -> None:
        if paragraph:
            joined = " ".join(part.strip() for part in paragraph)
            if _is_plain_heading(paragraph, markdown, blocks):
                blocks.append(Block("heading", clean_inline(joined), number=2))
            else:
                lead, rest = _bold_lead(joined)
                blocks.append(Block("paragraph", clean_inline(rest), lead=lead))
            paragraph.clear()

    def close_item() -> None:
        nonlocal item
        if item is not None:
            lead, rest = _bold_lead(" ".join(item.lines))
            bullets = tuple(clean_inline(b) for b in item.bullets)
            blocks.append(Block("item", clean_inline(rest), item.number, lead, bullets))
            item = None

    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            close_paragraph()
            continue
        heading = _HEADING_MD.match(stripped) if markdown else None
        if heading:
            close_paragraph()
            close_item()
            _add_heading(blocks, heading.group(2), len(heading.group(1)))
            continue
        if markdown and _SETEXT.match(stripped) and paragraph and len(paragraph) == 1:
            close_item()
            _add_heading(blocks, paragraph[0].strip(), 2)
            paragraph.clear()
            continue
        numbered = _ITEM.match(line)
        if numbered:
            close_paragraph()
            close_item()
            item = _OpenItem(int(numbered.group(2)), [numbered.group(3)], [])
            continue
        bullet = _BULLET.match(line)
        if bullet and not (markdown and stripped.startswith("---")):
            close_paragraph()
            indented = len(bullet.group(1)) > 0
            if item is not None and (indented or lines[index - 1].strip()):
                item.bullets.append(bullet.group(2))
                continue
            close_item()
            lead, rest = _bold_lead(bullet.group(2))
            blocks.append(Block("bullet", clean_inline(rest), lead=lead))
            continue
        follows = not paragraph and _previous_nonblank(lines, index)
        if item is not None and (line[:1].isspace() or follows):
            # a continuation line of the item (indented, or straight after it)
            if item.bullets:
                item.bullets[-1] += " " + stripped
            else:
                item.lines.append(stripped)
            continue
        close_item()
        paragraph.append(line)
    close_paragraph()
    close_item()
    return blocks


def _add_heading(blocks: list[Block], text: str, level: int) -> None:
    """A heading block, unless it has no words: ``## #`` (Markdown's closing hashes alone) or
    ``## **`` ends the paragraph or item before it, as any heading does, and names nothing (a
    section titled "" made a draft that did not load)."""
    cleaned = clean_inline(text)
    if cleaned:
        blocks.append(Block("heading", cleaned, level))


@dataclass
class _OpenItem:
    """A numbered item being read."""

    number: int
    lines: list[str]
    bullets: list[str]


def _previous_nonblank(lines: list[str], index: int) -> bool:
    return index > 0 and bool(lines[index - 1].strip())


_SENTENCE_END = re.compile(r"[.!?:;,]$")


def _is_plain_heading(paragraph: list[str], markdown: bool, blocks: list[Block]) -> bool:
    """In plain text, a short single line standing alone is a heading."""
    if markdown or len(paragraph) != 1:
        return False
    text = paragraph[0].strip()
    words = text.split()
    return 0 < len(words) <= 10 and len(text) <= 80 and not _SENTENCE_END.search(text)


def _bold_lead(text: str) -> tuple[str | None, str]:
    match = _BOLD_LEAD.match(text.strip())
    if match and match.group(2) and len(match.group(1).split()) <= 8:
        return clean_inline(match.group(1)).rstrip(".:"), match.group(2)
    return None, text


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1")


def clean_inline(text: str) -> str:
    """Text without Markdown links, images, emphasis and doubled spaces."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip()
