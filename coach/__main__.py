"""``python -m coach`` runs the command line."""

from coach.cli import main

main()
