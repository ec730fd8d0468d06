"""``coach import``: a how-to article becomes a draft routine file.

A producer of routine files that ends where :func:`~coach.routine.loader.load_routine` begins:
:mod:`.article` reads the text (a saved web page through trafilatura) into blocks,
:mod:`.counts` reads counts, :mod:`.reading` finds the steps, cautions and preparation,
:mod:`.draft` writes the YAML with a comment on every guess, :mod:`.summary` says what was
found, and :mod:`.writer` puts them together (:func:`~.writer.import_article`). The draft is
loaded with the project's own loader before it is put in place, so a draft that is written is a
valid routine.
"""
