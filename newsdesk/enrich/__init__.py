"""Enrichment stages: language, deduplication keys, clustering (pure functions)."""
