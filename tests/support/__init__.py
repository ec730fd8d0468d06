"""Test tooling shared by the tests and the scripts (``scripts/voice_corpus.py``,
``scripts/bench.py``): it builds recordings and measures, and is no part of what runs for a
user, so it lives outside the ``coach`` package."""
