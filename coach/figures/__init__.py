"""Stroke figures: where the hands go and how they move, drawn on a body view as SVG.

A consumer of the routine model, shared by the phone page, the exports' chapter images and the
printable card: :func:`~coach.figures.draw.render_svg` draws a step's figure (or, for a step
without one, its routine's area's view alone), :func:`~coach.figures.draw.render_png` rasterizes
it.
"""
