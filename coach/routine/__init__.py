"""The routine file format and its model: what the author wrote.

:mod:`~coach.routine.schema` (the file format, pydantic; also the JSON Schema),
:mod:`~coach.routine.yamlfile` (defensive YAML with line numbers), :mod:`~coach.routine.loader`
(includes and repeats resolved into the frozen :mod:`~coach.routine.model`) and
:mod:`~coach.routine.lexicon` (pronunciation). The built-in routines are in ``builtin/``.
"""
