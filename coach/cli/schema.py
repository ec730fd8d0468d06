"""``coach schema``: the JSON Schema of routine files."""

from __future__ import annotations

import json
import sys

from coach.cli.common import (
    command,
)


@command(short_help="The JSON Schema of routine files.")
def schema() -> None:
    """Print the JSON Schema of routine files (for editor autocompletion)."""
    from coach.routine.schema import routine_json_schema

    sys.stdout.write(json.dumps(routine_json_schema(), indent=2) + "\n")
