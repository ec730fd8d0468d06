"""Every link within the README goes to one of its headings (the `--engine` row linked to
"#a-natural-voice-piper-optional", a heading renamed since, and went nowhere)."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces as
    hyphens, ``-1``, ``-2``... after a repeated one. Lines in fenced code are not headings."""
    found: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        heading = None if fenced else re.match(r"#{1,6} (.+?)\s*#*$", line)
        if heading is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        unique, count = slug, 0
        while unique in found:
            count += 1
            unique = f"{slug}-{count}"
        found.add(unique)
    return found


def test_the_anchor_rules_match_githubs() -> None:
    assert anchors("# On the phone: `coach serve`\n## Tests\n## Tests\n```sh\n# no\n```\n") == {
        "on-the-phone-coach-serve",
        "tests",
        "tests-1",
    }


def test_every_link_within_the_readme_has_its_heading() -> None:
    links = set(re.findall(r"\]\(#([^)\s]+)\)", README))
    assert links, "no links found: the pattern is wrong"
    assert sorted(links - anchors(README)) == []
