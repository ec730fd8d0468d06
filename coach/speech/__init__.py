"""The speech layer: engines turn text into clips; clips are verified, trimmed, normalized, cached.

Import the parts from their modules: :mod:`coach.speech.base` (voices, settings, clips, the engine
registry), :mod:`coach.speech.clips` (:func:`~coach.speech.clips.render_clip` and processing),
:mod:`coach.speech.cache`, :mod:`coach.doctor`. Engine libraries load only when used.
"""
