"""The README's complete routine example loads, and says what its comments claim it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from coach.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    """The YAML block after "A complete example, with every field:" in the README."""
    text = README.read_text("utf-8")
    after = text.split("A complete example, with every field:", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", after, re.DOTALL)
    assert match is not None, "no yaml block after the example's heading"
    return match.group(1)


def _cues(example: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "neck-and-shoulders.yaml"  # its include, upper-back, is built in
    path.write_text(example, "utf-8")
    result = CliRunner().invoke(app, ["show", str(path), "--json", "--engine", "fake"])
    assert result.exit_code == 0, result.output
    return [cue["text"] for cue in json.loads(result.stdout)["cues"]]


def test_the_readme_example_says_what_its_comments_claim(tmp_path: Path) -> None:
    example = _example()
    cues = _cues(example, tmp_path)
    spoken = re.findall(r'# spoken: "([^"]+)"', example)
    assert spoken, "the example no longer quotes what is spoken"
    for sentence in spoken:
        assert sentence in cues
    holds = re.search(r'# "(hold for a count of \w+)", (\w+ times)', example)
    assert holds is not None
    said = f"{holds.group(1)}, {holds.group(2)}.".capitalize()
    assert said in cues


def test_the_readme_example_has_every_field(tmp_path: Path) -> None:
    """ "with every field": each field of every model of the schema appears in the example."""
    from pydantic import BaseModel

    from coach.routine import schema

    example = _example()
    for name in dir(schema):
        model = getattr(schema, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            for field in model.model_fields:
                assert re.search(rf"\b{field}:", example), f"{name}.{field} not in the example"
