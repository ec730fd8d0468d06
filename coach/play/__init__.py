"""Live sessions: a drift-free scheduler, audio sinks, keys and a screen."""
