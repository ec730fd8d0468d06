"""coach: an offline text-to-speech audio coach for massage."""

__version__ = "0.1.0"
