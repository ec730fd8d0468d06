"""What will be said and when, independent of any speech engine.

:mod:`~coach.timeline.compiler` turns a routine into a :mod:`~coach.timeline.model` timeline,
with every sentence coach adds in :mod:`~coach.timeline.wording` and speech lengths from a
:mod:`~coach.timeline.durations` provider (estimated here; real clip lengths in ``render``).
"""
