"""``python -m coach`` runs the command line."""

from coach.cli import main

if __name__ == "__main__":  # not when a synthesis process started afresh imports it
    main()
