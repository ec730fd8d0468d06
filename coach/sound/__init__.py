"""Sound design: the stroke pulse, the chimes and the music bed, mixed under the voice.

The timeline already says when every pulse and chime sounds (cues of kind ``tick`` and
``chime``). This package makes their sounds (:mod:`coach.sound.sounds`), the music bed
(:mod:`coach.sound.ambient`, :mod:`coach.sound.music`) and the ducking under speech
(:mod:`coach.sound.mixer`). Export and live play share it:

- :func:`coach.sound.mixer.choose_music` checks ``--music`` before anything is made;
- :class:`coach.sound.mixer.Mixer` gives each ``tick``/``chime`` cue its samples
  (:meth:`~coach.sound.mixer.Mixer.sound_for`) and mixes the ducked bed into a stream of
  blocks (:meth:`~coach.sound.mixer.Mixer.with_bed`);
- :class:`coach.sound.mixer.LiveBed` is the bed of a live session, which a sink renders
  against the clock.
"""
