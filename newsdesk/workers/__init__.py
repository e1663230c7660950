"""Celery workers: a thin shell whose tasks take IDs and call the same pipeline functions as the CLI."""
