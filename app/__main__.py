"""``python -m app`` runs the aidmap command."""

from app.cli import main

main()
