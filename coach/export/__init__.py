"""Exported tracks: mixing and encoding (:mod:`~coach.export.encode`), the parallel MP3 encode
and gapless join (:mod:`~coach.export.mp3join`), tags, lyrics and playlists
(:mod:`~coach.export.tags`), and the export itself (:mod:`~coach.export.track`).
"""
