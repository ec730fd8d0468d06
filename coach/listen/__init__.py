"""Voice commands: microphone sources, an offline keyword spotter, and the gate that keeps the
recognizer deaf while coach itself is speaking."""
